"""`backoff`: reconnection delays follow min(cap, base * factor^(n-1)), with jitter.

A delay over its limit by no more than the lag the harness or the page measured meanwhile
(`harness.lateness`) makes the check inconclusive rather than failed: a starved core fires every
timer late. Early delays, missing jitter and wrong growth are never excused.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from typing import Annotated

from harness.analysis import AttemptRun, attempt_runs, scenario_end
from harness.checks.base import Check, CheckResult, RunView, checks
from harness.clients import ClientSelector
from harness.checks.common import at, capped, dur, plural, select
from harness.events import JSONObject
from harness.lateness import Excused, excuse, explained, worst_excused
from harness.units import Duration, Range

#: Allowance for what the delay formula does not include (connect time, timer granularity).
#: A page's timers fire late under load, never early, so lateness gets the larger allowance.
TOLERANCE_RATIO = 0.15
EARLY_S = 0.05
LATE_S = 0.25
#: Jitter multiplies a delay by 0.5..1; timers only ever fire late. So without jitter no delay is
#: shorter than this fraction of its nominal value, and with jitter over 3+ delays one almost
#: surely is (each has a 4 in 5 chance).
JITTER_BELOW = 0.9
#: A first attempt this soon after the close is "at once" (by design after `online` or a pong
#: timeout), not a backoff delay; the smallest jittered delay at time_scale 0.1 is 50 ms.
IMMEDIATE_S = 0.02


@checks.register("backoff")
@dataclass(frozen=True)
class Backoff(Check):
    """Reconnection delays grow as min(cap, base*factor^(n-1)) (x 0.5..1 with jitter) per disconnection."""

    clients: ClientSelector = "all"
    base: Duration = Duration(1.0)
    cap: Duration = Duration(30.0)
    factor: Annotated[float, Range(1, 100)] = 2.0
    jitter: bool = True
    min_attempts: Annotated[int, Range(1, 10_000)] = 3

    def judge(self, run: RunView) -> CheckResult:
        names, bad = select(self, run, self.clients)
        if bad:
            return bad
        end = scenario_end(run.all_events)
        problems: list[str] = []
        late: list[Excused] = []
        ratios_all: list[float] = []
        marks: list[float] = []
        for client in names:
            runs = [r for r in attempt_runs(run.events, client)
                    if not r.interrupted and (r.lost_t or 0.0) <= end]
            lines, excused, ratios, moments = self._judge_client(run, client, runs)
            problems += lines
            late += excused
            ratios_all += ratios
            # The moment of failure: the attempt that came early or late, the last attempt of a
            # series without jitter; a client with too few attempts is marked where it lost its link.
            marks += moments or [r.lost_t for r in runs if r.lost_t is not None and (lines or excused)]
        metrics: JSONObject = {"intervals": len(ratios_all),
                   "min_ratio": round(min(ratios_all), 3) if ratios_all else None,
                   "ratio_cv": round(_cv(ratios_all), 4) if len(ratios_all) > 1 else None,
                   "late_explained_by_lag": len(late),
                   "lag_s": round(worst_excused(late), 3)}
        formula = self._formula()
        if problems:
            return self.result(False, f"reconnection backoff does not follow {formula}: "
                               f"{plural(len(problems), 'problem')}",
                               capped(problems + [e.line for e in late]), metrics, marks)
        if late:
            return replace(self.result(
                False, f"{plural(len(late), 'reconnection delay')} of {formula} "
                f"came late by no more than the machine's measured lag (up to {dur(metrics['lag_s'])}): "
                "a busy machine, not the app, can explain it", capped(e.line for e in late), metrics, marks),
                inconclusive=True)
        return self.result(True, f"{len(ratios_all)} reconnection delays of {', '.join(names)} follow "
                           f"{formula}", [], metrics)

    def _formula(self) -> str:
        jitter = " with jitter" if self.jitter else " without jitter"
        return f"min({self.cap}, {self.base} x {self.factor:g}^(n-1)){jitter}"

    def _bounds(self, run: RunView, n: int) -> tuple[float, float, float]:
        nominal = run.time.scaled(min(self.cap.seconds, self.base.seconds * self.factor ** (n - 1)))
        low = (0.5 if self.jitter else 1.0) * nominal - (TOLERANCE_RATIO * nominal + EARLY_S)
        return nominal, max(0.0, low), nominal * (1 + TOLERANCE_RATIO) + LATE_S

    def _judge_client(self, run: RunView, client: str,
                      runs: list[AttemptRun]) -> tuple[list[str], list[Excused], list[float], list[float]]:
        if not runs:
            return [f"{client}: never lost its connection, so it made no reconnection attempt"], [], [], []
        most = max(len(r.attempts) for r in runs)
        if most < self.min_attempts:
            return [f"{client}: at most {plural(most, 'reconnection attempt')} in one disconnection, "
                    f"need {self.min_attempts} to judge the backoff (make the outage longer)"], [], [], []
        problems, late, ratios, moments, judged = [], [], [], [], []
        for r in runs:
            for n, (t, wait) in enumerate(zip(r.attempts, r.waits), start=1):
                if wait is None:
                    continue
                nominal, low, high = self._bounds(run, n)
                if n == 1 and wait <= IMMEDIATE_S:
                    continue  # reconnecting at once (offline->online, pong timeout) is by design
                ratios.append(wait / nominal)
                judged.append(t)
                if low <= wait <= high:
                    continue
                line = (f"{client}: reconnection attempt {n} at {at(t)} waited {dur(wait)}, "
                        f"expected {dur(low)}..{dur(high)} (nominal {dur(nominal)})")
                # Only a late timer can be the machine's fault; an early one is always the app's.
                lag = explained(wait - high, run.events, client, t - wait, t) if wait > high else None
                moments.append(t)
                if lag is None:
                    problems.append(line)
                else:
                    late.append(excuse(line, wait - high, lag))
        if not ratios:
            return [f"{client}: no ws.attempt carries page_t, so the delays cannot be measured"], [], [], []
        # Never excused: lateness only lengthens delays, it cannot make identical ones look jittered.
        if self.jitter and len(ratios) >= 3 and min(ratios) >= JITTER_BELOW:
            problems.append(f"{client}: no jitter: none of {len(ratios)} delays is shorter than "
                            f"{JITTER_BELOW:g} x nominal (shortest {min(ratios):.2f} x, mean "
                            f"{statistics.fmean(ratios):.2f} x); jitter makes them 0.5..1 x")
            moments.append(max(judged))  # the last delay judged completes the pattern
        return problems, late, ratios, moments


def _cv(values: list[float]) -> float:
    mean = statistics.fmean(values) if values else 0.0
    return statistics.pstdev(values) / mean if mean and len(values) > 1 else 0.0
