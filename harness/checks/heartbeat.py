"""`heartbeat`: pings go out every `interval` while connected and visible (paused while hidden).

A gap (or a resume after `visible`) over its limit by no more than the lag the harness or the page
measured meanwhile (`harness.lateness`) makes the check inconclusive rather than failed: a starved
core fires the heartbeat timer late. Pings while hidden, a heartbeat faster than configured and
too few pings are never excused.

A browser page's pings are timed by the page's own clock when it stamped them (`ws.sent_at`:
its n-th stamp on a socket is its n-th sent frame there): Playwright can deliver `framesent`
late on a busy machine, a stall no lag monitor sees, and a correct heartbeat would look late.
Frames without a stamp (protocol clients record them as they send; older journals) keep their
journal time.

A failure is marked where the ping became overdue (the last ping, or the socket's opening or the
page's return, plus the limit), at the first ping sent while hidden, and where the resume limit
ran out after `visible`. A heartbeat too fast or too slow overall, or too few pings, has no moment
of its own and marks none.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from typing import Annotated, NamedTuple, Optional

from harness.analysis import scenario_end
from harness.connection import connection_of
from harness.checks.base import Check, CheckResult, RunView, checks
from harness.clients import ClientSelector
from harness.checks.common import at, capped, dur, plural, select
from harness.checks.frames import field_matches
from harness.events import JSONObject
from harness.journal_index import index_of
from harness.lateness import Excused, excuse, explained, worst_excused
from harness.units import Duration, Range

#: Real seconds between a browser event being journaled and the page acting on it.
EVENT_SLACK_S = 0.5
_AWAY = {"hidden": True, "sleep": True, "visible": False, "wake": False}

Span = tuple[float, float]


class Ping(NamedTuple):
    """One ping: its journal time, socket, and the page's clock when the app sent it (if stamped)."""

    t: float
    socket: object
    page_t: Optional[float]


def interval(a: Ping, b: Ping) -> tuple[float, bool]:
    """Seconds from ping a to ping b, and whether the page's clock timed them."""
    if a.page_t is not None and b.page_t is not None:
        return b.page_t - a.page_t, True
    return b.t - a.t, False


def _clock(page_timed: int, intervals: int) -> Optional[str]:
    """Which clock timed the intervals between pings (metrics)."""
    if not intervals:
        return None
    return "page" if page_timed == intervals else "journal" if not page_timed else "page and journal"


def send_stamps(run: RunView, client: str) -> dict[tuple[object, int], float]:
    """(socket, n) -> page_t of the client's n-th send on it (stamps of frames sent before
    teardown may be journaled after it, so all events are read)."""
    return {(e.get("socket"), e["n"]): e["page_t"] for e in index_of(run.all_events).of(client, "ws.sent_at")}


def away_spans(run: RunView, client: str, end: float) -> list[Span]:
    """Periods the page was hidden or asleep, from `browser.event`."""
    spans: list[Span] = []
    since: float | None = None
    for e in run.for_client(client, "browser.event"):
        away = _AWAY.get(e.get("event", ""))
        if away is True and since is None:
            since = e["t"]
        elif away is False and since is not None:
            spans.append((since, e["t"]))
            since = None
    if since is not None:
        spans.append((since, max(end, since)))
    return spans


def socket_spans(run: RunView, client: str, end: float) -> dict[object, Span]:
    """socket id -> (opened, closed or scenario end)."""
    spans: dict[object, Span] = {}
    for e in connection_of(run.events, client, "ws.open", "ws.close"):
        sid = e.get("socket")
        if e["kind"] == "ws.open" and e["t"] <= end:
            spans[sid] = (e["t"], end)
        elif e["kind"] == "ws.close" and sid in spans:
            spans[sid] = (spans[sid][0], min(e["t"], spans[sid][1]))
    return spans


def _subtract(span: Span, holes: list[Span]) -> list[Span]:
    pieces, (start, stop) = [], span
    for lo, hi in sorted(holes):
        if hi <= start or lo >= stop:
            continue
        if lo > start:
            pieces.append((start, lo))
        start = max(start, hi)
    if start < stop:
        pieces.append((start, stop))
    return pieces


