"""The soak schedule: rounds of a seeded disruption, the target's own work, a gate and a quiet idle.

`soak_plan(target, duration, seed)` fills `duration` of app time with rounds. Each round is one
disruption from the part of the fault catalogue the target supports (`faults.catalogue`), on every
page or on one; the work the target declares (`work.WorkDraw`) while it lasts; the recovery gate
(`invariants.gates`); the protocol client's messages; a quiet idle of seeded length. Only
`random.Random(seed)` decides, so the same target, seed and duration give the same scenario.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field

from harness.clients import ClientSpec
from harness.events import JSONObject
from harness.scenario.model import Scenario
from harness.soak import faults
from harness.soak.faults import Disruption, Item
from harness.soak.invariants import DRAIN_WITHIN, RECOVER_WITHIN, Invariants, dead_link_within, gates, invariants
from harness.soak.work import PROTOCOL_CLIENT, WorkDraw, describe, sends_messages
from harness.steps.base import During, Envelope, Node, Step, StepNode
from harness.steps.browser import Screenshot
from harness.steps.expect import Expect
from harness.steps.timing import Idle
from harness.targets.model import Target
from harness.units import Duration

TAGS = ("soak", "nightly")


@dataclass(frozen=True)
class Round:
    """One round as the report lists it: its disruption, its work, and its steps `soak[first..last]`."""

    number: int
    kind: str
    label: str
    first: int
    last: int
    work: tuple[str, ...]

    def to_json(self) -> JSONObject:
        return {"round": self.number, "kind": self.kind, "label": self.label, "first": self.first,
                "last": self.last, "work": list(self.work)}


@dataclass(frozen=True)
class SoakPlan:
    """The soak scenario and what the report needs to read it by round."""

    scenario: Scenario
    rounds: tuple[Round, ...]
    invariants: Invariants
    workload: str
    faults_left_out: tuple[str, ...]

    def to_json(self) -> JSONObject:
        """`soak.json` next to the journal: the night's rounds, invariants and workload."""
        return {"scenario": self.scenario.name, "seed": self.scenario.seed, "target": self.scenario.target,
                "rounds": [r.to_json() for r in self.rounds], "held": list(self.invariants.held),
                "skipped": list(self.invariants.skipped), "workload": self.workload,
                "faults_left_out": list(self.faults_left_out)}


def capabilities(target: Target) -> frozenset[str]:
    """What the target offers the fault catalogue: `server` (a server process wschaos starts and
    signals: every target declares one today) and `pages` (the soak always opens browser pages)."""
    return frozenset({"server", "pages"})


@dataclass
class _Schedule:
    """Builds the step nodes round by round."""

    rng: random.Random
    pages: list[str]
    shrink: float
    intensity: float
    draws: dict[str, faults.Draw]
    floors: faults.Floors
    work: WorkDraw
    gates: tuple[Expect, ...]
    nodes: list[Node] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    rounds: list[Round] = field(default_factory=list)

    def add(self, step: Step, env: Envelope = Envelope()) -> None:
        self.nodes.append(StepNode(step, env, f"soak[{len(self.nodes)}]"))

    def add_held(self, faults: tuple[Item, ...], label: str, inner: list[Item]) -> None:
        """`faults` held (`during:`, the first outermost, labelled) while `inner` runs."""
        path = f"soak[{len(self.nodes)}]"
        self.nodes.append(_during(faults, label, inner, path))

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

    def last_work(self) -> None:
        """The night ends with work done on a calm app and its gate, so the last server start
        (after which a server that keeps no data still remembers) always has work to judge."""
        page_work, messages = self.work.draw()
        if not page_work and not messages:
            return
        for w_step, w_env in messages + page_work:
            self.add(w_step, w_env)
        for gate in self.gates:
            self.add(gate)

    def _pick(self) -> Disruption:
        kind = self.rng.choice(sorted(self.draws))
        who = "browsers" if len(self.pages) == 1 or self.rng.random() < 0.5 else self.rng.choice(self.pages)
        return self.draws[kind](self.rng, who, self.shrink, self.floors)

    def _round(self, disruption: Disruption, quiet: int) -> None:
        first = len(self.nodes)
        self.kinds[disruption.kind] += 1
        page_work, messages = self.work.draw()
        for w_step, w_env in messages:  # on a calm app: the last round's gate passed
            self.add(w_step, w_env)
        if not disruption.window_s:  # instantaneous (a restart): the work comes after it
            for step, env in disruption.items:
                self.add(step, Envelope(env.clients, name=disruption.label))
            for w_step, w_env in page_work:
                self.add(w_step, w_env)
        else:  # held while the work (if the pages can work) and the window's idle run
            inner = list(page_work) if disruption.work_during else []
            inner.append((Idle(Duration(float(disruption.window_s))), Envelope()))
            self.add_held(disruption.items, disruption.label, inner)
            if not disruption.work_during:  # a frozen page: its work once it is awake and connected
                self.add(self.gates[0])
                for w_step, w_env in page_work:
                    self.add(w_step, w_env)
        for gate in self.gates:
            self.add(gate)
        self.add(Idle(Duration(float(quiet))))
        work = tuple(s.summary(e) for s, e in page_work + messages)
        self.rounds.append(Round(len(self.rounds) + 1, disruption.kind, disruption.label, first,
                                 len(self.nodes) - 1, work))


