"""The self-contained HTML report of one run: inline CSS, inline SVG plots, screenshots as
data: URIs, no JavaScript and no network. Pure: everything it shows is passed in.
"""

from __future__ import annotations

import base64
import re
from html import escape
from typing import Any, Iterable, Mapping

from harness.journal import Event
from harness.report import charts, extract, plots
from harness.report.style import CSS


def esc(value: Any) -> str:
    """HTML-escaped text of any value; None renders as an em dash."""
    return "—" if value is None else escape(str(value), quote=True)


def data_uri(data: bytes, mime: str = "image/png") -> str:
    """Bytes as a data: URI, for embedding images in a page that must work offline."""
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def badge(outcome: str) -> str:
    return f'<span class="badge {esc(outcome)}">{esc(outcome)}</span>'


def fmt_s(value: Any, unit: str = "s") -> str:
    return "—" if value is None else f"{float(value):.2f} {unit}"


def fmt_value(value: Any) -> str:
    """A value in words, never a Python repr: lists joined, mappings as `key value`, null/true/false."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt_value(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k} {fmt_value(v)}" for k, v in value.items()) or "nothing"
    return str(value)


def fmt_observed(value: Any) -> str:
    """What an expectation saw, per client: `b0: state connected, js false; b1: state reconnecting`."""
    if isinstance(value, dict):
        sep = "; " if any(isinstance(v, (dict, list)) for v in value.values()) else ", "
        return sep.join(f"{k}: {fmt_value(v) if v else 'nothing probed yet'}" for k, v in value.items())
    return "—" if value is None else fmt_value(value)


def fmt_params(params: dict[str, Any]) -> str:
    """A check's parameters as written in a scenario (`within 20s, clients all`); unset ones left out."""
    return ", ".join(f"{k} {fmt_value(v)}" for k, v in params.items() if v is not None and v is not False)


def key(s: dict[str, Any]) -> str:
    """What tells scenario entries apart: repeated runs share a name, not a round."""
    first = str(s.get("journal") or "").split("/", 1)[0]
    return f"{first}-{s.get('name')}" if first.startswith("repeat-") else str(s.get("name"))


def anchor(name: str) -> str:
    return "s-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)


def failed_times(scenario: dict[str, Any]) -> list[tuple[float, str]]:
    """(t, what) for every time a failed check or expectation points at."""
    marks = [(float(t), c.get("name", "check")) for c in scenario.get("checks", [])
             if not c.get("passed") for t in c.get("at", [])]
    marks += [(float(x["t"]), "expect") for x in scenario.get("expectations", [])
              if x.get("passed") is False and x.get("t") is not None]
    return sorted(marks)


def summary_html(doc: dict[str, Any]) -> str:
    counts = doc.get("counts", {})
    tally = ", ".join(f"{n} {k}" for k, n in counts.items() if n) or "no scenarios"
    cells = [("outcome", badge(doc.get("outcome", ""))), ("scenarios", esc(tally)),
             ("duration", esc(fmt_s(doc.get("duration_s")))),
             ("seed", esc(doc.get("seed")) if doc.get("seed") is not None else "per scenario"),
             ("target", esc(doc.get("target"))),
             ("bugs", esc(", ".join(doc.get("bugs", [])) or "none")),
             ("started", esc(str(doc.get("started_at") or "—").replace("T", " "))),
             ("reconnect p95", esc(fmt_s((doc.get("metrics") or {}).get("reconnect_p95_s"))))]
    grid = "".join(f'<div class="kv">{k}<b>{v}</b></div>' for k, v in cells)
    versions = " · ".join(f"{esc(k)} {esc(v)}" for k, v in (doc.get("versions") or {}).items())
    return (f'<section class="card"><div class="grid">{grid}</div>'
            f'<p class="small muted">versions: {versions or "—"}</p>'
            f'{thresholds_html(doc.get("thresholds") or [])}'
            f'{_rerun_block(doc.get("rerun"))}</section>')


