"""`heartbeat`: pings go out every `interval` while connected and visible (paused while hidden)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any, Optional

from harness.analysis import scenario_end
from harness.checks.base import Check, CheckResult, ClientSelector, RunView, checks
from harness.checks.common import at, capped, dur, plural, select
from harness.checks.frames import field_matches
from harness.units import Duration

#: Real seconds between a browser event being journaled and the page acting on it.
EVENT_SLACK_S = 0.5
_AWAY = {"hidden": True, "sleep": True, "visible": False, "wake": False}

Span = tuple[float, float]


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
    for e in run.for_client(client, "ws.open", "ws.close"):
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
    tolerance: float = 0.25
    ping_type: str = "ping"
    paused_while_hidden: bool = False
    resume_within: Duration = Duration(1.0)
    field: Optional[str] = None  # with `equals`: only pings whose JSON `field` equals it count
    equals: Optional[str] = None

    def __post_init__(self) -> None:
        if self.equals is not None and self.field is None:
            raise ValueError("equals: needs field: (which JSON field of the ping to compare), "
                             "e.g. {field: source, equals: heartbeat}")

    def _pings(self, run: RunView, client: str) -> list[dict[str, Any]]:
        return [e for e in run.for_client(client, "ws.frame") if e.get("dir") == "sent"
                and e.get("type") == self.ping_type and field_matches(e, self.field, self.equals)]

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
        problems, intervals = [], []
        for client in names:
            lines, found = self._gaps(run, client, end)
            problems += lines
            intervals += found
            if self.paused_while_hidden:
                problems += self._hidden(run, client, end)
        high = run.time.scaled(self.interval) * (1 + self.tolerance)
        metrics = {"intervals": len(intervals), "max_interval_s": max(intervals, default=None),
                   "median_interval_s": statistics.median(intervals) if intervals else None,
                   "limit_s": high}
        what = f"heartbeat {self._what} every {self.interval} (x {run.time.factor:g} = {dur(run.time.scaled(self.interval))})"
        if problems:
            return self.result(False, f"{what}: {plural(len(problems), 'problem')}", capped(problems), metrics)
        paused = ", paused while hidden" if self.paused_while_hidden else ""
        return self.result(True, f"{what}{paused}: {len(intervals)} intervals, longest "
                           f"{dur(max(intervals))}", [], metrics)

    def _gaps(self, run: RunView, client: str, end: float) -> tuple[list[str], list[float]]:
        nominal = run.time.scaled(self.interval)
        high, low = nominal * (1 + self.tolerance), nominal * (1 - self.tolerance)
        away = away_spans(run, client, end)
        pings = self._pings(run, client)
        problems, intervals = [], []
        for sid, span in socket_spans(run, client, end).items():
            for start, stop in _subtract(span, away):
                times = [p["t"] for p in pings if p.get("socket") == sid and start <= p["t"] <= stop]
                marks = [start, *times, stop]
                intervals += [b - a for a, b in zip(times, times[1:])]
                problems += [f"{client}: no {self._what} for {dur(b - a)} between {at(a)} and {at(b)} "
                             f"on socket {sid}, limit {dur(high)} ({self.interval} x {run.time.factor:g} "
                             f"x {1 + self.tolerance:g})" for a, b in zip(marks, marks[1:]) if b - a > high]
        if not intervals and not problems:
            problems.append(f"{client}: fewer than 2 {self._what} frames on one socket while connected "
                            f"and visible; run the scenario longer than 2 x {dur(nominal)}")
        elif intervals and statistics.median(intervals) < low:
            problems.append(f"{client}: {self._what} every {dur(statistics.median(intervals))} (median of "
                            f"{len(intervals)}), expected at least {dur(low)}: heartbeat faster than configured")
        return problems, intervals

    def _hidden(self, run: RunView, client: str, end: float) -> list[str]:
        pings = [e["t"] for e in self._pings(run, client)]
        sockets = socket_spans(run, client, end).values()
        resume = run.time.scaled(self.resume_within) + EVENT_SLACK_S
        problems = []
        for hidden, visible in away_spans(run, client, end):
            during = [t for t in pings if hidden + EVENT_SLACK_S < t < visible]
            if during:
                problems.append(f"{client}: sent {plural(len(during), self._what)} while hidden "
                                f"({at(hidden)}..{at(visible)}), first at {at(during[0])}")
            connected = any(o <= visible < c for o, c in sockets)
            if visible >= end or not connected or visible + resume > end:
                continue
            after = [t for t in pings if visible <= t <= visible + resume]
            if not after:
                problems.append(f"{client}: no {self._what} within {dur(resume)} after becoming "
                                f"visible at {at(visible)} ({self.resume_within} x {run.time.factor:g} "
                                f"+ {dur(EVENT_SLACK_S)} slack)")
        return problems
