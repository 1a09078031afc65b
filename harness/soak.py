"""The nightly soak: a randomized but replayable schedule of disruptions, as an in-memory Scenario.

`soak_scenario(Duration(8 * 3600), seed=20240611)` fills eight hours of app time with rounds.
Each round is one disruption with seeded parameters (network down, latency, blackhole, a server
restart, crash or stop, browser offline with the network cut, a hidden tab, a sleeping laptop)
on every page or on one, user work while it lasts (tickets added, a workflow triggered), a
recovery gate (every page connected, every queue drained) and a quiet idle of seeded length.

Only `random.Random(seed)` decides, so the same seed and duration give the same scenario: a bad
night is replayed with `wschaos soak --duration 8h --seed N`. Durations are app time; the
target's time scale compresses the night (8h at 0.1 runs in 48 minutes). Soaks shorter than
two hours shrink the windows and idles (never below a quarter) so that several rounds fit.
The planned app time (the idles, which also cover every fault window) adds up to `duration`
exactly; the recovery gates come on top, as long as recovery really takes.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from harness.checks.base import Check, checks
from harness.clients import ClientSpec
from harness.scenario.model import Scenario
from harness.steps.actions import AddTickets, TriggerWorkflow
from harness.steps.base import Envelope, Node, Parallel, Step, StepNode
from harness.steps.browser import Browser, Screenshot
from harness.steps.expect import Expect
from harness.steps.faults.blackhole import Blackhole
from harness.steps.faults.down import Down
from harness.steps.faults.latency import Latency
from harness.steps.server import Server
from harness.steps.timing import Idle
from harness.units import Duration

MIN_DURATION = Duration(60.0)
#: Every round is planned before the soak starts, about one per 100 s of app time: a week is
#: about 6,000 rounds; a longer night is several soaks with different seeds.
MAX_DURATION = Duration(7 * 24 * 3600.0)
#: Each client is a Chromium page open for the whole soak: no more than a scenario file may have.
MAX_CLIENTS = 200
RECOVER_WITHIN = Duration(120.0)   # the gate's `state: connected` deadline, and `reconnected`'s
DRAIN_WITHIN = Duration(60.0)      # the gate's `queue_length: 0` deadline
TAGS = ("soak", "nightly")

Item = tuple[Step, Envelope]


@dataclass(frozen=True)
class Disruption:
    """One round's fault: its steps (several run in parallel), how long it lasts, a human label."""

    kind: str
    label: str
    items: tuple[Item, ...]
    window_s: int = 0            # app seconds it lasts; 0 = instantaneous (restart, crash)
    work_during: bool = True     # False: the pages are frozen, the work waits for the end


def _secs(rng: random.Random, lo: int, hi: int, shrink: float) -> int:
    """A seeded whole number of app seconds in [lo, hi], shrunk for short soaks, at least 1."""
    return max(1, round(rng.uniform(lo, hi) * shrink))


def _timed(step: Step, who: str | None, d: int) -> Item:
    return step, Envelope(clients=who, for_=Duration(float(d)))


def _down(rng: random.Random, who: str, shrink: float) -> Disruption:
    d = _secs(rng, 5, 60, shrink)
    return Disruption("down", f"network down on {who} for {d}s", (_timed(Down(), who, d),), d)


def _latency(rng: random.Random, who: str, shrink: float) -> Disruption:
    ms, d = rng.randint(4, 30) * 50, _secs(rng, 10, 60, shrink)
    step = Latency(latency=Duration(ms / 1000.0))
    return Disruption("latency", f"{ms}ms latency on {who} for {d}s", (_timed(step, who, d),), d)


def _blackhole(rng: random.Random, who: str, shrink: float) -> Disruption:
    d = _secs(rng, 5, 30, shrink)
    return Disruption("blackhole", f"blackhole on {who} for {d}s", (_timed(Blackhole(), who, d),), d)


def _restart(rng: random.Random, who: str, shrink: float) -> Disruption:
    return Disruption("restart", "server restart (graceful)", ((Server("restart"), Envelope()),))


