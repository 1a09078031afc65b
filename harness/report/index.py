"""`reports/index.html`: every run, newest first, with its pass rate, key metrics and flaky
scenarios, trends per target and seeded-bug set (the nightly soak's "is it getting worse?"
view), and a filter. The filter is a few lines of inline JavaScript over the table's own rows:
the page stays one file that opens from disk with no network access."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.report.charts import pass_rate, series_of, trend_svg
from harness.report.html import badge, esc, fmt_s, fmt_value, page
from harness.report.results import load_results

#: Shows the rows whose text contains every word typed and that match each chosen select.
FILTER_JS = """
(() => {
  const form = document.getElementById('filter');
  const rows = [...document.querySelectorAll('#runs tr[data-series]')];
  const count = document.getElementById('shown');
  const apply = () => {
    const words = form.q.value.toLowerCase().split(/\\s+/).filter(Boolean);
    let shown = 0;
    for (const row of rows) {
      const ok = words.every(w => row.textContent.toLowerCase().includes(w))
        && (!form.series.value || row.dataset.series === form.series.value)
        && (!form.outcome.value || row.dataset.outcome === form.outcome.value)
        && (!form.flaky.checked || row.dataset.flaky === 'yes');
      row.hidden = !ok;
      shown += ok;
    }
    count.textContent = shown + ' of ' + rows.length + ' runs shown';
  };
  form.addEventListener('input', apply);
  form.addEventListener('submit', e => e.preventDefault());
  apply();
})();
"""


def flaky_text(run: dict[str, Any]) -> str:
    """`server-restart: passed, failed, passed` per scenario whose repeated verdicts differ."""
    return "; ".join(f"{name}: {fmt_value(verdicts)}" for name, verdicts in (run.get("flaky") or {}).items())


def _row(run: dict[str, Any]) -> str:
    m = run.get("metrics") or {}
    rate = pass_rate(run)
    counts = run.get("counts", {})
    total = sum(counts.values())
    run_id = str(run.get("run_id", ""))
    flaky = flaky_text(run)
    mark = f' <span class="badge flaky" title="{esc(flaky)}">flaky</span>' if flaky else ""
    return (f'<tr class="{"" if run.get("outcome") == "passed" else "fail"}" data-series="{esc(series_of(run))}" '
            f'data-outcome="{esc(run.get("outcome"))}" data-flaky="{"yes" if flaky else "no"}">'
            f'<td>{esc(str(run.get("started_at") or "—").replace("T", " "))}</td>'
            f'<td><a href="{esc(run_id)}/index.html">{esc(run_id)}</a></td>'
            f'<td>{badge(run.get("outcome", ""))}{mark}</td><td>{esc(run.get("target"))}</td>'
            f'<td>{esc(", ".join(run.get("bugs", [])) or "none")}</td>'
            f'<td class="num">{"—" if rate is None else f"{rate:.0f}%"} '
            f'<span class="muted small">({counts.get("passed", 0)}/{total})</span></td>'
            f'<td class="num">{fmt_s(run.get("duration_s"))}</td>'
            f'<td class="num">{fmt_s(m.get("reconnect_p95_s"))}</td>'
            f'<td class="num">{esc(m.get("lost"))} / {esc(m.get("duplicated"))}</td>'
            f'<td class="small">{esc(flaky) if flaky else "—"}</td></tr>')


def _filter_form(runs: list[dict[str, Any]]) -> str:
    def options(values: list[str]) -> str:
        return "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in values)
    series = sorted({series_of(r) for r in runs})
    outcomes = sorted({str(r.get("outcome", "")) for r in runs})
    return ('<form id="filter" class="filter" role="search">'
            '<input name="q" type="search" placeholder="search runs: id, date, scenario, bug…" '
            'aria-label="search runs">'
            f'<select name="series" aria-label="target and seeded bugs"><option value="">every target '
            f'and bug set</option>{options(series)}</select>'
            f'<select name="outcome" aria-label="outcome"><option value="">any outcome</option>'
            f'{options(outcomes)}</select>'
            '<label><input name="flaky" type="checkbox"> only runs with flaky scenarios</label>'
            '<span id="shown" class="small muted"></span></form>')


def render_index(runs: list[dict[str, Any]]) -> str:
    """The run index page; `runs` are results.json documents in any order."""
    ordered = sorted(runs, key=lambda r: (str(r.get("started_at", "")), str(r.get("run_id", ""))))
    trend = trend_svg(ordered) if len(ordered) > 1 else None
    rows = "".join(_row(r) for r in reversed(ordered))
    table = (f'{_filter_form(ordered)}<table id="runs"><tr><th>started</th><th>run</th><th>outcome</th>'
             '<th>target</th><th>bugs</th><th class="num">pass rate</th><th class="num">duration</th>'
             '<th class="num">reconnect p95</th><th class="num">lost / dup</th><th>flaky scenarios</th></tr>'
             f'{rows}</table>' if rows else '<p class="muted">no runs yet</p>')
    flaky_runs = sum(1 for r in ordered if r.get("flaky"))
    note = f", {flaky_runs} with flaky scenarios" if flaky_runs else ""
    body = (f'<h1>wschaos runs</h1><p class="muted">{len(ordered)} runs{note}, newest first</p>'
            + (f'<section class="card"><h3>trends per target and seeded-bug set</h3>{trend}</section>'
               if trend else "")
            + f"<h2>runs</h2>{table}")
    return page("wschaos runs", body, script=FILTER_JS if rows else "")


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
