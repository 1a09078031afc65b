"""Telling jitter from none: could a jittered model have put every delay on a fixed schedule?

A client without jitter waits exactly its schedule, plus a few milliseconds of its own machinery;
a jittered client lands there only by chance. For each client, `judge_jitter` asks of every model
the delays fit: what is the chance that it draws every delay that close to the schedule? Below
NO_JITTER_ODDS (one in a million) the client has no jitter; below UNSURE_ODDS there are too few
delays to tell, and the check is inconclusive. Two schedules are tried: the nominal one,
min(cap, base x factor^(n-1)), and a fixed delay (base every time: a client that neither jitters
nor grows, which full and decorrelated jitter would otherwise accept).

A busy machine only makes delays later. The lag measured over a delay widens how late it may be
and counts as able to move a jittered draw onto the schedule, so lag can turn "no jitter" into
"cannot tell", never the other way. Pure: journal events in, evidence lines out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Literal

from harness.checks.backoff_models import Model, Schedule, odds_text
from harness.checks.common import dur, plural
from harness.journal import Event
from harness.lateness import lateness_line, worst_lag

#: "On the schedule": never early (timers are not; the allowance is the clock's granularity), and
#: late by no more than the client's own machinery (a timer's granularity, opening the socket)
#: and the lag the journal measured: measured 2-10 ms over, at most 26 ms at 2 s and 67 ms at 7.5 s
#: of nominal, for the reference page without jitter on a shared 2-core machine.
ON_SCHEDULE_EARLY_S = 0.002
ON_SCHEDULE_EARLY_RATIO = 0.001
ON_SCHEDULE_LATE_S = 0.030
ON_SCHEDULE_LATE_RATIO = 0.01
#: How far the odds let that machinery lift a jittered draw from below the nominal onto the
#: schedule (the measured lag counts in full on top): the typical overhead, not the worst one,
#: since it is independent of the draw and every delay would need it.
LIFT_S = 0.015
LIFT_RATIO = 0.005
#: "No jitter" when the model puts every delay on the schedule less often than this; a chance
#: under UNSURE_ODDS is too small to pass and too large to fail: inconclusive.
NO_JITTER_ODDS = 1e-6
UNSURE_ODDS = 1e-3


@dataclass(frozen=True)
class Delay:
    """One measured reconnection delay: the n-th of a disconnection, on the page clock."""

    client: str
    n: int
    t: float                # journal time of the attempt it led to
    wait_s: float
    prev_s: float | None    # the delay before it in the same disconnection (decorrelated jitter)
    lag_s: float            # how late the page's or the harness's timers ran meanwhile


@dataclass(frozen=True)
class Finding:
    """One client's delays all sit on a schedule: `no_jitter` (a problem), `unsure` (inconclusive) or
    `weak` (jitter draws that too often to say anything: the check passes and says so)."""

    client: str
    verdict: Literal["no_jitter", "unsure", "weak"]  # weak: a pass, but the delays could not tell
    line: str
    t: float     # the last delay judged completes the pattern
    odds: float


Timetable = Callable[[int], float]


def schedules(s: Schedule) -> list[tuple[str, Timetable]]:
    """The schedules a client without jitter follows: the nominal one, and (when it grows) a fixed base."""
    fixed: Timetable = lambda n: min(s.cap_s, s.base_s)  # noqa: E731 - one line, named by its place
    return [("nominal", s.nominal)] + ([("fixed", fixed)] if s.factor > 1 else [])


def judge_jitter(s: Schedule, models: Iterable[Model], delays: list[Delay], events: list[Event]) -> list[Finding]:
    """One finding per client whose delays all sit on a schedule."""
    jittered = [m for m in models if m.jittered]
    findings: list[Finding] = []
    for client in dict.fromkeys(d.client for d in delays):
        mine = [d for d in delays if d.client == client]
        for name, when in schedules(s) if jittered else []:
            if _on(when, mine, with_lag=True):
                findings.append(_finding(s, client, name, when, jittered, mine, events))
                break
    return findings


def _finding(s: Schedule, client: str, name: str, when: Timetable, models: list[Model], mine: list[Delay],
             events: list[Event]) -> Finding:
    odds = max(_chance(m, s, when, mine, with_lag=True) for m in models)
    where = _where(name, when, mine, models, odds)
    last = max(d.t for d in mine)
    if odds < NO_JITTER_ODDS:
        return Finding(client, "no_jitter", f"{client}: no jitter: {where}", last, odds)
    quiet = max(_chance(m, s, when, mine, with_lag=False) for m in models)
    if odds >= UNSURE_ODDS and not (_on(when, mine, with_lag=False) and quiet < NO_JITTER_ODDS):
        return Finding(client, "weak", f"{client}: {where}", last, odds)
    lag = worst_lag(events, client, min(d.t - d.wait_s for d in mine), last)
    busy = f", counting that {lateness_line(lag)}" if lag is not None and quiet < odds else ""
    return Finding(client, "unsure", f"{client}: maybe no jitter: {where}{busy}: too often to call it no "
                   "jitter; a longer outage (more attempts) tells them apart", last, odds)


def _late(when: Timetable, d: Delay, with_lag: bool) -> float:
    """How late a delay without jitter may come: the client's machinery, and the lag."""
    return ON_SCHEDULE_LATE_S + ON_SCHEDULE_LATE_RATIO * when(d.n) + (d.lag_s if with_lag else 0.0)