def _crash(rng: random.Random, who: str, shrink: float) -> Disruption:
    return Disruption("crash", "server crash (SIGKILL) and start", ((Server("crash"), Envelope()),))


def _stop(rng: random.Random, who: str, shrink: float) -> Disruption:
    d = _secs(rng, 5, 40, shrink)
    return Disruption("stop", f"server stopped for {d}s", (_timed(Server("stop"), None, d),), d)


def _offline(rng: random.Random, who: str, shrink: float) -> Disruption:
    d = _secs(rng, 5, 60, shrink)
    items = (_timed(Browser("offline"), who, d), _timed(Down(), who, d))
    return Disruption("offline", f"browser offline (network cut) on {who} for {d}s", items, d)


def _hide(rng: random.Random, who: str, shrink: float) -> Disruption:
    d = _secs(rng, 10, 120, shrink)
    return Disruption("hide", f"tab hidden on {who} for {d}s", (_timed(Browser("hide"), who, d),), d)


def _sleep(rng: random.Random, who: str, shrink: float) -> Disruption:
    d = _secs(rng, 10, 90, shrink)
    return Disruption("sleep", f"laptop asleep (page frozen) on {who} for {d}s",
                      (_timed(Browser("sleep"), who, d),), d, work_during=False)


DISRUPTIONS: dict[str, Callable[[random.Random, str, float], Disruption]] = {
    "down": _down, "latency": _latency, "blackhole": _blackhole, "restart": _restart,
    "crash": _crash, "stop": _stop, "offline": _offline, "hide": _hide, "sleep": _sleep,
}


@dataclass
class _Schedule:
    """Builds the step nodes round by round; tracks which tickets each page may still trigger."""

    rng: random.Random
    pages: list[str]
    shrink: float
    intensity: float
    nodes: list[Node] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    untriggered: dict[str, int] = field(default_factory=dict)

    def add(self, step: Step, env: Envelope = Envelope()) -> None:
        self.nodes.append(StepNode(step, env, f"soak[{len(self.nodes)}]"))

    def add_parallel(self, items: tuple[Item, ...]) -> None:
        path = f"soak[{len(self.nodes)}]"
        inner = tuple(StepNode(s, e, f"{path}.parallel[{j}]") for j, (s, e) in enumerate(items))
        self.nodes.append(Parallel(inner, Envelope(), path))

    def fill(self, total_s: int) -> None:
        """Rounds while the next one fits in `total_s` app seconds, then an idle up to it."""
        used = 0
        while True:
            disruption = self._pick()
            quiet = max(1, round(self.rng.uniform(10, 120) * self.shrink / self.intensity))
            if used + disruption.window_s + quiet > total_s:
                break
            self._round(disruption, quiet)
            used += disruption.window_s + quiet
        if total_s > used:  # the rest of the night: a longer last quiet idle
            last = self.nodes[-1] if self.nodes and isinstance(self.nodes[-1], StepNode) else None
            if last is not None and isinstance(last.step, Idle):
                self.nodes[-1] = StepNode(Idle(Duration(last.step.duration.seconds + total_s - used)),
                                          last.env, last.path)
            else:
                self.add(Idle(Duration(float(total_s - used))))

    def _pick(self) -> Disruption:
        kind = self.rng.choice(sorted(DISRUPTIONS))
        who = "all" if len(self.pages) == 1 or self.rng.random() < 0.5 else self.rng.choice(self.pages)
        return DISRUPTIONS[kind](self.rng, who, self.shrink)

    def _round(self, disruption: Disruption, quiet: int) -> None:
        self.kinds[disruption.kind] += 1
        first, env = disruption.items[0]
        if len(disruption.items) > 1:
            self.add_parallel(disruption.items)
        else:
            self.add(first, Envelope(env.clients, for_=env.for_, name=disruption.label))
        work = self._work()
        if disruption.work_during:
            for step, w_env in work:
                self.add(step, w_env)
        if disruption.window_s:
            self.add(Idle(Duration(float(disruption.window_s))))  # the rest of the fault window
        if not disruption.work_during:
            for step, w_env in work:
                self.add(step, w_env)
        self.add(Expect(state="connected", within=RECOVER_WITHIN))
        self.add(Expect(queue_length=0, within=DRAIN_WITHIN))
        self.add(Idle(Duration(float(quiet))))

    def _work(self) -> list[Item]:
        """Tickets on every page; on some rounds one page triggers tickets of earlier rounds
        (delivered by then, so their cards exist; the newest are never picked, see TriggerWorkflow)."""
        count = self.rng.randint(1, 5)
        work: list[Item] = [(AddTickets(count=count), Envelope(clients="all"))]
        ready = [p for p in self.pages if self.untriggered.get(p, 0) > 0]
        if ready and self.rng.random() < 0.5:
            page = self.rng.choice(ready)
            n = self.rng.randint(1, min(2, self.untriggered[page]))
            work.append((TriggerWorkflow(count=n), Envelope(clients=page)))
            self.untriggered[page] -= n
        for p in self.pages:
            self.untriggered[p] = self.untriggered.get(p, 0) + count
        return work


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


