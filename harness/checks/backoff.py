"""`backoff`: reconnection delays follow the client's backoff model, and its jitter is real.

`jitter` names the model (harness/checks/backoff_models.py: none, equal, full, randomized,
decorrelated); `true` accepts any of equal, full and randomized jitter and reports the one that
fits best, `false` is none.

A delay over its limit by no more than the lag the harness or the page measured meanwhile
(`harness.lateness`) makes the check inconclusive rather than failed: a starved core fires every
timer late. Early delays and wrong growth are never excused. "No jitter" is called only when
the model would put every delay on a fixed schedule less than once in a million runs, counting
any lag measured meanwhile as able to move a jittered delay there (harness/checks/backoff_jitter.py).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field, replace
from typing import Annotated, Literal, Union

from harness.analysis import AttemptRun, attempt_runs, scenario_end
from harness.checks.backoff_jitter import Delay, Finding, either, judge_jitter
from harness.checks.backoff_models import COMMON, MODELS, Model, Schedule
from harness.checks.base import Check, CheckResult, RunView, checks
from harness.clients import ClientSelector
from harness.checks.common import at, capped, dur, plural, select
from harness.events import JSONObject
from harness.lateness import Excused, excuse, explained, lateness, worst_excused
from harness.units import Duration, Range

#: Allowance for what the delay formula does not include (connect time, timer granularity).
#: A page's timers fire late under load, never early, so lateness gets the larger allowance.
TOLERANCE_RATIO = 0.15
EARLY_S = 0.05
LATE_S = 0.25
#: A first attempt this soon after the close is "at once" (by design after `online` or a pong
#: timeout), not a backoff delay; the smallest jittered delay at time_scale 0.1 is 50 ms.
IMMEDIATE_S = 0.02
Jitter = Union[bool, Literal["none", "equal", "full", "randomized", "decorrelated"]]


@dataclass
class Fit:
    """The delays judged against one model."""

    model: Model
    problems: list[str] = field(default_factory=list)
    late: list[Excused] = field(default_factory=list)
    moments: list[float] = field(default_factory=list)
    score: float = 0.0  # sum of log window widths: the narrowest model that fits explains best


@checks.register("backoff")
@dataclass(frozen=True)
class Backoff(Check):
    """Reconnection delays follow the declared backoff model (`jitter`), with real jitter when it has any."""

    clients: ClientSelector = "all"
    base: Duration = Duration(1.0)
    cap: Duration = Duration(30.0)
    factor: Annotated[float, Range(1, 100)] = 2.0
    jitter: Jitter = True
    randomization_factor: Annotated[float, Range(0, 1)] = 0.5
    min_attempts: Annotated[int, Range(1, 10_000)] = 3

    def judge(self, run: RunView) -> CheckResult:
        names, bad = select(self, run, self.clients)
        if bad:
            return bad
        end = scenario_end(run.all_events)
        delays: list[Delay] = []
        counted: list[str] = []
        marks: list[float] = []
        for client in names:
            runs = [r for r in attempt_runs(run.events, client)
                    if not r.interrupted and (r.lost_t or 0.0) <= end]
            found, problem = self._delays(run, client, runs)
            delays += found
            if problem:
                counted.append(problem)
                marks += [r.lost_t for r in runs if r.lost_t is not None]  # where it lost its link
        return self._verdict(run, names, delays, counted, marks)

    # -- parameters ----------------------------------------------------------------------
    def _models(self) -> list[Model]:
        if self.jitter is True:
            return [MODELS[name] for name in COMMON]
        return [MODELS["none" if self.jitter is False else self.jitter]]

    def _schedule(self, run: RunView) -> Schedule:
        return Schedule(run.time.scaled(self.base), run.time.scaled(self.cap), self.factor, self.randomization_factor)

    def _formula(self, model: Model) -> str:
        return model.formula(str(self.base), str(self.cap), self.factor, self.randomization_factor)

    def _what(self) -> str:
        """What was expected: `full jitter (min(8s, 500ms x 2^(n-1)) x 0..1)`, or the models of `true`."""
        models = self._models()
        if len(models) > 1:
            return either([m.title.removesuffix(" jitter") for m in models]) + " jitter"
        return f"{models[0].title} ({self._formula(models[0])})"

    # -- measuring -----------------------------------------------------------------------
    def _delays(self, run: RunView, client: str, runs: list[AttemptRun]) -> tuple[list[Delay], str | None]:
        if not runs:
            return [], f"{client}: never lost its connection, so it made no reconnection attempt"
        most = max(len(r.attempts) for r in runs)
        if most < self.min_attempts:
            return [], (f"{client}: at most {plural(most, 'reconnection attempt')} in one disconnection, "
                        f"need {self.min_attempts} to judge the backoff (make the outage longer)")
        delays = []
        for r in runs:
            prev: float | None = None
            for n, (t, wait) in enumerate(zip(r.attempts, r.waits), start=1):
                if wait is not None and not (n == 1 and wait <= IMMEDIATE_S):
                    # (reconnecting at once after `online` or a pong timeout is by design: not judged)
                    delays.append(Delay(client, n, t, wait, prev, lateness(run.events, client, t - wait, t)))
                prev = wait
        if not delays:
            return [], f"{client}: no ws.attempt carries page_t, so the delays cannot be measured"
        return delays, None

    # -- judging -------------------------------------------------------------------------
    def _fit(self, model: Model, s: Schedule, run: RunView, delays: list[Delay]) -> Fit:
        fit = Fit(model)
        for d in delays:
            lo, hi = model.bounds(s, d.n, d.prev_s)
            low = max(0.0, lo - (TOLERANCE_RATIO * model.early_scale(s, d.n) + EARLY_S))
            high = hi * (1 + TOLERANCE_RATIO) + LATE_S
            fit.score += math.log(high - low)
            if low <= d.wait_s <= high:
                continue
            line = (f"{d.client}: reconnection attempt {d.n} at {at(d.t)} waited {dur(d.wait_s)}, "
                    f"expected {dur(low)}..{dur(high)} ({model.basis(s, d.n, d.prev_s)})")
            # Only a late timer can be the machine's fault; an early one is always the app's.
            lag = explained(d.wait_s - high, run.events, d.client, d.t - d.wait_s, d.t) if d.wait_s > high else None
            fit.moments.append(d.t)
            if lag is None:
                fit.problems.append(line)
            else:
                fit.late.append(excuse(line, d.wait_s - high, lag))
        return fit

    def _verdict(self, run: RunView, names: list[str], delays: list[Delay], counted: list[str],
                 marks: list[float]) -> CheckResult:
        s = self._schedule(run)
        fits = [self._fit(m, s, run, delays) for m in self._models()]
        fitting = sorted((f for f in fits if not f.problems), key=lambda f: (len(f.late), f.score))
        best = fitting[0] if fitting else min(fits, key=lambda f: (len(f.problems), f.score))
        findings = judge_jitter(s, [f.model for f in fitting], delays, run.events)
        no_jitter = [f for f in findings if f.verdict == "no_jitter"]
        unsure = [f.line for f in findings if f.verdict == "unsure"]
        problems = counted + best.problems + [f.line for f in no_jitter]
        marks += best.moments + [f.t for f in findings if f.verdict != "weak"]
        metrics = self._metrics(s, delays, best, fitting, findings)
        if problems:
            evidence = problems + [e.line for e in best.late] + self._hint(run, s, delays, best)
            evidence += self._replay(run, names) if best.problems and best.model.jittered else []
            summary = self._failed_summary(delays, best, len(fits) > 1, plural(len(problems), "problem"))
            return self.result(False, summary, capped(evidence), metrics, marks)
        if best.late or unsure:
            lines = [e.line for e in best.late] + unsure + (self._replay(run, names) if best.model.jittered else [])
            return replace(self.result(False, self._unsure_summary(best, unsure, metrics), capped(lines), metrics,
                                       marks), inconclusive=True)
        others = [f.model.title.removesuffix(" jitter") for f in fitting[1:]]
        also = f" (jitter: true; {either(others, 'and')} jitter fit{'s' if len(others) == 1 else ''} too)" if others else ""
        weak = [f for f in findings if f.verdict == "weak"]
        if weak:  # on the schedule, but jitter lands there too often for that to mean anything
            also += (f"; every delay of {', '.join(f.client for f in weak)} is where a client without jitter puts "
                     "it, but too few to tell")
        return self.result(True, f"{plural(len(delays), 'reconnection delay')} of {', '.join(names)} fit "
                           f"{best.model.title}: {self._formula(best.model)}{also}", [f.line for f in weak], metrics)

    def _failed_summary(self, delays: list[Delay], best: Fit, several: bool, problems: str) -> str:
        if not delays:
            return f"cannot judge the reconnection delays against {self._what()}: {problems}"
        if best.problems and several:
            return (f"reconnection delays fit none of {self._what()}: {problems}; "
                    f"closest: {best.model.title} ({self._formula(best.model)})")
        return f"reconnection delays do not fit {self._what()}: {problems}"

    def _unsure_summary(self, best: Fit, unsure: list[str], metrics: JSONObject) -> str:
        if best.late:
            return (f"{plural(len(best.late), 'reconnection delay')} of {best.model.title} "
                    f"({self._formula(best.model)}) came late by no more than the machine's measured lag "
                    f"(up to {dur(metrics['lag_s'])}): a busy machine, not the app, can explain it")
        who = ", ".join(line.split(":", 1)[0] for line in unsure)
        return (f"cannot tell {self._what()} from no jitter: every delay of {who} is on the nominal schedule, "
                "but there are too few to be sure (make the outage longer for more attempts)")

    def _hint(self, run: RunView, s: Schedule, delays: list[Delay], best: Fit) -> list[str]:
        """When the delays miss the declared model's windows: another model they fit, jitter and all."""
        if not best.problems:
            return []
        declared = {m.name for m in self._models()}
        others = [self._fit(m, s, run, delays) for m in MODELS.values() if m.jittered and m.name not in declared]
        for fit in sorted((f for f in others if not f.problems and not f.late), key=lambda f: f.score):
            if not judge_jitter(s, [fit.model], delays, run.events):  # not even "maybe no jitter"
                return [f"these delays fit {fit.model.title} ({self._formula(fit.model)}): if that is the app's "
                        f"model, write `jitter: {fit.model.name}`"]
        return []

    def _replay(self, run: RunView, names: list[str]) -> list[str]:
        """How to draw the same random delays again: the rerun's seed, if the page's randomness follows it."""
        seed = run.run_start.seed
        how = next((e.get("page_random") for e in run.of_kind("client.open")
                    if e.get("client") in names and e.get("client_kind") == "browser"), None)
        if how == "seeded":
            return [f"replay: the rerun with --seed {seed} draws these delays again (the target seeds the "
                    "page's Math.random: seed_random: true)"]
        if how == "seed_in_url":
            return [f"replay: the rerun with --seed {seed} hands the page the same {{seed}} in its URL, which "
                    "draws these delays again if the app takes its jitter from it (the reference app does)"]
        if how == "unseeded":
            return [f"replay: the rerun with --seed {seed} does not draw these delays again: the page's "
                    "Math.random is not seeded; add `seed_random: true` to the target to replay them"]
        return [f"replay: --seed {seed} draws these delays again only if the page's randomness follows it "
                "(`seed_random: true` in the target); this journal does not say"]

    def _metrics(self, s: Schedule, delays: list[Delay], best: Fit, fitting: list[Fit],
                 findings: list[Finding]) -> JSONObject:
        ratios = [d.wait_s / s.nominal(d.n) for d in delays if s.nominal(d.n) > 0]
        odds = min((f.odds for f in findings), default=None)
        no_jitter = any(f.verdict == "no_jitter" for f in findings)
        model = "none" if no_jitter else (None if best.problems else best.model.name)
        return {"model": model, "models_fitting": [f.model.name for f in fitting],
                "intervals": len(delays),
                "min_ratio": round(min(ratios), 3) if ratios else None,
                "ratio_cv": round(_cv(ratios), 4) if len(ratios) > 1 else None,
                "jitter_odds": float(f"{odds:.3g}") if odds is not None else None,
                "late_explained_by_lag": len(best.late), "lag_s": round(worst_excused(best.late), 3)}


def _cv(values: list[float]) -> float:
    mean = statistics.fmean(values) if values else 0.0
    return statistics.pstdev(values) / mean if mean and len(values) > 1 else 0.0
