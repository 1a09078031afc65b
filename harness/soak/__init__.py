"""The nightly soak: a randomized but replayable schedule of disruptions on any target, as an
in-memory Scenario (docs/soak.md).

    plan = make_soak(target, Duration(8 * 3600), seed=20240611)   # plan.scenario, plan.rounds
    scenario = soak_scenario(Duration(600), seed=7)               # the reference app's soak

Everything comes from the target: the work is its own UI actions and protocol messages
(`work.py`, its `workload:` with weights if it has one), the faults are the part of the
catalogue it supports (`faults.py`), and each round's gate and the night's checks are the
invariants that apply to it (`invariants.py`), the others named with the reason they were left
out. `schedule.py` draws the rounds. Only `random.Random(seed)` decides, so the same target,
seed and duration give the same scenario: a bad night is replayed with
`wschaos soak --duration 8h --seed N`. Durations are app time; the target's time scale
compresses the night (8h at 0.1 runs in 48 minutes). Soaks shorter than two hours shrink the
windows and idles (never below a quarter) so that several rounds fit. The planned app time (the
idles, which also cover every fault window) adds up to `duration` exactly; the recovery gates
come on top, as long as recovery really takes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from harness.soak.invariants import DRAIN_WITHIN, RECOVER_WITHIN
from harness.soak.schedule import TAGS, Round, SoakPlan, soak_plan
from harness.steps.base import walk
from harness.steps.timing import Idle
from harness.units import Duration

if TYPE_CHECKING:
    from harness.scenario.model import Scenario
    from harness.targets.model import Target

__all__ = ["DRAIN_WITHIN", "MAX_CLIENTS", "MAX_DURATION", "MIN_DURATION", "RECOVER_WITHIN", "Round", "SoakArgumentError",
           "SoakPlan", "TAGS", "check_arguments", "make_soak", "planned_seconds", "shrink_factor", "soak_scenario"]

MIN_DURATION = Duration(60.0)
#: Every round is planned before the soak starts, about one per 100 s of app time: a week is
#: about 6,000 rounds; a longer night is several soaks with different seeds.
MAX_DURATION = Duration(7 * 24 * 3600.0)
#: Each client is a Chromium page open for the whole soak: no more than a scenario file may have.
MAX_CLIENTS = 200


def shrink_factor(duration: Duration) -> float:
    """How much a soak shorter than 2h shrinks its windows and idles (1.0 from 2h, at least 0.25)."""
    return min(1.0, max(0.25, duration.seconds / 7200.0))


class SoakArgumentError(ValueError):
    """A soak argument out of its range; `argument` names it (`duration`, `clients`, `time_scale`,
    `intensity`), so a front door can name its own option."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.argument = argument


def check_arguments(duration: Duration, clients: int, intensity: float = 1.0,
                    time_scale: float | None = None) -> list[SoakArgumentError]:
    """Every soak argument out of its range, each with the reason for the range."""
    from harness.scenario.convert import describe_range
    from harness.units import TIME_SCALE_RANGE

    wrong = []
    if not duration >= MIN_DURATION:
        wrong.append(SoakArgumentError("duration", f"a soak needs at least {MIN_DURATION} of app time to fit one "
                                                   f"disruption and its recovery, got {duration}"))
    elif duration > MAX_DURATION:
        wrong.append(SoakArgumentError("duration", f"at most {MAX_DURATION} (7 days) of app time, got {duration}: every "
                                                   "round is planned before the soak starts; for longer, run soaks one "
                                                   "after another with different seeds"))
    if not 1 <= clients <= MAX_CLIENTS:
        wrong.append(SoakArgumentError("clients", f"a soak needs from 1 to {MAX_CLIENTS} browser clients (each is a "
                                                  f"Chromium page open for the whole soak, and a scenario file allows "
                                                  f"{MAX_CLIENTS}), got {clients}"))
    if not (intensity > 0 and math.isfinite(intensity)):
        wrong.append(SoakArgumentError("intensity", f"intensity must be above 0, got {intensity:g}"))
    if time_scale is not None and time_scale not in TIME_SCALE_RANGE:
        wrong.append(SoakArgumentError("time_scale", f"expected {describe_range(float, TIME_SCALE_RANGE)}, as a "
                                                     "scenario's time_scale (below, the app's timers fire faster than a "
                                                     "browser keeps up; above, a minute of app time takes over 16 hours), "
                                                     f"got {time_scale:g}"))
    return wrong


def make_soak(target: Target, duration: Duration, seed: int, clients: int = 2, intensity: float = 1.0,
              time_scale: float | None = None, target_ref: str | None = None) -> SoakPlan:
    """The soak of `target` for `duration` of app time on `clients` browser pages, from `seed`.

    `intensity` divides the quiet idles: 2.0 makes disruptions about twice as frequent.
    `time_scale` replaces the target's (None: the target's). `target_ref` is how the scenario
    names the target (default: its name). Raises the first of `check_arguments` (a
    SoakArgumentError, a ValueError) for an argument out of its range.
    """
    wrong = check_arguments(duration, clients, intensity, time_scale)
    if wrong:
        raise wrong[0]
    return soak_plan(target, duration, seed, clients, intensity, time_scale, shrink_factor(duration),
                     target_ref or target.name)


def soak_scenario(duration: Duration, seed: int, clients: int = 2, intensity: float = 1.0,
                  time_scale: float | None = None, target: Target | None = None) -> Scenario:
    """`make_soak(...).scenario`; without `target`, the bundled reference app (targets/kanban.yaml)."""
    return make_soak(target or reference_target(), duration, seed, clients, intensity, time_scale).scenario


def reference_target() -> Target:
    """The bundled reference app's target (targets/kanban.yaml)."""
    from harness.targets.load import load_target
    from harness.tools import repo_root

    return load_target(repo_root() / "targets" / "kanban.yaml")


def planned_seconds(scenario: Scenario) -> float:
    """App seconds the schedule idles in all (fault windows included): the soak's duration."""
    return sum(n.step.duration.seconds for n in walk(scenario.steps) if isinstance(n.step, Idle))
