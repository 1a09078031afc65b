"""Small, pure readers over one scenario's journal that the report needs beyond
`harness.analysis`: steps, probe-derived markers, latency samples and server log excerpts.
`client_names` and `probe_series` are `harness.analysis`'s, imported here for the report.
"""

from __future__ import annotations

from typing import Iterable, TypedDict

# One implementation, shared with the checks (the report's plots and charts read them here too).
from harness.analysis import client_names, probe_series, run_start
from harness.events import RunStart
from harness.journal import Event, of_kind
from harness.journal_index import index_of
from harness.report.document import CheckEntry, check_entry

# Probe keys differ slightly between targets; the reference app uses the first of each.
QUEUE_KEYS = ("queue_length", "queueLength", "queue")
ALERT_KEYS = ("alerts", "alert_count")
HEALTH_KEYS = ("health", "healthLevel", "health_level")


def first(events: Iterable[Event], kind: str) -> Event:
    """The first event of `kind`, or an empty dict."""
    return next(of_kind(events, kind), {})


def last(events: Iterable[Event], kind: str) -> Event:
    """The last event of `kind`, or an empty dict."""
    found: Event = {}
    for e in of_kind(events, kind):
        found = e
    return found


def client_kinds(events: list[Event]) -> dict[str, str]:
    """Client name -> 'browser' / 'protocol' as run.start declares it."""
    return run_start(events).client_kinds()


class StepRow(TypedDict):
    """One executed step as the report lists it."""

    step: object  # the step's index as the runner recorded it
    path: str  # `steps[3]`
    name: str
    summary: str
    t: float
    status: str  # `running` until its step.end
    duration_s: float | None
    error: str | None


def steps(events: list[Event]) -> list[StepRow]:
    """One row per executed step: start time, path, name, summary, status, duration."""
    rows: dict[tuple[object, object], StepRow] = {}
    for e in of_kind(events, "step.start", "step.end"):
        key = (e.get("step"), e.get("path"))
        row = rows.setdefault(key, {"step": e.get("step"), "path": e.get("path", ""),
                                    "name": e.get("name", ""), "summary": "", "t": e["t"],
                                    "status": "running", "duration_s": None, "error": None})
        if e["kind"] == "step.start":
            row["summary"], row["t"] = e.get("summary", ""), e["t"]
        else:
            row["status"], row["duration_s"], row["error"] = e.get("status", "ok"), e.get("duration_s"), e.get("error")
    return sorted(rows.values(), key=lambda r: (r["t"], str(r["path"])))


def _count(value: object) -> int | None:
    if isinstance(value, (list, tuple)):
        return len(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    return None


def alert_marks(events: list[Event], client: str) -> list[tuple[float, int]]:
    """(t, new alert count) each time the client's alert count grew."""
    marks, previous = [], 0
    for t, value in probe_series(events, client, ALERT_KEYS):
        n = _count(value)
        if n is not None and n > previous:
            marks.append((t, n))
        previous = n if n is not None else previous
    return marks


def queue_marks(events: list[Event], client: str) -> list[tuple[float, int, int]]:
    """(t, change, new length) each time the client's outgoing queue grew or drained."""
    marks, previous = [], 0
    for t, value in probe_series(events, client, QUEUE_KEYS):
        n = _count(value)
        if n is not None and n != previous:
            marks.append((t, n - previous, n))
            previous = n
    return marks


def health_series(events: list[Event], client: str) -> list[tuple[float, str]]:
    """(t, level) each time the client's health level changed."""
    return [(t, str(v)) for t, v in probe_series(events, client, HEALTH_KEYS)]


def server_log(events: list[Event], name: str = "server") -> list[Event]:
    """The proc.log events of process `name`, in order."""
    return [e for e in of_kind(events, "proc.log") if e.get("name") == name]


def log_excerpt(events: list[Event], at: Iterable[float], window_s: float = 5.0,
                tail: int = 30, limit: int = 200) -> list[Event]:
    """Server log lines within ±window_s of any time in `at`; the last `tail` lines if none."""
    lines = server_log(events)
    times = sorted(set(at))
    if times:
        near = [e for e in lines if any(abs(e["t"] - t) <= window_s for t in times)]
        if near:
            return near[:limit]
    return lines[-tail:]


def checks_from_journal(events: list[Event]) -> list[CheckEntry]:
    """The check verdicts the runner recorded as `check` events (all the fields `check` declares)."""
    return [check_entry(e) for e in of_kind(events, "check")]
