"""The self-contained HTML report of one run: inline CSS, inline SVG plots, screenshots as
data: URIs, no JavaScript and no network. Pure: everything it shows is passed in.

The markup lives in Jinja2 templates (`templates/`: `page.html` the frame, `run.html` the run
report, `index.html` the run index, `parts.html` one macro per panel), autoescaped; this module
holds the environment, the formatting the templates call, and `pre_rendered`, the one door
through which markup built elsewhere (plots, data: URIs, the stylesheet) enters a page.
"""

from __future__ import annotations

import base64
import json
import re
from functools import cache
from typing import Callable, Mapping

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from harness.journal import Event
from harness.report import charts, extract, messages, plots
from harness.report.document import CheckEntry, ExpectationEntry, RunDocument, ScenarioEntry, ThresholdEntry
from harness.report.style import CSS


def pre_rendered(text: str) -> Markup:
    """Markup that enters a template unescaped: the one seam, for what is built as markup
    elsewhere and trusted as such. Matplotlib's SVG (it escapes the text it draws; `svg.Tags`
    escapes its attributes), `data:` URIs (base64, built by `data_uri`) and the constant
    stylesheet. Anything read from a journal or results.json goes through autoescaping."""
    return Markup(text)


def data_uri(data: bytes, mime: str = "image/png") -> str:
    """Bytes as a data: URI, for embedding images in a page that must work offline."""
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def dash(value: object) -> object:
    """None as an em dash; anything else as itself (the template escapes it)."""
    return "—" if value is None else value


def fmt_s(value: float | None, unit: str = "s") -> str:
    return "—" if value is None else f"{float(value):.2f} {unit}"


def fmt_when(value: object) -> str:
    """An ISO timestamp as `2026-11-28 08:50:31`; missing as an em dash."""
    return str(value or "—").replace("T", " ")


def fmt_value(value: object) -> str:
    """A value in words, never a Python repr: lists joined, mappings as `key value`, null/true/false."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt_value(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k} {fmt_value(v)}" for k, v in value.items()) or "nothing"
    return str(value)


def fmt_observed(value: object) -> str:
    """What an expectation saw, per client: `b0: state connected, js false; b1: state reconnecting`."""
    if isinstance(value, dict):
        sep = "; " if any(isinstance(v, (dict, list)) for v in value.values()) else ", "
        return sep.join(f"{k}: {fmt_value(v) if v else 'nothing probed yet'}" for k, v in value.items())
    return "—" if value is None else fmt_value(value)


def fmt_params(params: Mapping[str, object]) -> str:
    """A check's parameters as written in a scenario (`within 20s, clients all`); unset ones left out."""
    return ", ".join(f"{k} {fmt_value(v)}" for k, v in params.items() if v is not None and v is not False)


def key(s: ScenarioEntry) -> str:
    """What tells scenario entries apart: repeated runs share a name, not a round."""
    first = str(s.get("journal") or "").split("/", 1)[0]
    return f"{first}-{s.get('name')}" if first.startswith("repeat-") else str(s.get("name"))


def repeat_round(s: ScenarioEntry) -> str:
    """`repeat-2` for an entry of a `--repeat` run, else ''."""
    first = str(s.get("journal") or "").split("/", 1)[0]
    return first if first.startswith("repeat-") else ""


def anchor(name: str) -> str:
    return "s-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)


def failed_times(scenario: ScenarioEntry) -> list[tuple[float, str]]:
    """(t, what) for every time a failed check or expectation points at."""
    marks = [(float(t), c.get("name", "check")) for c in scenario.get("checks", [])
             if not c.get("passed") for t in c.get("at", [])]
    marks += [(float(x["t"]), "expect") for x in scenario.get("expectations", [])
              if x.get("passed") is False and x.get("t") is not None]
    return sorted(marks)


def _measured(t: ThresholdEntry) -> str:
    from harness.thresholds import fmt_value

    value = t.get("value")
    return "not measured" if value is None else fmt_value(str(t.get("metric")), float(value))


def _limit(t: ThresholdEntry) -> str:
    from harness.thresholds import fmt_value

    return fmt_value(str(t.get("metric")), float(t.get("limit") or 0))


_TROUBLE = re.compile(r"\b(ERROR|CRITICAL|FATAL|WARNING|Traceback|Exception|Error:)")


