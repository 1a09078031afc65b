"""How late the machine was: the measured timer lag of the harness and of each page, from the journal.

A timing check (`backoff`, `heartbeat`) sees a page's timer fire late. That is a bug when the app
waited too long, and no bug when the core the page runs on was busy (a starved CI machine): the
page's timer was due in time but nothing ran it. The harness and every page measure that
lateness themselves (`lag` events: how far a short timer overshot, worst and in total, per
window; see docs/journal.md), so a check can tell the two apart:

    worst = explained(excess_s, events, "b0", t0, t1)
    if worst is not None:   # the limit was missed by no more than the machine was late
        ...inconclusive, with lateness_line(worst) as evidence

Only lateness is ever excused: a timer that fired early, a missing jitter or a wrong growth
cannot come from a busy machine. Pure: reads journal events only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from harness.events import JSON
from harness.journal import Event
from harness.units import format_measured

HARNESS = "harness"


@dataclass(frozen=True)
class Lag:
    """How late one source's timers ran over some journal time: the worst single overshoot, and the
    total (how long its loop could not run; a chain of events, e.g. a failed connect and then a
    backoff timer, can be delayed by several stalls)."""

    source: str  # "harness" or a client name
    worst_s: float
    total_s: float
    since_t: float
    until_t: float

    @property
    def late_s(self) -> float:
        """How late an event of that source could have been made: the larger of worst and total."""
        return max(self.worst_s, self.total_s)


def lag_windows(events: Iterable[Event], client: str | None = None) -> list[Lag]:
    """Every `lag` window of the harness and of `client` (every source when `client` is None)."""
    windows = []
    for e in events:
        if e.get("kind") != "lag":
            continue
        source = e.get("source")
        if client is not None and source not in (HARNESS, client):
            continue
        until = float(e["t"])
        since = float(e.get("since_t", until - float(e.get("window_s", 0.0))))
        worst = float(e.get("max_ms", 0.0)) / 1000
        max_ms: JSON = e.get("max_ms", 0.0)
        total = float(e["total_ms"] if "total_ms" in e else max_ms) / 1000
        windows.append(Lag(str(source), worst, total, since, until))
    return windows


def worst_lag(events: Iterable[Event], client: str, t0: float, t1: float) -> Lag | None:
    """The lag of the harness or of `client` (whichever is larger) over [t0, t1]; None if neither
    measured any. A window partly inside the interval counts its worst overshoot whole (it may
    lie inside) and its total in proportion to the overlap."""
    by_source: dict[str, list[Lag]] = {}
    for w in lag_windows(events, client):
        if w.since_t <= t1 and w.until_t >= t0:
            by_source.setdefault(w.source, []).append(w)
    merged = [Lag(source, max(w.worst_s for w in ws), sum(w.total_s * _overlap(w, t0, t1) for w in ws),
                  min(w.since_t for w in ws), max(w.until_t for w in ws)) for source, ws in by_source.items()]
    return max(merged, key=lambda m: (m.late_s, m.source != HARNESS), default=None)


def _overlap(w: Lag, t0: float, t1: float) -> float:
    span = w.until_t - w.since_t
    if span <= 0:
        return 1.0
    return max(0.0, min(w.until_t, t1) - max(w.since_t, t0)) / span


def lateness(events: Iterable[Event], client: str, t0: float, t1: float) -> float:
    """Seconds by which the harness's or `client`'s timers ran late over [t0, t1]; 0.0 if unmeasured."""
    worst = worst_lag(events, client, t0, t1)
    return worst.late_s if worst is not None else 0.0


def explained(excess_s: float, events: Iterable[Event], client: str, t0: float,
              t1: float) -> Lag | None:
    """The lag that explains a limit missed by `excess_s` over [t0, t1], or None if lag does not."""
    worst = worst_lag(events, client, t0, t1)
    if worst is None or excess_s <= 0 or excess_s > worst.late_s:
        return None
    return worst


def lateness_line(lag: Lag) -> str:
    """Evidence: `b0's timers ran up to 610ms late between t=12.3s and t=13.7s (machine busy)`, or
    `... ran late by 800ms in all (up to 250ms at once) between ...` when stalls added up."""
    who = "the harness's" if lag.source == HARNESS else f"{lag.source}'s"
    when = f"between t={lag.since_t:.1f}s and t={lag.until_t:.1f}s (machine busy)"
    if format_measured(lag.total_s) != format_measured(lag.worst_s) and lag.total_s > lag.worst_s:
        return f"{who} timers ran late by {format_measured(lag.total_s)} in all (up to {format_measured(lag.worst_s)} at once) {when}"
    return f"{who} timers ran up to {format_measured(lag.worst_s)} late {when}"


@dataclass(frozen=True)
class Excused:
    """A timing limit missed by no more than the measured lag: evidence for an inconclusive check."""

    line: str
    lag: Lag


def excuse(problem: str, over_s: float, lag: Lag) -> Excused:
    """`<problem>: 555ms over, but b0's timers ran up to 610ms late between ... (machine busy)`."""
    return Excused(f"{problem}: {format_measured(over_s)} over, but {lateness_line(lag)}", lag)


def worst_excused(excused: Iterable[Excused]) -> float:
    """Seconds of the largest lag among excused problems (0.0 for none)."""
    return max((e.lag.late_s for e in excused), default=0.0)