def thresholds_html(results: list[dict[str, Any]]) -> str:
    """The run's thresholds (`--threshold`): each with the measured value against its limit."""
    if not results:
        return ""
    rows = "".join(
        f'<tr class="{"" if t.get("passed") else "fail"}"><td><code>{esc(t.get("threshold"))}</code></td>'
        f'<td class="num">{esc(_measured(t))}</td><td class="num">{esc(t.get("op"))} {esc(_limit(t))}</td>'
        f'<td class="{"ok" if t.get("passed") else "bad"}">{"✓ holds" if t.get("passed") else "✗ does not hold"}</td></tr>'
        for t in results)
    return ('<h3>run thresholds</h3><table class="thresholds"><tr><th>threshold</th><th class="num">measured</th>'
            f'<th class="num">limit</th><th>result</th></tr>{rows}</table>')


def _measured(t: dict[str, Any]) -> str:
    from harness.thresholds import fmt_value

    return "not measured" if t.get("value") is None else fmt_value(str(t.get("metric")), float(t["value"]))


def _limit(t: dict[str, Any]) -> str:
    from harness.thresholds import fmt_value

    return fmt_value(str(t.get("metric")), float(t.get("limit") or 0))


def _rerun_block(rerun: str | None) -> str:
    """The commands that replay what did not pass; a passing run says where each command is."""
    if not rerun:
        return ('<div class="small muted">nothing to rerun: no scenario failed '
                '(each scenario\'s own command is in its section)</div>')
    return f'<div class="small muted">rerun what did not pass:</div><pre class="cmd">{esc(rerun)}</pre>'


def overview_html(doc: dict[str, Any]) -> str:
    rows = []
    for s in doc.get("scenarios", []):
        m = s.get("metrics", {})
        failed = [c["name"] for c in s.get("checks", []) if not c.get("passed")]
        rows.append(
            f'<tr class="{"fail" if s["outcome"] != "passed" else ""}">'
            f'<td><a href="#{anchor(key(s))}">{esc(s["name"])}{_round_of(s)}</a></td><td>{badge(s["outcome"])}</td>'
            f'<td class="num">{fmt_s(s.get("duration_s"))}</td><td>{esc(", ".join(failed) or "—")}</td>'
            f'<td class="num">{fmt_s(m.get("reconnect_p95_s"))}</td>'
            f'<td class="num">{esc(m.get("lost"))} / {esc(m.get("duplicated"))}</td></tr>')
    return ('<table><tr><th>scenario</th><th>outcome</th><th class="num">duration</th>'
            '<th>failed checks</th><th class="num">reconnect p95</th><th class="num">lost / dup</th>'
            f'</tr>{"".join(rows)}</table>')


def metrics_html(m: dict[str, Any]) -> str:
    cells = [("reconnects", m.get("reconnect_count")), ("reconnect p50", fmt_s(m.get("reconnect_p50_s"))),
             ("reconnect p95", fmt_s(m.get("reconnect_p95_s"))), ("reconnect max", fmt_s(m.get("reconnect_max_s"))),
             ("messages sent", m.get("messages_sent")), ("acked", m.get("acked")), ("lost", m.get("lost")),
             ("duplicated", m.get("duplicated")), ("resent after ack", m.get("resent_after_ack")),
             ("latency samples", m.get("latency_samples")),
             ("latency p50", fmt_s(m.get("latency_p50_ms"), "ms")),
             ("latency p95", fmt_s(m.get("latency_p95_ms"), "ms"))]
    bad = {"lost", "duplicated", "resent after ack"}
    return '<div class="grid">' + "".join(
        f'<div class="kv">{esc(k)}<b class="{"bad" if k in bad and v else ""}">{esc(v)}</b></div>'
        for k, v in cells) + "</div>"


def checks_html(checks: list[dict[str, Any]]) -> str:
    if not checks:
        return '<p class="muted">no checks recorded</p>'
    rows = []
    for c in checks:
        ok = c.get("passed")
        word = "✓ passed" if ok else ("? inconclusive" if c.get("inconclusive") else "✗ failed")
        evidence = "".join(f"<li>{esc(x)}</li>" for x in c.get("evidence", []))
        params = fmt_params(c.get("params") or {})
        rows.append(
            f'<tr class="{"" if ok else "fail"}"><td><b>{esc(c.get("name"))}</b>'
            f'<div class="small muted">{esc(params)}</div></td>'
            f'<td class="{"ok" if ok else "bad"}">{word}</td>'
            f'<td>{esc(c.get("summary"))}{f"<ul class=evidence>{evidence}</ul>" if evidence else ""}</td></tr>')
    return ('<table><tr><th>check</th><th>result</th><th>summary and evidence</th></tr>'
            + "".join(rows) + "</table>")


