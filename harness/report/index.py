"""`reports/index.html`: every run, newest first, with its pass rate, key metrics and flaky
scenarios, trends per target and seeded-bug set (the nightly soak's "is it getting worse?"
view), and a filter. The filter is a few lines of inline JavaScript (`templates/filter.js`)
over the table's own rows: the page stays one file that opens from disk with no network access."""

from __future__ import annotations

import json
from pathlib import Path

from harness.report.charts import series_of, trend_svg
from harness.report.document import RunDocument
from harness.report.html import fmt_value, pre_rendered, render
from harness.report.results import load_results, write_atomically


def flaky_text(run: RunDocument) -> str:
    """`server-restart: passed, failed, passed` per scenario whose repeated verdicts differ."""
    return "; ".join(f"{name}: {fmt_value(verdicts)}" for name, verdicts in (run.get("flaky") or {}).items())


def render_index(runs: list[RunDocument]) -> str:
    """The run index page; `runs` are results.json documents in any order."""
    ordered = sorted(runs, key=lambda r: (str(r.get("started_at", "")), str(r.get("run_id", ""))))
    trend = trend_svg(ordered) if len(ordered) > 1 else None
    return render("index.html", runs=ordered, trend=pre_rendered(trend) if trend else None,
                  rows=[(run, flaky_text(run)) for run in reversed(ordered)],
                  flaky_runs=sum(1 for r in ordered if r.get("flaky")),
                  series=sorted({series_of(r) for r in ordered}),
                  outcomes=sorted({str(r.get("outcome", "")) for r in ordered}))


def update_index(reports_dir: Path) -> Path:
    """Rewrite `reports_dir/index.html` from every `*/results.json`; skips unreadable ones."""
    reports_dir = Path(reports_dir)
    runs = []
    for path in sorted(reports_dir.glob("*/results.json")):
        try:
            runs.append(load_results(path))
        except (ValueError, OSError, json.JSONDecodeError):
            continue  # a half-written or foreign file must not hide every other run
    out = reports_dir / "index.html"
    write_atomically(out, render_index(runs))
    return out