def _during(faults: tuple[Item, ...], label: str, inner: list[Item], path: str) -> During:
    """A `during:` block holding the first fault around the rest (nested) around `inner`."""
    (step, env), rest = faults[0], faults[1:]
    fault = StepNode(step, Envelope(env.clients, name=label if path.count(".") == 0 else None), f"{path}.during")
    steps: list[Node]
    if rest:
        steps = [_during(rest, label, inner, f"{path}.during.steps[0]")]
    else:
        steps = [StepNode(s, e, f"{path}.during.steps[{j}]") for j, (s, e) in enumerate(inner)]
    return During(fault, tuple(steps), Envelope(), path)


def soak_plan(target: Target, duration: Duration, seed: int, clients: int, intensity: float,
              time_scale: float | None, shrink: float, target_ref: str) -> SoakPlan:
    """The soak for `duration` of app time on `clients` pages of `target`, from `seed` (arguments
    checked by the caller). `target_ref` is how the scenario names its target (a name or a path)."""
    pages = [f"b{i}" for i in range(clients)]
    rng = random.Random(seed)
    caps = capabilities(target)
    dead_link_s = dead_link_within(target, time_scale)
    schedule = _Schedule(rng, pages, shrink, intensity, faults.catalogue(caps),
                         faults.Floors(blackhole_s=math.ceil(dead_link_s * 1.5)), WorkDraw(rng, target, pages),
                         gates(target))
    schedule.add(Expect(state="connected", within=RECOVER_WITHIN))
    schedule.add(Screenshot("soak-start"))
    schedule.fill(round(duration.seconds))
    schedule.last_work()
    schedule.add(Screenshot("soak-end"))
    held = invariants(target, schedule.kinds, schedule.work.counts, dead_link_s, duration)
    specs = [ClientSpec(p, "browser") for p in pages]
    if sends_messages(target):
        specs.append(ClientSpec(PROTOCOL_CLIENT, "protocol"))
    rounds = sum(schedule.kinds.values())
    scenario = Scenario(
        name=f"soak-{duration}-seed{seed}", file=f"<soak {duration} seed {seed}>",
        description=_description(target, duration, seed, clients, schedule.kinds, held),
        tags=TAGS, target=target_ref, seed=seed, time_scale=time_scale, clients=tuple(specs),
        timeout=Duration(duration.seconds + rounds * (RECOVER_WITHIN.seconds + DRAIN_WITHIN.seconds) + 300.0),
        steps=tuple(schedule.nodes), checks=held.checks)
    return SoakPlan(scenario, tuple(schedule.rounds), held, describe(target), tuple(faults.left_out(caps)))


def _description(target: Target, duration: Duration, seed: int, clients: int, kinds: Counter[str],
                 held: Invariants) -> str:
    mix = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kn: (-kn[1], kn[0])))
    rounds = sum(kinds.values())
    pages = f"{clients} page" + ("" if clients == 1 else "s")
    skipped = f" Not checked: {'; '.join(held.skipped)}." if held.skipped else ""
    return (f"Nightly soak of {target.name}: {rounds} disruptions over {duration} of app time on {pages}, seed "
            f"{seed} ({mix}); each followed by the target's own work, a recovery gate and a quiet idle.{skipped}")