@checks.register("heartbeat")
@dataclass(frozen=True)
class Heartbeat(Check):
    """A ping goes out at least every `interval` (+tolerance) while connected and visible."""

    clients: ClientSelector = "all"
    interval: Duration = Duration(15.0)
    tolerance: Annotated[float, Range(0, 10)] = 0.25
    ping_type: str = "ping"
    paused_while_hidden: bool = False
    resume_within: Duration = Duration(1.0)
    field: Optional[str] = None  # with `equals`: only pings whose JSON `field` equals it count
    equals: Optional[str] = None

    def __post_init__(self) -> None:
        if self.equals is not None and self.field is None:
            raise ValueError("equals: needs field: (which JSON field of the ping to compare), "
                             "e.g. {field: source, equals: heartbeat}")

    def _pings(self, run: RunView, client: str) -> list[Ping]:
        stamps = send_stamps(run, client)
        sent: dict[object, int] = {}
        pings = []
        for e in connection_of(run.events, client, "ws.frame"):  # a Socket.IO page's: its pongs (`ping_type: pong`)
            if e.get("dir") != "sent":
                continue
            sid = e.get("socket")
            n = sent[sid] = sent.get(sid, 0) + 1
            if e.get("type") == self.ping_type and field_matches(e, self.field, self.equals):
                pings.append(Ping(e["t"], sid, stamps.get((sid, n), e.get("page_t"))))
        return pings

    @property
    def _what(self) -> str:
        if self.field is None:
            return self.ping_type
        return f"{self.ping_type} ({self.field} = {self.equals})" if self.equals is not None \
            else f"{self.ping_type} (with {self.field})"

    def judge(self, run: RunView) -> CheckResult:
        names, bad = select(self, run, self.clients)
        if bad:
            return bad
        end = scenario_end(run.all_events)
        problems: list[str] = []
        late: list[Excused] = []
        intervals: list[float] = []
        marks: list[float] = []
        page_timed = 0
        for client in names:
            lines, excused, found, stamped, moments = self._gaps(run, client, end)
            problems += lines
            late += excused
            intervals += found
            page_timed += stamped
            marks += moments
            if self.paused_while_hidden:
                lines, excused, moments = self._hidden(run, client, end)
                problems += lines
                late += excused
                marks += moments
        high = run.time.scaled(self.interval) * (1 + self.tolerance)
        metrics: JSONObject = {"intervals": len(intervals), "max_interval_s": max(intervals, default=None),
                   "median_interval_s": statistics.median(intervals) if intervals else None,
                   "limit_s": high, "late_explained_by_lag": len(late), "lag_s": round(worst_excused(late), 3),
                   "interval_clock": _clock(page_timed, len(intervals)), "page_clock_intervals": page_timed}
        what = f"heartbeat {self._what} every {self.interval} (x {run.time.factor:g} = {dur(run.time.scaled(self.interval))})"
        if problems:
            return self.result(False, f"{what}: {plural(len(problems), 'problem')}",
                               capped(problems + [e.line for e in late]), metrics, sorted(marks))
        if late:
            return replace(self.result(
                False, f"{what}: {plural(len(late), 'late ping')} by no more than the machine's "
                f"measured lag (up to {dur(metrics['lag_s'])}): a busy machine, not the app, can explain it",
                capped(e.line for e in late), metrics, sorted(marks)), inconclusive=True)
        paused = ", paused while hidden" if self.paused_while_hidden else ""
        return self.result(True, f"{what}{paused}: {len(intervals)} intervals, longest "
                           f"{dur(max(intervals))}", [], metrics)

    def _gaps(self, run: RunView, client: str,
              end: float) -> tuple[list[str], list[Excused], list[float], int, list[float]]:
        """Problems, excused lines, intervals, how many of those the page's clock timed, and the
        moments the gaps over the limit became overdue."""
        nominal = run.time.scaled(self.interval)
        high, low = nominal * (1 + self.tolerance), nominal * (1 - self.tolerance)
        problems, late, intervals, stamped, overdue = self._socket_gaps(run, client, end, high)
        median = statistics.median(intervals) if intervals else None
        if late and median is not None and median > high:  # the rate itself is wrong: not the machine
            problems += [line for line, _ in late]
            problems.append(f"{client}: {self._what} every {dur(median)} (median of {len(intervals)}), "
                            f"limit {dur(high)}: heartbeat slower than configured; measured lag "
                            "excuses single late pings, not the rate")
            late = []
        if not intervals and not problems and not late:
            problems.append(f"{client}: fewer than 2 {self._what} frames on one socket while connected "
                            f"and visible; run the scenario longer than 2 x {dur(nominal)}")
        elif median is not None and median < low:
            problems.append(f"{client}: {self._what} every {dur(median)} (median of "
                            f"{len(intervals)}), expected at least {dur(low)}: heartbeat faster than configured")
        return problems, [excused for _, excused in late], intervals, stamped, overdue

    def _socket_gaps(self, run: RunView, client: str, end: float,
                     high: float) -> tuple[list[str], list[tuple[str, Excused]], list[float], int, list[float]]:
        """Gaps over `high` per socket piece: problems, (line, excused) for those lag explains,
        the intervals between pings, how many of them the page's clock timed, and when each gap
        over `high` became overdue."""
        away = away_spans(run, client, end)
        pings = self._pings(run, client)
        problems, late, intervals, stamped, overdue = [], [], [], 0, []
        for sid, span in socket_spans(run, client, end).items():
            for start, stop in _subtract(span, away):
                inside = [p for p in pings if p.socket == sid and start <= p.t <= stop]
                between = [interval(a, b) for a, b in zip(inside, inside[1:])]
                intervals += [gap for gap, _ in between]
                stamped += sum(by_page for _, by_page in between)
                marks = [start, *(p.t for p in inside), stop]
                gaps = [marks[1] - start, *(gap for gap, _ in between), stop - marks[-2]] if inside else [stop - start]
                for a, b, gap in zip(marks, marks[1:], gaps):
                    if gap <= high:
                        continue
                    line = (f"{client}: no {self._what} for {dur(gap)} between {at(a)} and {at(b)} on socket "
                            f"{sid}, limit {dur(high)} ({self.interval} x {run.time.factor:g} x {1 + self.tolerance:g})")
                    lag = explained(gap - high, run.events, client, a, b)
                    overdue.append(a + high)  # in journal time, like `a`, however the gap was timed
                    if lag is None:
                        problems.append(line)
                    else:
                        late.append((line, excuse(line, gap - high, lag)))
        return problems, late, intervals, stamped, overdue

    def _hidden(self, run: RunView, client: str, end: float) -> tuple[list[str], list[Excused], list[float]]:
        """Problems and excused lines about hidden periods, and their moments: the first ping
        while hidden, the moment the resume limit ran out."""
        pings = [p.t for p in self._pings(run, client)]
        sockets = socket_spans(run, client, end).values()
        resume = run.time.scaled(self.resume_within) + EVENT_SLACK_S
        problems, late, moments = [], [], []
        for hidden, visible in away_spans(run, client, end):
            during = [t for t in pings if hidden + EVENT_SLACK_S < t < visible]
            if during:
                moments.append(during[0])
                problems.append(f"{client}: sent {plural(len(during), self._what)} while hidden "
                                f"({at(hidden)}..{at(visible)}), first at {at(during[0])}")
            connected = any(o <= visible < c for o, c in sockets)
            if visible >= end or not connected or visible + resume > end:
                continue
            if any(visible <= t <= visible + resume for t in pings):
                continue
            line = (f"{client}: no {self._what} within {dur(resume)} after becoming visible at {at(visible)} "
                    f"({self.resume_within} x {run.time.factor:g} + {dur(EVENT_SLACK_S)} slack)")
            later = next((t for t in pings if t > visible + resume), None)
            lag = None if later is None else explained(later - visible - resume, run.events, client, visible, later)
            moments.append(visible + resume)
            if lag is None or later is None:
                problems.append(line)
            else:
                late.append(excuse(f"{line}; the next at {at(later)}", later - visible - resume, lag))
        return problems, late, moments
