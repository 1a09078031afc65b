"""Small, pure readers over one scenario's journal that the report needs beyond
`harness.analysis`: steps, probe-derived markers, latency samples and server log excerpts.
`client_names` and `probe_series` are `harness.analysis`'s, imported here for the report.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Iterable, NamedTuple, TypedDict

# One implementation, shared with the checks (the report's plots and charts read them here too).
from harness.analysis import client_names as client_names, probe_series as probe_series, run_start
from harness.disruptions import injected
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


#: Frame types that are heartbeats, not the queued messages a drain sends.
HEARTBEAT_TYPES = frozenset({"ping", "pong"})
#: A sent frame this long after the probe saw the queue shrink still counts as its drain (the
#: probe and Playwright's frame events come from different paths).
DRAIN_SLACK_S = 0.25


def queue_marks(events: list[Event], client: str) -> list[tuple[float, int, int, str]]:
    """(t, change, new length, kind) each time the client's outgoing queue changed: `queued` when
    it grew, `drained` when it shrank and the page sent at least that many messages since the last
    change, `dropped` when it shrank without them being sent (a queue emptied by a bug is not a
    drain)."""
    sent = [e["t"] for e in index_of(events).of(client, "ws.frame")
            if e.get("dir") == "sent" and e.get("type") not in HEARTBEAT_TYPES]
    marks: list[tuple[float, int, int, str]] = []
    previous, since = 0, 0.0
    for t, value in probe_series(events, client, QUEUE_KEYS):
        n = _count(value)
        if n is None or n == previous:
            continue
        if n > previous:
            kind = "queued"
        else:
            sends = sum(1 for s in sent if since < s <= t + DRAIN_SLACK_S)
            kind = "drained" if sends >= previous - n else "dropped"
        marks.append((t, n - previous, n, kind))
        previous, since = n, t
    return marks


def health_series(events: list[Event], client: str) -> list[tuple[float, str]]:
    """(t, level) each time the client's health level changed."""
    return [(t, str(v)) for t, v in probe_series(events, client, HEALTH_KEYS)]


def server_log(events: list[Event], name: str = "server") -> list[Event]:
    """The proc.log events of process `name`, in order."""
    return [e for e in of_kind(events, "proc.log") if e.get("name") == name]


#: Server log shown on each side of a failure marker (real seconds).
LOG_WINDOW_S = 5.0
#: However quiet the server was near a marker, this many of its lines on each side of it are shown,
#: up to LOG_REACH_S away: what explains a failure may be logged a while before it (the reference
#: server logs closing an idle connection; the client's socket closes 10 s later, when the close
#: handshake through the dead link times out).
LOG_NEAREST = 3
LOG_REACH_S = 30.0
#: Markers named in the caption of the server log panel; more are counted.
MARKERS_NAMED = 5


def log_excerpt(events: list[Event], at: Iterable[float], window_s: float = LOG_WINDOW_S,
                nearest: int = LOG_NEAREST, reach_s: float = LOG_REACH_S,
                tail: int = 30, limit: int = 200) -> list[Event]:
    """Server log lines around the times in `at`: every line within ±window_s of one, and at least
    the `nearest` lines on each side of it (up to reach_s away); of more than `limit`, those nearest
    to a time. The last `tail` lines when `at` is empty or no line is that near."""
    lines = sorted(server_log(events), key=lambda e: e["t"])
    kept = _around(lines, sorted(set(at)), window_s, nearest, reach_s, limit)
    return [lines[i] for i in kept] if kept else lines[-tail:]


def _around(lines: list[Event], times: list[float], window_s: float, nearest: int, reach_s: float,
            limit: int) -> list[int]:
    """Indices (ascending) of the time-ordered `lines` that `log_excerpt` keeps around `times`."""
    ts = [e["t"] for e in lines]
    keep: set[int] = set()
    for t in times:
        first_at, after_t = bisect_left(ts, t), bisect_right(ts, t)
        keep.update(range(bisect_left(ts, t - window_s), bisect_right(ts, t + window_s)))
        keep.update(range(max(bisect_left(ts, t - reach_s), first_at - nearest), first_at))
        keep.update(range(after_t, min(bisect_right(ts, t + reach_s), after_t + nearest)))
    if len(keep) > limit:
        keep = set(sorted(keep, key=lambda i: min(abs(ts[i] - t) for t in times))[:limit])
    return sorted(keep)


