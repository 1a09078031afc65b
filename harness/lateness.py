"""How late the machine was: the measured timer lag of the harness and of each page, from the journal.

A timing check (`backoff`, `heartbeat`) sees a page's timer fire late. That is a bug when the app
waited too long, and no bug when the core the page runs on was busy (a starved CI machine): the
page's timer was due in time but nothing ran it. The harness and every page measure that
lateness themselves (`lag` events: how far a short timer overshot, per window; see
docs/journal.md), so a check can tell the two apart:

    worst = explained(excess_s, events, "b0", t0, t1)
    if worst is not None:   # the limit was missed by no more than the machine was late
        ...inconclusive, with lateness_line(worst) as evidence

Only lateness is ever excused: a timer that fired early, a missing jitter or a wrong growth
cannot come from a busy machine. Pure: reads journal events only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from harness.journal import Event

HARNESS = "harness"


@dataclass(frozen=True)
class Lag:
    """The worst lateness one source measured in one window of journal time."""

    source: str  # "harness" or a client name
    late_s: float
    since_t: float
    until_t: float


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
        windows.append(Lag(str(source), float(e.get("max_ms", 0.0)) / 1000, since, until))
    return windows


def worst_lag(events: Iterable[Event], client: str, t0: float, t1: float) -> Lag | None:
    """The largest lag of the harness or `client` in a window overlapping [t0, t1]; None if none."""
    hits = [w for w in lag_windows(events, client) if w.since_t <= t1 and w.until_t >= t0]
    return max(hits, key=lambda w: (w.late_s, w.source != HARNESS), default=None)


def lateness(events: Iterable[Event], client: str, t0: float, t1: float) -> float:
    """Seconds of the worst measured lag (harness or `client`) overlapping [t0, t1]; 0.0 if none."""
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
    """Evidence: `b0's timers ran up to 610ms late between t=12.3s and t=13.7s (machine busy)`."""
    who = "the harness's" if lag.source == HARNESS else f"{lag.source}'s"
    return (f"{who} timers ran up to {_dur(lag.late_s)} late between t={lag.since_t:.1f}s and "
            f"t={lag.until_t:.1f}s (machine busy)")


@dataclass(frozen=True)
class Excused:
    """A timing limit missed by no more than the measured lag: evidence for an inconclusive check."""

    line: str
    lag: Lag


def excuse(problem: str, over_s: float, lag: Lag) -> Excused:
    """`<problem>: 555ms over, but b0's timers ran up to 610ms late between ... (machine busy)`."""
    return Excused(f"{problem}: {_dur(over_s)} over, but {lateness_line(lag)}", lag)


def worst_excused(excused: Iterable[Excused]) -> float:
    """Seconds of the largest lag among excused problems (0.0 for none)."""
    return max((e.lag.late_s for e in excused), default=0.0)


def _dur(seconds: float) -> str:
    # the checks' own `dur`, repeated here so this module needs nothing from harness.checks
    if abs(seconds) < 1:
        return f"{seconds * 1000:.0f}ms"
    return f"{seconds:.2f}".rstrip("0").rstrip(".") + "s"