def _log_class(event: Event) -> str:
    """Red only for lines that say something went wrong (many servers, uvicorn among them, log INFO
    to stderr), and not when the scenario injected what went wrong (`expected`)."""
    if not _TROUBLE.search(str(event.get("line", ""))):
        return str(dash(event.get("stream", "")))
    return "expected" if event.get("during") else "trouble"


def _anchor_of(s: ScenarioEntry) -> str:
    return anchor(key(s))




def timeline_of(s: ScenarioEntry, events: list[Event]) -> str:
    """The scenario's timeline SVG (also what the prerender worker draws)."""
    return plots.timeline_svg(events, s.get("screenshots", []), failed_times(s), anchor(key(s)) + "-tl")


def reconnects_of(s: ScenarioEntry, events: list[Event]) -> str | None:
    """The scenario's reconnect chart SVG, None when it has none (latency is a panel of the timeline)."""
    return charts.reconnect_svg(events, anchor(key(s)) + "-rc")


def inputs_key(s: ScenarioEntry) -> str:
    """What a scenario's drawings depend on besides its events (fixed once the scenario ended)."""
    return json.dumps([str(s.get("journal")), anchor(key(s)), s.get("screenshots", []), failed_times(s)],
                      sort_keys=True, default=str)


def _drawn(s: ScenarioEntry, prerendered: Mapping[str, Mapping[str, str | None]] | None) -> Mapping[str, str | None] | None:
    """The scenario's charts drawn ahead by the worker (`prerender`), if drawn from these very inputs."""
    found = (prerendered or {}).get(str(s.get("journal")))
    return found if found is not None and found.get("key") == inputs_key(s) else None


def _timeline(s: ScenarioEntry, events: list[Event],
              prerendered: Mapping[str, Mapping[str, str | None]] | None = None) -> Markup:
    drawn = _drawn(s, prerendered)
    return pre_rendered(str(drawn["timeline"]) if drawn is not None else timeline_of(s, events))


def _reconnect_chart(s: ScenarioEntry, events: list[Event],
                     prerendered: Mapping[str, Mapping[str, str | None]] | None = None) -> Markup | None:
    drawn = _drawn(s, prerendered)
    svg = drawn.get("reconnects") if drawn is not None else reconnects_of(s, events)
    return pre_rendered(svg) if svg else None


@cache
def environment() -> Environment:
    """The report's template environment: autoescaped HTML, templates shipped in the package."""
    env = Environment(loader=PackageLoader("harness.report", "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(dash=dash, seconds=fmt_s, when=fmt_when)
    env.globals.update(
        css=pre_rendered(CSS), fmt_params=fmt_params, fmt_observed=fmt_observed,
        anchor_of=_anchor_of, repeat_round=repeat_round, failure_marks=failed_times,
        threshold_measured=_measured, threshold_limit=_limit,
        log_window=extract.log_window, log_class=_log_class, step_rows=extract.steps,
        message_rows=messages.rows,
        timeline=_timeline, reconnect_chart=_reconnect_chart,
        pass_rate=charts.pass_rate, series_of=charts.series_of)
    return env


def render(template: str, **context: object) -> str:
    """A whole page from one of the templates."""
    return environment().get_template(template).render(**context)


def panel(name: str, *args: object) -> str:
    """One panel alone: the macro `name` of parts.html (what a test or another page embeds)."""
    macro: Callable[..., str] = getattr(environment().get_template("parts.html").module, name)
    return str(macro(*args))


def summary_html(doc: RunDocument) -> str:
    return panel("summary", doc)


def checks_html(checks: list[CheckEntry]) -> str:
    return panel("checks", checks)


def expectations_html(expectations: list[ExpectationEntry]) -> str:
    return panel("expectations", expectations)


def render_run_html(run_doc: RunDocument, scenario_events: Mapping[str, list[Event]],
                    images: Mapping[str, str] | None = None,
                    prerendered: Mapping[str, Mapping[str, str | None]] | None = None) -> str:
    """The run's index.html. `scenario_events` maps a scenario's journal path (or its name) -> events;
    `images` maps a screenshot path (as in results.json) -> data: URI (see `data_uri`);
    `prerendered` maps a journal path -> its charts drawn ahead (`prerender.charts_of`)."""
    sections = [(s, scenario_events.get(str(s.get("journal")), scenario_events.get(s["name"])))
                for s in run_doc.get("scenarios", [])]
    safe_images = {path: pre_rendered(uri) for path, uri in (images or {}).items()}
    return render("run.html", doc=run_doc, sections=sections, images=safe_images, prerendered=prerendered or {})
