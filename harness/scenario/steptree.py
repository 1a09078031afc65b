"""The `steps:` list of a scenario -> a tree of StepNode / Parallel / Repeat / During.

Every item is checked against the whole (draft) scenario: its step type and parameters, its
envelope (`clients`, `at`, `after`, `for`, `name`), whether `for:` can undo it, whether its
selector names real clients of the kinds it acts on. Problems are appended, never raised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional, TypeVar

from harness.registry import UnknownName
from harness.scenario.convert import build, convert_to
from harness.clients import ClientSelector, resolve_selector, selector_vocabulary
from harness.scenario.model import Scenario
from harness.scenario.yamlpos import MAX_SHOWN, Path_, Positions, Problem, did_you_mean, format_path, shown
from harness.steps.base import (ENVELOPE_KEYS, During, Envelope, Node, Parallel, Repeat, Step, StepNode,
                                steps as step_registry)
from harness.units import Duration, Range

if TYPE_CHECKING:
    from typing_extensions import TypeForm

T = TypeVar("T")

BLOCKS = ("parallel", "repeat", "during")
# the envelope's types as the loader checks them (a list is tried before a single name)
_CLIENTS = list[str] | str
_OFFSET = Annotated[Duration, Range("0ms", "24h")]
_TIMES = Annotated[int, Range(1, 10_000)]


def parse_steps(data: object, path: Path_, pos: Positions, problems: list[Problem], sc: Scenario,
                required: bool = False) -> list[Node]:
    """A list of steps -> nodes; a missing optional list is empty."""
    if data is None and not required:
        return []
    if not isinstance(data, list) or (required and not data):
        problems.append(pos.problem(path, f"expected a non-empty list of steps, got {shown(data)}"))
        return []
    nodes = []
    for i, item in enumerate(data):
        node = _step(item, path + (i,), pos, problems, sc)
        if node is not None:
            nodes.append(node)
    return nodes


def _known() -> list[str]:
    return step_registry.names() + list(BLOCKS)


def _step(item: object, path: Path_, pos: Positions, problems: list[Problem], sc: Scenario) -> Optional[Node]:
    if isinstance(item, str) and item in step_registry:
        item = {item: None}  # `- down` is `- down: {}`
    if not isinstance(item, dict):
        problems.append(pos.problem(path, f"a step is a mapping like {{idle: 5s}}; step types: {', '.join(_known())}"))
        return None
    kinds = [k for k in item if k not in ENVELOPE_KEYS]
    if len(kinds) != 1:
        what = f"several step types ({', '.join(_word(k) for k in kinds)})" if kinds else "no step type"
        problems.append(pos.problem(path, f"a step needs exactly one step type, found {what}; step types: {', '.join(_known())}"))
        return None
    kind = kinds[0]
    env = _envelope(item, path, pos, problems)
    line, where = pos.of(path)[0], format_path(path)
    if kind in BLOCKS:
        _block_envelope(kind, env, path, pos, problems)
        body, block_path = item[kind], path + (kind,)
        if kind == "parallel":
            inner = parse_steps(body, block_path, pos, problems, sc, required=True)
            return Parallel(tuple(inner), env or Envelope(), where, line)
        if kind == "repeat":
            return _repeat(body, block_path, pos, problems, sc, env or Envelope(), where, line)
        return _during(body, block_path, pos, problems, sc, env or Envelope(), where, line)
    return _leaf(kind, item[kind], env, path, pos, problems, sc)


def _leaf(kind: object, params: object, env: Optional[Envelope], path: Path_, pos: Positions,
          problems: list[Problem], sc: Scenario) -> Optional[StepNode]:
    try:
        cls = step_registry.get(str(kind))
    except UnknownName as exc:
        problems.append(pos.problem(path + (kind,), str(exc), key=True))
        return None
    step = build(cls, params, path + (kind,), pos, problems)
    if step is None or env is None:
        return None
    _cross_check(step, env, path, pos, problems, sc)
    return StepNode(step, env, format_path(path), pos.of(path)[0])


def _block_envelope(kind: str, env: Optional[Envelope], path: Path_, pos: Positions, problems: list[Problem]) -> None:
    if env is None:
        return
    for key, value in (("for", env.for_), ("clients", env.clients), ("name", env.name)):
        if value is not None:
            inside = "the fault inside" if kind == "during" and key != "for" else "the steps inside"
            problems.append(pos.problem(path + (key,), f"'{key}' does not apply to a {kind} block; put it on {inside}", key=True))


def _envelope(item: dict[str, object], path: Path_, pos: Positions, problems: list[Problem]) -> Envelope | None:
    before = len(problems)

    def given(key: str, tp: TypeForm[T]) -> T | None:
        return convert_to(tp, item[key], path + (key,), pos, problems) if key in item else None

    env = Envelope(clients=given("clients", _CLIENTS), at=given("at", _OFFSET), after=given("after", _OFFSET),
                   for_=given("for", Duration), name=given("name", str))
    return env if len(problems) == before else None


def _repeat(data: object, path: Path_, pos: Positions, problems: list[Problem], sc: Scenario,
            env: Envelope, where: str, line: int) -> Optional[Repeat]:
    if not isinstance(data, dict) or set(data) - {"times", "steps"} or "steps" not in data:
        problems.append(pos.problem(path, "repeat takes {times: N, steps: [...]}"))
        return None
    times = convert_to(_TIMES, data.get("times", 1), path + ("times",), pos, problems)
    inner = parse_steps(data["steps"], path + ("steps",), pos, problems, sc, required=True)
    return Repeat(times or 1, tuple(inner), env, where, line)


def holdable() -> str:
    """The steps a `during:` block can hold, with the actions of those that are only partly undoable."""
    out = []
    for name in step_registry.names():
        cls = step_registry.get(name)
        if cls.revertible:
            actions = cls.undoable_actions
            out.append(f"{name} ({', '.join(actions)})" if actions else name)
    return ", ".join(out)


def _during(data: object, path: Path_, pos: Positions, problems: list[Problem], sc: Scenario,
            env: Envelope, where: str, line: int) -> Optional[During]:
    """`during: {<fault>: {...}, clients: b0, steps: [...]}`: the fault holds while the steps run."""
    if not isinstance(data, dict):
        problems.append(pos.problem(path, f"during takes a fault and the steps it holds for, like "
                                          f"{{down: {{}}, clients: b0, steps: [...]}}; got {shown(data)}"))
        return None
    if "steps" not in data:
        problems.append(pos.problem(path, "during needs `steps:`, the steps to run while the fault holds "
                                          "(the fault is undone when they end)"))
    for key in ("for", "at", "after"):
        if key in data:
            why = ("the fault holds exactly as long as the steps; remove it" if key == "for"
                   else "put it next to `during:` to delay the whole block")
            problems.append(pos.problem(path + (key,), f"'{key}' does not apply inside during: {why}", key=True))
    fault = _held_fault(data, path, pos, problems, sc)
    inner = parse_steps(data.get("steps"), path + ("steps",), pos, problems, sc, required=True) if "steps" in data else []
    if fault is None:
        return None
    return During(fault, tuple(inner), env, where, line)


def _held_fault(data: dict[str, object], path: Path_, pos: Positions, problems: list[Problem], sc: Scenario) -> Optional[StepNode]:
    kinds = [k for k in data if k not in ENVELOPE_KEYS and k != "steps"]
    if len(kinds) != 1:
        what = f"several ({', '.join(_word(k) for k in kinds)})" if kinds else "none"
        problems.append(pos.problem(path, f"during holds exactly one fault, found {what}; faults that can be undone: {holdable()}"))
        return None
    kind = kinds[0]
    cls = step_registry.get(kind) if kind in step_registry else None
    if cls is None or kind in BLOCKS:
        hint = "" if kind in BLOCKS else did_you_mean(kind, _known())
        problems.append(pos.problem(path + (kind,), f"{shown(kind)} cannot be held during steps{hint}; "
                                                    f"only faults that can be undone: {holdable()}", key=True))
        return None
    if not cls.revertible:
        problems.append(pos.problem(path + (kind,), f"{kind!r} cannot be held during steps; only faults that "
                                                    f"can be undone: {holdable()}", key=True))
        return None
    own = {k: v for k, v in data.items() if k in ("clients", "name") or k == kind}
    env = _envelope(own, path, pos, problems)
    node = _leaf(kind, data[kind], env, path, pos, problems, sc)
    if node is not None and not node.step.undoable():
        problems.append(pos.problem(path + (kind,), f"{kind} {shown(node.step.action_word() or '')} cannot be "
                                                    f"held during steps: it cannot be undone; holdable: {holdable()}"))
        return None
    return node


def _word(key: object) -> str:
    """A key as written, cut like any quoted value."""
    text = str(key)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"




def _cross_check(step: Step, env: Envelope, path: Path_, pos: Positions, problems: list[Problem], sc: Scenario) -> None:
    name = step.registered_name
    if env.for_ is not None and not step.revertible:
        problems.append(pos.problem(path + ("for",), f"'for' only applies to steps that can be undone; {name!r} cannot", key=True))
    if env.clients is not None:
        if not step.client_kinds:
            problems.append(pos.problem(path + ("clients",), f"{name!r} does not act on clients; remove 'clients'", key=True))
        else:
            check_selector(env.clients, step.client_kinds, f"which {name!r} needs", path + ("clients",), pos, problems, sc)
    elif step.client_kinds and not sc.resolve(step.default_clients, step.client_kinds):
        kinds = " or ".join(step.client_kinds)
        problems.append(pos.problem(path, f"{name!r} acts on {kinds} clients, but the scenario declares none"))
    for message in step.validate(env):
        problems.append(pos.problem(path + (name,), message))


def check_selector(selector: ClientSelector, kinds: tuple[str, ...], needs: str, path: Path_, pos: Positions,
                   problems: list[Problem], sc: Scenario) -> bool:
    """A selector must use only known words and pick at least one client (of `kinds`, if given)."""
    words = [selector] if isinstance(selector, str) else list(selector)
    valid = selector_vocabulary(sc.clients)
    for w in words:
        if w not in valid:
            problems.append(pos.problem(path, f"unknown client or group {shown(w)}{did_you_mean(w, valid)}; "
                                              f"known: {', '.join(valid)}"))
            return False
    if not resolve_selector(sc.clients, selector, kinds):
        what = f"no {' or '.join(kinds)} client" if kinds else "no client of this scenario"
        problems.append(pos.problem(path, f"{shown(selector)} selects {what}{', ' + needs if needs else ''}"))
        return False
    return True