def _lift(when: Timetable, d: Delay, with_lag: bool) -> float:
    """How far the machinery and the lag may have lifted a jittered draw."""
    return LIFT_S + LIFT_RATIO * when(d.n) + (d.lag_s if with_lag else 0.0)


def _earliest(when: Timetable, d: Delay) -> float:
    return when(d.n) * (1 - ON_SCHEDULE_EARLY_RATIO) - ON_SCHEDULE_EARLY_S


def _on(when: Timetable, delays: list[Delay], with_lag: bool) -> bool:
    """Every delay is where a client without jitter following `when` puts it."""
    return all(_earliest(when, d) <= d.wait_s <= when(d.n) + _late(when, d, with_lag) for d in delays)


def _chance(model: Model, s: Schedule, when: Timetable, delays: list[Delay], with_lag: bool) -> float:
    """The chance that `model` puts every delay on the schedule: a draw lands there when it falls
    inside, or below it by no more than the machinery and the lag could lift it."""
    p = 1.0
    for d in delays:
        lift = _lift(when, d, with_lag)
        prev = None if d.prev_s is None else max(0.0, d.prev_s - lift)
        p *= model.chance(s, d.n, prev, _earliest(when, d) - lift, when(d.n) + _late(when, d, with_lag))
    return p


def _where(name: str, when: Timetable, mine: list[Delay], models: list[Model], odds: float) -> str:
    """`all 4 delays are 1.00..1.01 x nominal; equal jitter (0.5..1 x nominal) puts them there 1 in 42 million times`."""
    if name == "nominal":
        ratios = [d.wait_s / when(d.n) for d in mine if when(d.n) > 0]
        span = f"{min(ratios):.2f}..{max(ratios):.2f} x nominal" if ratios else "on the nominal schedule"
    else:
        span = (f"a fixed {dur(min(d.wait_s for d in mine))}..{dur(max(d.wait_s for d in mine))} "
                f"(base {dur(when(1))}, no growth)")
    if len(models) == 1:
        said, most = f"{models[0].title} ({models[0].spread})", ""
    else:
        said, most = either([m.title.removesuffix(" jitter") for m in models]) + " jitter", " at most"
    puts = f"puts them there {odds_text(odds)} times{most}" if odds > 0 else "never puts them there"
    return f"all {plural(len(mine), 'delay')} are {span}; {said} {puts}"


def either(words: list[str], last: str = "or") -> str:
    """`equal, full or randomized`."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"