def expectations_html(expectations: list[dict[str, Any]]) -> str:
    if not expectations:
        return '<p class="muted">no inline expectations</p>'
    rows = "".join(
        f'<tr class="{"" if x.get("passed") else "fail"}"><td class="num">{fmt_s(x.get("t"))}</td>'
        f'<td>{esc(x.get("condition"))}</td><td class="{"ok" if x.get("passed") else "bad"}">'
        f'{"✓" if x.get("passed") else "✗"}</td><td>{esc(fmt_observed(x.get("observed")))}</td>'
        f'<td class="num">{fmt_s(x.get("waited_s"))}</td></tr>' for x in expectations)
    return ('<table><tr><th class="num">t</th><th>expectation</th><th></th><th>observed</th>'
            f'<th class="num">waited</th></tr>{rows}</table>')


def gallery_html(shots: list[dict[str, Any]], images: Mapping[str, str]) -> str:
    if not shots:
        return '<p class="muted">no screenshots</p>'
    figures = []
    for s in shots:
        src = images.get(s.get("path", ""))
        pic = (f'<a href="{esc(s["path"])}"><img src="{esc(src)}" alt="{esc(s.get("label"))} '
               f'on {esc(s.get("client"))}"></a>' if src else
               f'<p class="small muted" style="padding:8px">screenshot file not found: {esc(s.get("path"))} '
               f'(not kept under --artifacts never; the report written by the run embeds it)</p>')
        figures.append(f'<figure>{pic}<figcaption><b>{esc(s.get("label"))}</b> · {esc(s.get("client"))}'
                       f' · t={fmt_s(s.get("t"))}</figcaption></figure>')
    return f'<div class="gallery">{"".join(figures)}</div>'


_TROUBLE = re.compile(r"\b(ERROR|CRITICAL|FATAL|WARNING|Traceback|Exception|Error:)")


def _log_class(event: Event) -> str:
    """Red only for lines that say something went wrong: many servers (uvicorn) log INFO to stderr."""
    return "trouble" if _TROUBLE.search(str(event.get("line", ""))) else esc(event.get("stream", ""))


def log_html(events: list[Event], at: Iterable[float]) -> str:
    times = list(at)
    lines = extract.log_excerpt(events, times)
    if not lines:
        return '<p class="muted">no server log lines</p>'
    note = "within ±5 s of each failure" if times else "last 30 lines"
    body = "\n".join(f'<span class="t">{e["t"]:9.3f}</span> <span class="{_log_class(e)}">'
                     f'{esc(e.get("line", ""))}</span>' for e in lines)
    return f'<p class="small muted">server log, {note}</p><pre class="log">{body}</pre>'


def _step_row(r: dict[str, Any]) -> str:
    error = f'<div class="bad">{esc(r["error"])}</div>' if r["error"] else ""
    return (f'<tr class="{"" if r["status"] == "ok" else "fail"}"><td class="num">{fmt_s(r["t"])}</td>'
            f'<td>{esc(r["path"])}</td><td>{esc(r["summary"] or r["name"])}{error}</td>'
            f'<td>{esc(r["status"])}</td><td class="num">{fmt_s(r["duration_s"])}</td></tr>')


def steps_html(events: list[Event]) -> str:
    rows = "".join(_step_row(r) for r in extract.steps(events))
    if not rows:
        return '<p class="muted">no steps recorded</p>'
    return ('<table><tr><th class="num">start</th><th>step</th><th>what</th><th>status</th>'
            f'<th class="num">duration</th></tr>{rows}</table>')


def artifacts_html(s: dict[str, Any]) -> str:
    links = [f'<a href="{esc(s["journal"])}">journal</a>'] if s.get("journal") else []
    links += [f'<a href="{esc(p)}">{esc(p.rsplit("/", 1)[-1])}</a>' for p in s.get("traces", [])]
    hint = (' <span class="muted">(open a trace with <code>playwright show-trace &lt;file&gt;</code>)'
            '</span>' if s.get("traces") else "")
    return f'<p class="small">artifacts: {" · ".join(links) or "—"}{hint}</p>'