def soak_scenario(duration: Duration, seed: int, clients: int = 2, intensity: float = 1.0,
                  time_scale: float | None = None) -> Scenario:
    """The soak schedule for `duration` of app time on `clients` browser pages, from `seed`.

    `intensity` divides the quiet idles: 2.0 makes disruptions about twice as frequent.
    `time_scale` replaces the target's (None: the target's). Raises the first of
    `check_arguments` (a SoakArgumentError, a ValueError) for an argument out of its range.
    """
    wrong = check_arguments(duration, clients, intensity, time_scale)
    if wrong:
        raise wrong[0]
    pages = [f"b{i}" for i in range(clients)]
    schedule = _Schedule(random.Random(seed), pages, shrink_factor(duration), intensity)
    schedule.add(Expect(state="connected", within=RECOVER_WITHIN))
    schedule.add(Screenshot("soak-start"))
    schedule.fill(round(duration.seconds))
    schedule.add(Screenshot("soak-end"))
    rounds = sum(schedule.kinds.values())
    return Scenario(
        name=f"soak-{duration}-seed{seed}", file=f"<soak {duration} seed {seed}>",
        description=_description(duration, seed, clients, schedule.kinds),
        tags=TAGS, target="kanban", seed=seed, time_scale=time_scale,
        clients=tuple(ClientSpec(p, "browser") for p in pages),
        timeout=Duration(duration.seconds + rounds * (RECOVER_WITHIN.seconds + DRAIN_WITHIN.seconds) + 300.0),
        steps=tuple(schedule.nodes), checks=tuple(soak_checks(schedule.kinds)),
    )


def soak_checks(kinds: Counter[str]) -> list[Check]:
    """The soak's verdict; `close_codes` only when a graceful stop or restart gives it closes to
    judge (it skips crashes, and fails when there is nothing to judge)."""
    # the registry knows each check as a Check; its own fields are the named class's
    made = [checks.get("reconnected")(within=RECOVER_WITHIN),  # type: ignore[call-arg]
            checks.get("delivered_exactly_once")(), checks.get("no_page_errors")(),
            checks.get("server_restarts")(up_at_end=True)]  # type: ignore[call-arg]
    if kinds["restart"] or kinds["stop"]:
        made.append(checks.get("close_codes")())
    made.append(checks.get("resource_drift")())
    return made


def _description(duration: Duration, seed: int, clients: int, kinds: Counter[str]) -> str:
    mix = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kn: (-kn[1], kn[0])))
    rounds = sum(kinds.values())
    pages = f"{clients} page" + ("" if clients == 1 else "s")
    return (f"Nightly soak: {rounds} disruptions over {duration} of app time on {pages}, seed {seed} "
            f"({mix}); each followed by user work, a recovery gate and a quiet idle.")


def planned_seconds(scenario: Scenario) -> float:
    """App seconds the schedule idles in all (fault windows included): the soak's duration."""
    return sum(n.step.duration.seconds for n in scenario.steps
               if isinstance(n, StepNode) and isinstance(n.step, Idle))