class LogWindow(NamedTuple):
    """The server log panel: its caption and its rows in time order. A row is a log line (a
    `proc.log` event), a failure marker (`{"t", "marker": what}`) or a gap in the excerpt
    (`{"t", "skipped": n}`: n lines of the log left out there)."""

    caption: str
    rows: list[Event]


def log_window(events: list[Event], marks: Iterable[tuple[float, str]], tail: int = 30,
               limit: int = 200) -> LogWindow:
    """The server log around the failure markers (`(t, what failed)`), the markers placed among
    the lines; the last `tail` lines when nothing failed or no line is near a marker."""
    lines = sorted(server_log(events), key=lambda e: e["t"])
    marks = _merged(marks)
    if not lines:
        return LogWindow("", [])
    named = [f"t={t:.1f}s {what}" for t, what in marks[:MARKERS_NAMED]]
    where = ", ".join(named + ([f"{len(marks) - len(named)} more"] if len(marks) > len(named) else []))
    kept = _around(lines, [t for t, _ in marks], LOG_WINDOW_S, LOG_NEAREST, LOG_REACH_S, limit)
    if not marks:
        return LogWindow(f"server log, its last {len(lines[-tail:])} lines (no failure marker)", lines[-tail:])
    if not kept:
        return LogWindow(f"no server line within {LOG_REACH_S:g} s of the failure markers ({where}); "
                         f"its last {len(lines[-tail:])} lines", lines[-tail:])
    caption = (f"server log around the failure markers ({where}): every line within ±{LOG_WINDOW_S:g} s "
               f"of a marker, and at least the {LOG_NEAREST} lines before and after each (up to "
               f"{LOG_REACH_S:g} s away)")
    return LogWindow(caption, _with_causes(_with_markers(lines, kept, marks), injected(events)))


def _with_causes(rows: list[Event], windows: list[tuple[float, float, str]]) -> list[Event]:
    """Each log row inside an injected disruption carries it (`during`): a traceback logged while
    the scenario cut a connection under the server is expected, not the failure's cause."""
    out = []
    for row in rows:
        during = next((what for start, end, what in windows if "line" in row and start <= row["t"] <= end), None)
        out.append({**row, "during": during} if during else row)
    return out


#: Markers of one check closer than this are one row (two clients that noticed together).
SAME_MOMENT_S = 0.1


def _merged(marks: Iterable[tuple[float, str]]) -> list[tuple[float, str]]:
    """The marks in time order, a check's marks less than SAME_MOMENT_S after its previous one left out."""
    out: list[tuple[float, str]] = []
    last: dict[str, float] = {}
    for t, what in sorted(set(marks)):
        if what not in last or t - last[what] >= SAME_MOMENT_S:
            out.append((t, what))
            last[what] = t
    return out


def _with_markers(lines: list[Event], kept: list[int], marks: list[tuple[float, str]]) -> list[Event]:
    """The kept lines with the markers among them in time order, and a row wherever lines were
    left out (before the first, between two, after the last)."""
    rows: list[Event] = []
    pending = list(marks)
    previous = -1
    for i in kept:
        if i > previous + 1:
            rows.append({"t": lines[i]["t"], "skipped": i - previous - 1})
        while pending and pending[0][0] <= lines[i]["t"]:
            t, what = pending.pop(0)
            rows.append({"t": t, "marker": what})
        rows.append(lines[i])
        previous = i
    rows += [{"t": t, "marker": what} for t, what in pending]
    if previous < len(lines) - 1:
        rows.append({"t": lines[-1]["t"], "skipped": len(lines) - 1 - previous})
    return rows


def checks_from_journal(events: list[Event]) -> list[CheckEntry]:
    """The check verdicts the runner recorded as `check` events (all the fields `check` declares)."""
    return [check_entry(e) for e in of_kind(events, "check")]
