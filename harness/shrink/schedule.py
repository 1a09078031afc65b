"""A failed run's schedule as items with absolute times, and any subset of them as a scenario.

    items = schedule_items(scenario, events)            # the top-level steps that ran, with when
    candidate = candidate_scenario(source, items)       # an ordinary Scenario: `at:` on every step

Each top-level step of the run (a step, or a `parallel`/`repeat`/`during` block) is one item
with the app time it started at, measured in the journal. An `idle` or a `screenshot` is not
an item: with every step at its own `at:`, the waiting is in the times, and a picture changes
nothing. A candidate keeps its items' times relative to each other: dropping an item moves no
other, and the whole candidate starts with its first item (`at: 0s`). Each candidate ends with a
closing gate (every page connected, and its queue drained if the target shows one), so that
checks judge an app that had its chance to recover, never one cut off in the middle of a fault.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Sequence

from harness.checks.base import Check
from harness.journal import Event, of_kind
from harness.scenario.dump import node_doc
from harness.scenario.model import Scenario
from harness.steps.base import During, Envelope, Node, Parallel, Repeat, Step, StepNode
from harness.steps.expect import Expect
from harness.units import Duration

#: Steps that are not items of the schedule (module docstring).
NOT_ITEMS = ("idle", "screenshot")
#: The closing gate's deadline: the soak's own recovery deadline.
CLOSING_WITHIN = Duration(120.0)
#: A candidate may run this long past its last item's time (the closing gate, teardown).
TIMEOUT_MARGIN_S = 600.0


@dataclass(frozen=True)
class Item:
    """One top-level step of the schedule: its node and the app time it started at. Equal items
    are the same step with the same parameters (`key`)."""

    index: int                 # its position in the original schedule
    at_s: float                # app seconds after the original steps began
    node: Node = field(compare=False, hash=False)
    key: str = ""

    @staticmethod
    def of(index: int, at_s: float, node: Node) -> "Item":
        return Item(index, round(at_s, 3), node, repr(node_doc(node)))

    def label(self) -> str:
        """The step as the report lists it: `at 37.5s: down on b1, for 9s`."""
        return f"at {_time(self.at_s)}: {_summary(self.node)}"


def _time(seconds: float) -> str:
    return "0s" if seconds <= 0 else str(Duration(seconds))


def _summary(node: Node) -> str:
    if isinstance(node, StepNode):
        return node.env.name or node.step.summary(node.env) + (f", for {node.env.for_}" if node.env.for_ else "")
    if isinstance(node, Parallel):
        return " + ".join(_summary(n) for n in node.steps)
    if isinstance(node, Repeat):
        return f"repeat {node.times}x ({'; '.join(_summary(n) for n in node.steps)})"
    return f"during {_summary(node.fault)} ({'; '.join(_summary(n) for n in node.steps)})"


_TOP = re.compile(r"^[^.\[]*\[(\d+)\]")


def started_at(events: Sequence[Event]) -> dict[int, float]:
    """When each top-level step first started (a block: its first inner step), by its position:
    `steps[3]`, `soak[3]` and `steps[3].during` are all the fourth."""
    first: dict[int, float] = {}
    for e in of_kind(events, "step.start"):
        found = _TOP.match(str(e.get("path", "")))
        if found:
            first.setdefault(int(found.group(1)), float(e["t"]))
    return first


def schedule_items(scenario: Scenario, events: Sequence[Event], time_scale: float) -> list[Item]:
    """The top-level steps of `scenario` that started in the run `events` recorded, as items."""
    starts = started_at(events)
    if not starts:
        return []
    t0 = min(starts.values())
    items = []
    for index, node in enumerate(scenario.steps):
        t = starts.get(index)
        if t is None or (isinstance(node, StepNode) and node.step.registered_name in NOT_ITEMS):
            continue
        items.append(Item.of(index, (t - t0) / time_scale, node))
    return items


def closing_gate(has_pages: bool, queue_probe: bool) -> tuple[Expect, ...]:
    """The gate every candidate ends with (module docstring); none without browser pages."""
    if not has_pages:
        return ()
    return (Expect(state="connected", queue_length=0 if queue_probe else None, within=CLOSING_WITHIN),)


def candidate_scenario(source: Scenario, items: Sequence[Item], name: str, checks: Sequence[Check],
                       closing: Sequence[Expect], description: str = "") -> Scenario:
    """`items` as an ordinary scenario of `source`'s target, clients and seed: each at its time
    relative to the first, then the closing gate; only `checks` are judged."""
    t0 = items[0].at_s if items else 0.0
    nodes: list[Node] = [_placed(item.node, item.at_s - t0, f"steps[{i}]") for i, item in enumerate(items)]
    nodes += [StepNode(gate, Envelope(), f"steps[{len(nodes) + j}]") for j, gate in enumerate(closing)]
    last = max((item.at_s - t0 for item in items), default=0.0)
    used = {c for n in nodes for c in _clients_of(n)} | {c for check in checks for c in _selector(check)}
    known = {c.name for c in source.clients} | {"browsers"}
    everyone = "protocol" in used or "all" in used or bool(used - known)  # a group, or every client
    clients = tuple(c for c in source.clients if c.kind == "browser" or c.name in used or everyone)
    return dataclasses.replace(
        source, name=name, file=f"<shrink of {source.name}>", description=description, tags=("shrunk",),
        clients=clients, steps=tuple(nodes), checks=tuple(checks), profiles={}, thresholds=(),
        timeout=Duration(round(last * 2 + TIMEOUT_MARGIN_S)))


def _placed(node: Node, at_s: float, path: str) -> Node:
    """`node` at `at_s` app seconds (its own `at`/`after` replaced), renamed `path`. Labels
    (`name:`) are left out: a shortened fault would keep a label that no longer says what it does."""
    env = dataclasses.replace(node.env, at=Duration(round(at_s, 3)), after=None, name=None)
    if isinstance(node, During):
        node = dataclasses.replace(node, fault=dataclasses.replace(node.fault, env=dataclasses.replace(
            node.fault.env, name=None)))
    return dataclasses.replace(node, env=env, path=path, line=0)


def _clients_of(node: Node) -> list[str]:
    """The client selectors a node uses (a protocol client no step uses is left out)."""
    if isinstance(node, StepNode):
        who = node.env.clients
        if who is None:
            return ["protocol"] if "protocol" in node.step.client_kinds else []
        return [who] if isinstance(who, str) else list(who)
    inner = list(node.steps) + ([node.fault] if isinstance(node, During) else [])
    return [c for n in inner for c in _clients_of(n)]


def _selector(check: Check) -> list[str]:
    """The clients a check's `clients:` names (`all` judges whichever clients there are)."""
    who = getattr(check, "clients", None)  # checks that judge clients have the field, others do not
    names = [who] if isinstance(who, str) else [str(w) for w in who or ()]
    return [n for n in names if n != "all"]


