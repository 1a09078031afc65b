"""`reports/index.html`: every run, newest first, with its pass rate and key metrics, and a
trend plot over runs (the nightly soak's "is it getting worse?" view)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.report.charts import pass_rate, trend_svg
from harness.report.html import badge, esc, fmt_s, page
from harness.report.results import load_results


def _row(run: dict[str, Any]) -> str:
    m = run.get("metrics") or {}
    rate = pass_rate(run)
    counts = run.get("counts", {})
    total = sum(counts.values())
    run_id = str(run.get("run_id", ""))
    lost, dup = m.get("lost"), m.get("duplicated")
    return (f'<tr class="{"" if run.get("outcome") == "passed" else "fail"}">'
            f'<td>{esc(str(run.get("started_at") or "—").replace("T", " "))}</td>'
            f'<td><a href="{esc(run_id)}/index.html">{esc(run_id)}</a></td>'
            f'<td>{badge(run.get("outcome", ""))}</td><td>{esc(run.get("target"))}</td>'
            f'<td>{esc(", ".join(run.get("bugs", [])) or "none")}</td>'
            f'<td class="num">{"—" if rate is None else f"{rate:.0f}%"} '
            f'<span class="muted small">({counts.get("passed", 0)}/{total})</span></td>'
            f'<td class="num">{fmt_s(run.get("duration_s"))}</td>'
            f'<td class="num">{fmt_s(m.get("reconnect_p95_s"))}</td>'
            f'<td class="num">{esc(lost)} / {esc(dup)}</td></tr>')


def render_index(runs: list[dict[str, Any]]) -> str:
    """The run index page; `runs` are results.json documents in any order."""
    ordered = sorted(runs, key=lambda r: (str(r.get("started_at", "")), str(r.get("run_id", ""))))
    trend = trend_svg(ordered) if len(ordered) > 1 else None
    rows = "".join(_row(r) for r in reversed(ordered))
    table = ('<table><tr><th>started</th><th>run</th><th>outcome</th><th>target</th><th>bugs</th>'
             '<th class="num">pass rate</th><th class="num">duration</th>'
             '<th class="num">reconnect p95</th><th class="num">lost / dup</th></tr>'
             f'{rows}</table>' if rows else '<p class="muted">no runs yet</p>')
    body = (f'<h1>wschaos runs</h1><p class="muted">{len(ordered)} runs, newest first</p>'
            + (f'<section class="card">{trend}</section>' if trend else "")
            + f"<h2>runs</h2>{table}")
    return page("wschaos runs", body)


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
    out.write_text(render_index(runs), encoding="utf-8")
    return out