def plots_html(s: dict[str, Any], events: list[Event] | None) -> str:
    if not events:
        return '<p class="muted">no journal available: timeline not drawn</p>'
    salt = anchor(key(s))
    parts = [plots.timeline_svg(events, s.get("screenshots", []), failed_times(s), salt + "-tl")]
    reconnects = charts.reconnect_svg(events, salt + "-rc")  # latency is a panel of the timeline
    if reconnects:
        parts.append(f'<div class="charts"><div>{reconnects}</div></div>')
    return "".join(parts)


def _round_of(s: dict[str, Any]) -> str:
    """' (repeat-2)' for an entry of a `--repeat` run."""
    first = str(s.get("journal") or "").split("/", 1)[0]
    return f" <span class=\"muted small\">({esc(first)})</span>" if first.startswith("repeat-") else ""


def scenario_html(s: dict[str, Any], events: list[Event] | None, images: Mapping[str, str]) -> str:
    """One collapsible scenario section; failed ones start open."""
    is_open = " open" if s.get("outcome") != "passed" else ""
    error = f'<div class="error-box">{esc(s["error"])}</div>' if s.get("error") else ""
    if s.get("reasons"):
        items = "".join(f"<li>{esc(r)}</li>" for r in s["reasons"])
        error += (f'<div class="small"><b>inconclusive</b>: the machine, not the app, broke this scenario\'s '
                  f'premise<ul class="reasons">{items}</ul></div>')
    at = [t for t, _ in failed_times(s)]
    return (
        f'<details class="scenario" id="{anchor(key(s))}"{is_open}><summary>{esc(s["name"])}{_round_of(s)} '
        f'{badge(s["outcome"])} <span class="small muted">{fmt_s(s.get("duration_s"))} · seed '
        f'{esc(s.get("seed"))}</span><span class="desc">{esc(s.get("description"))}</span></summary>'
        f'<div class="body">{error}<div class="small muted">rerun this scenario:</div>'
        f'<pre class="cmd">{esc(s.get("rerun") or "—")}</pre>'
        f'<h3>timeline</h3>{plots_html(s, events)}'
        f'<h3>metrics</h3>{metrics_html(s.get("metrics", {}))}'
        f'<h3>checks</h3>{checks_html(s.get("checks", []))}'
        f'<h3>expectations</h3>{expectations_html(s.get("expectations", []))}'
        f'<h3>screenshots</h3>{gallery_html(s.get("screenshots", []), images)}'
        f'<h3>server log</h3>{log_html(events or [], at)}'
        f'<h3>steps</h3>{steps_html(events or [])}{artifacts_html(s)}</div></details>')


def page(title: str, body: str, script: str = "") -> str:
    """A complete standalone HTML document; `script` is inline JavaScript run at the end of the body."""
    tail = f"<script>{script}</script>" if script else ""
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{esc(title)}</title><style>{CSS}</style></head>'
            f'<body><main>{body}</main>{tail}</body></html>\n')


def render_run_html(run_doc: dict[str, Any], scenario_events: Mapping[str, list[Event]],
                    images: Mapping[str, str] | None = None) -> str:
    """The run's index.html. `scenario_events` maps a scenario's journal path (or its name) -> events;
    `images` maps a screenshot path (as in results.json) -> data: URI (see `data_uri`)."""
    images = images or {}
    sections = "".join(scenario_html(s, scenario_events.get(str(s.get("journal")), scenario_events.get(s["name"])), images)
                       for s in run_doc.get("scenarios", []))
    body = (f'<h1>wschaos run {esc(run_doc.get("run_id"))} {badge(run_doc.get("outcome", ""))}</h1>'
            f'<p class="muted"><a href="../index.html">all runs</a> · '
            f'<a href="results.json">results.json</a> · <a href="junit.xml">junit.xml</a></p>'
            f'{summary_html(run_doc)}<h2>scenarios</h2>{overview_html(run_doc)}{sections}')
    return page(f"wschaos {run_doc.get('run_id', '')} — {run_doc.get('outcome', '')}", body)