def smaller(item: Item) -> list[Item]:
    """Smaller variants of an item, each one change: its `for:` window halved (down to 1s of app
    time), its count halved (down to 1), its latency halved (down to 50ms); for a held fault
    (`during:`), one of the steps it holds left out, or made smaller the same ways."""
    return [Item.of(item.index, item.at_s, node) for node in _variants(item.node)]


def _variants(node: Node) -> list[Node]:
    if isinstance(node, During):
        return _held_variants(node)
    return [changed for make in (_half_window, _half_count, _half_latency, _half_idle)
            if (changed := make(node)) is not None]


def _held_variants(node: During) -> list[Node]:
    """A `during:` block with one held step left out, or one made smaller; its fault made smaller."""
    out: list[Node] = []
    inner = list(node.steps)
    if len(inner) > 1:
        out += [dataclasses.replace(node, steps=tuple(inner[:j] + inner[j + 1:])) for j in range(len(inner))]
    for j, step in enumerate(inner):
        out += [dataclasses.replace(node, steps=tuple(inner[:j] + [v] + inner[j + 1:])) for v in _variants(step)]
    out += [dataclasses.replace(node, fault=v) for v in _variants(node.fault) if isinstance(v, StepNode)]
    return out


def _half_idle(node: Node) -> Node | None:
    if not isinstance(node, StepNode) or node.step.registered_name != "idle":
        return None
    seconds = getattr(node.step, "duration").seconds  # an idle's one parameter
    if seconds < 2:
        return None
    return dataclasses.replace(node, step=_with(node.step, duration=Duration(float(max(1, round(seconds / 2))))))


def _half_window(node: Node) -> Node | None:
    def half(env: Envelope) -> Envelope | None:
        if env.for_ is None or env.for_.seconds < 2:
            return None
        return dataclasses.replace(env, for_=Duration(float(max(1, round(env.for_.seconds / 2)))))
    if isinstance(node, StepNode):
        env = half(node.env)
        return None if env is None else dataclasses.replace(node, env=env)
    if isinstance(node, Parallel):  # the faults of a block last as long as each other
        inner = [(n, half(n.env)) for n in node.steps]
        if not any(e is not None for _, e in inner):
            return None
        return dataclasses.replace(node, steps=tuple(dataclasses.replace(n, env=e) if e is not None else n
                                                     for n, e in inner))
    return None


def _half_count(node: Node) -> Node | None:
    if not isinstance(node, StepNode) or not isinstance(getattr(node.step, "count", None), int):
        return None
    count: int = getattr(node.step, "count")  # steps that repeat their work have a whole-number count
    if count < 2:
        return None
    return dataclasses.replace(node, step=_with(node.step, count=count // 2))


def _half_latency(node: Node) -> Node | None:
    latency = getattr(node.step, "latency", None) if isinstance(node, StepNode) else None
    if not isinstance(latency, Duration) or latency.seconds < 0.1:
        return None
    assert isinstance(node, StepNode)
    return dataclasses.replace(node, step=_with(node.step, latency=Duration(round(latency.seconds / 2, 3))))


def _with(step: Step, **changes: object) -> Step:
    """The step with some of its parameters changed (steps are frozen dataclasses)."""
    changed: Step = dataclasses.replace(step, **changes)  # type: ignore[type-var]  # every Step is a dataclass
    return changed
