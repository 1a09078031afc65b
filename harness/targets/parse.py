"""Raw YAML data of a target file -> a typed `Target`, collecting every structural problem.

Each top-level key is parsed on its own, so one bad key never hides a problem in another.
Load-time checks of the strings themselves (placeholders, URLs, selectors, JavaScript) are in
`harness.targets.validate`, which reads the raw data and so runs even where this pass failed.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Callable, ClassVar, Literal, Mapping, Optional, TypeVar

from harness.scenario.convert import build, convert_to
from harness.scenario.yamlpos import Path_, Positions, Problem, did_you_mean, unknown_key
from harness.states import STATES
from harness.targets.model import (Action, Bugs, DomProbe, JsProbe, Ledger, Probe, ProcessSpec, Protocol, Ready, Setup,
                                   Target, Work)
from harness.targets.ops import Op, parse_op
from harness.targets.route import Route
from harness.units import TIME_SCALE_RANGE, Duration, Range

if TYPE_CHECKING:
    from typing_extensions import TypeForm

T = TypeVar("T")
#: The target's numbers that have a sane range: a time scale like a scenario's; probes read at
#: most every 10ms (each read runs in every page) and at least every 10s (else `expect` waits on
#: old values); a floor on deadlines of at most 10 minutes.
TIME_SCALE = Annotated[float, TIME_SCALE_RANGE]
PROBE_INTERVAL = Annotated[Duration, Range("10ms", "10s")]
MIN_WAIT = Annotated[Duration, Range("0ms", "10m")]
#: A workload entry's weight (relative: 3 is drawn three times as often as 1) and how many
#: times one draw runs it at most (per page for an action): a round is minutes, not a flood.
WEIGHT = Annotated[float, Range(0.01, 1000)]
WORK_COUNT = Annotated[int, Range(1, 100)]
#: One top-level key's parser: (its raw YAML value, path, positions, problems) -> typed value or None.
_Parser = Callable[[object, Path_, Positions, list[Problem]], object]

#: Keys a target file may have, in the order the docs list them.
TOP_KEYS = [f.name for f in dataclasses.fields(Target) if f.name not in ("file", "root", "fixed_ports")]
REQUIRED = [f.name for f in dataclasses.fields(Target)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]


@dataclass(frozen=True)
class _ProcessDoc:
    command: list[str]
    ready: Ready
    cwd: str = "."
    env: dict[str, object] = field(default_factory=dict)  # values are str()'d
    ready_timeout: Duration = Duration(30.0)
    stop_grace: Duration = Duration(5.0)


@dataclass(frozen=True)
class _LedgerDoc:
    url: str
    entries: str = "entries"
    type_field: str = "type"
    id_field: str = "message_id"
    keys: dict[str, object] = field(default_factory=dict)  # checked to be strings by _key_templates


@dataclass(frozen=True)
class _ProtocolDoc:
    messages: dict[str, object] = field(default_factory=dict)  # checked to be mappings by _protocol
    keys: dict[str, object] = field(default_factory=dict)
    ack_type: str = "ack"
    id_field: str = "id"
    type_field: str = "type"
    query: Optional[str] = None
    replies: dict[str, str] = field(default_factory=dict)
    client: Literal["websocket", "socketio"] = "websocket"


@dataclass(frozen=True)
class _WorkDoc:
    primary: ClassVar[str] = "weight"   # `add_ticket: 3`
    weight: WEIGHT = 1.0
    count: WORK_COUNT = 3
    on_created: bool = False
    kind: Optional[Literal["action", "message"]] = None


@dataclass(frozen=True)
class _BugsDoc:
    server: list[str] = field(default_factory=list)
    client: list[str] = field(default_factory=list)


def parse_target(data: object, pos: Positions, problems: list[Problem], path: Path) -> Optional[Target]:
    """Build the Target; append every structural problem to `problems` (None if there is any)."""
    if not isinstance(data, dict):
        problems.append(pos.problem((), f"a target file is a mapping with at least {', '.join(REQUIRED)}; got {type(data).__name__}"))
        return None
    before = len(problems)
    kwargs: dict[str, object] = {}
    for key, value in data.items():
        parser = _PARSERS.get(key)
        if parser is None:
            problems.append(pos.problem((key,), unknown_key(key, TOP_KEYS), key=True))
            continue
        kwargs[key] = parser(value, (key,), pos, problems)
    for key in REQUIRED:
        if key not in data:
            problems.append(pos.problem((), f"missing required key {key!r}"))
    if len(problems) > before:
        return None
    ports = kwargs.pop("ports", None)
    if isinstance(ports, dict):  # what _ports returned: name -> fixed port or None
        kwargs["ports"] = tuple(ports)
        kwargs["fixed_ports"] = MappingProxyType({k: v for k, v in ports.items() if v is not None})
    make: Callable[..., Target] = Target  # each key's value has its field's type: _PARSERS maps one to the other
    return make(**kwargs, file=str(path), root=path.parent.resolve())


def _scalar(tp: TypeForm[T]) -> Callable[[object, Path_, Positions, list[Problem]], T | None]:
    return lambda value, path, pos, problems: convert_to(tp, value, path, pos, problems)


def _process(value: object, path: Path_, pos: Positions, problems: list[Problem]) -> Optional[ProcessSpec]:
    if isinstance(value, dict) and isinstance(value.get("command"), str):  # the usual slip: a shell line
        words = value["command"].split() or ["python", "-m", "app"]
        problems.append(pos.problem(path + ("command",), f"expected the command as a list of its words (no shell runs "
                                                         f"it), like [{', '.join(words)}]; got {value['command']!r}"))
        return None
    doc = build(_ProcessDoc, value, path, pos, problems)
    if doc is None:
        return None
    env = MappingProxyType({str(k): str(v) for k, v in doc.env.items()})
    return ProcessSpec(tuple(doc.command), doc.ready, doc.cwd, env, doc.ready_timeout, doc.stop_grace)


def _ledger(value: object, path: Path_, pos: Positions, problems: list[Problem]) -> Optional[Ledger]:
    doc = build(_LedgerDoc, value, path, pos, problems)
    keys = _key_templates(doc.keys, path + ("keys",), pos, problems) if doc is not None else None
    if doc is None or keys is None:
        return None
    return Ledger(doc.url, doc.entries, doc.type_field, doc.id_field, MappingProxyType(keys))


def _protocol(value: object, path: Path_, pos: Positions, problems: list[Problem]) -> Optional[Protocol]:
    doc = build(_ProtocolDoc, value, path, pos, problems)
    if doc is None:
        return None
    keys = _key_templates(doc.keys, path + ("keys",), pos, problems)
    templates: dict[str, Mapping[str, object]] = {}
    for name, template in doc.messages.items():
        if isinstance(template, dict):
            templates[name] = template
        else:
            problems.append(pos.problem(path + ("messages", name), f"expected a mapping (the JSON object to send, "
                                                                   f"like {{type: ping, id: \"{{id}}\"}}), got {template!r}"))
    for name in doc.replies:
        if name not in doc.messages:
            problems.append(pos.problem(path + ("replies", name), f"`replies` names message {name!r}, which "
                                        f"`messages` does not declare{did_you_mean(name, doc.messages)}; its "
                                        f"messages: {', '.join(doc.messages) or 'none'}"))
    if keys is None or len(templates) < len(doc.messages) or any(n not in doc.messages for n in doc.replies):
        return None
    messages = MappingProxyType(copy.deepcopy(templates))
    return Protocol(messages, MappingProxyType(keys), doc.ack_type, doc.id_field, doc.type_field, doc.query,
                    MappingProxyType(dict(doc.replies)), doc.client)


def _workload(value: object, path: Path_, pos: Positions, problems: list[Problem]) -> Optional[tuple[Work, ...]]:
    """`{add_ticket: 3, trigger_workflow: {weight: 1, on_created: true}}` -> Work entries (a bare
    number is the weight); `{}` is a target that gives the soak no work to do. Whether each
    name is an action or a message is checked against the rest of the file in validate.py."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        problems.append(pos.problem(path, f"expected a mapping of action or message name -> weight (a number) or "
                                          f"{{weight, count, on_created, kind}}, like {{add_ticket: 3}}; got {value!r}"))
        return None
    out: list[Work] = []
    for name, spec in value.items():
        doc = build(_WorkDoc, spec, path + (name,), pos, problems)
        if doc is not None:
            out.append(Work(str(name), float(doc.weight), doc.count, doc.on_created, doc.kind))
    return tuple(out) if len(out) == len(value) else None


def _bugs(value: object, path: Path_, pos: Positions, problems: list[Problem]) -> Optional[Bugs]:
    doc = build(_BugsDoc, value, path, pos, problems)
    return Bugs(tuple(doc.server), tuple(doc.client)) if doc is not None else None


def _ports(value: object, path: Path_, pos: Positions, problems: list[Problem]) -> Optional[dict[str, Optional[int]]]:
    """`[server, {dev: 5173}]` -> {"server": None (picked free), "dev": 5173 (fixed)}."""
    if not isinstance(value, list):
        problems.append(pos.problem(path, f"expected a list of port names (`server`) or fixed ports (`{{dev: 5173}}`), got {value!r}"))
        return None
    out: dict[str, Optional[int]] = {}
    ok = True
    for i, item in enumerate(value):
        if isinstance(item, str):
            out[item] = None
        elif (isinstance(item, dict) and len(item) == 1 and isinstance(next(iter(item.values())), int)
              and not isinstance(next(iter(item.values())), bool) and 0 < next(iter(item.values())) < 65536):
            (name, number), = item.items()
            out[str(name)] = number
        else:
            problems.append(pos.problem(path + (i,), f"expected a port name like `server` (a free port is picked) or a fixed "
                                                     f"port like `{{dev: 5173}}` (1-65535), got {item!r}"))
            ok = False
    return out if ok else None


def _strings(value: object, path: Path_, pos: Positions, problems: list[Problem]) -> Optional[tuple[str, ...]]:
    items = convert_to(list[str], value, path, pos, problems)
    return tuple(items) if items is not None else None


def _setup(spec: object, path: Path_, pos: Positions, problems: list[Problem]) -> Optional[Setup]:
    if not isinstance(spec, dict):
        problems.append(pos.problem(path, f"expected a mapping of ops, attempts, timeout, reuse; got {spec!r}"))
        return None
    known = ["ops", "attempts", "timeout", "reuse"]
    before = len(problems)
    for key in spec:
        if key not in known:
            problems.append(pos.problem(path + (key,), unknown_key(key, known), key=True))
    ops = _op_list(spec, path, pos, problems)
    attempts = convert_to(int, spec.get("attempts", 3), path + ("attempts",), pos, problems)
    if isinstance(attempts, int) and not 1 <= attempts <= 100:
        problems.append(pos.problem(path + ("attempts",), f"expected 1 to 100 tries, got {attempts}"))
    timeout = convert_to(Duration, spec.get("timeout", "5s"), path + ("timeout",), pos, problems)
    reuse = convert_to(bool, spec.get("reuse", True), path + ("reuse",), pos, problems)
    if len(problems) > before:
        return None
    assert attempts is not None and timeout is not None and reuse is not None  # None only with a problem
    return Setup(tuple(op for op in ops if op is not None), attempts, timeout, reuse)


def _op_list(spec: dict[object, object], path: Path_, pos: Positions, problems: list[Problem]) -> list[Optional[Op]]:
    raw_ops = spec.get("ops")
    if not isinstance(raw_ops, list) or not raw_ops:
        what = "missing required key 'ops'" if "ops" not in spec else f"expected a non-empty list of operations, got {raw_ops!r}"
        problems.append(pos.problem(path + (("ops",) if "ops" in spec else ()), what))
        return []
    return [parse_op(op, path + ("ops", i), pos, problems) for i, op in enumerate(raw_ops)]


def _probes(value: object, path: Path_, pos: Positions, problems: list[Problem]) -> Optional[Mapping[str, Probe]]:
    if not isinstance(value, dict):
        problems.append(pos.problem(path, f"expected a mapping of probe name -> JS expression or {{selector, attribute}}, got {value!r}"))
        return None
    out: dict[str, Probe] = {}
    for name, probe in value.items():
        if isinstance(probe, str):
            out[str(name)] = JsProbe(probe)
        elif isinstance(probe, dict):
            dom = build(DomProbe, probe, path + (name,), pos, problems)
            if dom is not None:
                out[str(name)] = dom
        else:
            problems.append(pos.problem(path + (name,), f"expected a JS expression (a string) or a DOM probe "
                                                         f"{{selector: ..., attribute: ...}}, got {probe!r}"))
    return MappingProxyType(out) if len(out) == len(value) else None


def _actions(value: object, path: Path_, pos: Positions, problems: list[Problem]) -> Optional[Mapping[str, Action]]:
    if not isinstance(value, dict):
        problems.append(pos.problem(path, f"expected a mapping of action name -> {{ops: [...], key: ...}}, got {value!r}"))
        return None
    out: dict[str, Action] = {}
    for name, spec in value.items():
        action = _action(spec, path + (name,), pos, problems)
        if action is not None:
            out[str(name)] = action
    return MappingProxyType(out) if len(out) == len(value) else None


def _action(spec: object, path: Path_, pos: Positions, problems: list[Problem]) -> Optional[Action]:
    if not isinstance(spec, dict):
        problems.append(pos.problem(path, f"expected a mapping of ops, key; got {spec!r}"))
        return None
    before = len(problems)
    for key in spec:
        if key not in ("ops", "key"):
            problems.append(pos.problem(path + (key,), unknown_key(key, ["ops", "key"]), key=True))
    ops = _op_list(spec, path, pos, problems)
    key = convert_to(Optional[str], spec.get("key"), path + ("key",), pos, problems)
    if len(problems) > before:
        return None
    return Action(tuple(op for op in ops if op is not None), key)


def _key_templates(mapping: dict[str, object], path: Path_, pos: Positions, problems: list[Problem]) -> Optional[dict[str, str]]:
    """The key templates, or None with a problem for each one that is not a string."""
    out: dict[str, str] = {}
    for name, template in mapping.items():
        if isinstance(template, str):
            out[name] = template
        else:
            problems.append(pos.problem(path + (name,), f"expected a key template (a string like \"msg:{{title}}\"), got {template!r}"))
    return out if len(out) == len(mapping) else None


def _resources(value: object, path: Path_, pos: Positions, problems: list[Problem]) -> Optional[Mapping[str, str]]:
    """`{URL pattern: file}`: both strings (what they name is checked in `validate`)."""
    if not isinstance(value, dict):
        problems.append(pos.problem(path, "expected a mapping of URL pattern -> local file, like "
                                          f"{{\"https://cdn.example.com/lib.min.js\": vendor/lib.min.js}}, got {value!r}"))
        return None
    out = {str(k): v for k, v in value.items() if isinstance(v, str)}
    for pattern, file in value.items():
        if not isinstance(file, str):
            problems.append(pos.problem(path + (pattern,), f"expected the path of a local file (a string), got {file!r}"))
    return MappingProxyType(out) if len(out) == len(value) else None


def _states(value: object, path: Path_, pos: Positions, problems: list[Problem]) -> Optional[Mapping[str, str]]:
    """`{app's word: wschaos state}`: each value one of wschaos's states (harness/states.py)."""
    if not isinstance(value, dict):
        problems.append(pos.problem(path, "expected a mapping of the app's word -> wschaos's state, like "
                                          "{live: connected, retrying: reconnecting}, got " + repr(value)))
        return None
    bad = 0
    for word, state in value.items():
        if not isinstance(state, str) or state not in STATES:
            bad += 1
            problems.append(pos.problem(path + (word,), f"{state!r} is not a wschaos state"
                                        f"{did_you_mean(str(state), STATES)}; the states: {', '.join(STATES)}"))
    return MappingProxyType({str(k): str(v) for k, v in value.items()}) if not bad else None


_PARSERS: dict[str, _Parser] = {
    "name": _scalar(str), "server": _process, "page": _scalar(str), "websocket": _scalar(str),
    "description": _scalar(str), "time_scale": _scalar(TIME_SCALE), "min_wait": _scalar(MIN_WAIT),
    "ports": _ports, "static": _process, "snapshot": _scalar(Optional[str]), "probes": _probes,
    "probe_interval": _scalar(PROBE_INTERVAL), "health": _scalar(Optional[str]), "ledger": _ledger,
    "actions": _actions, "protocol": _protocol, "bugs": _bugs, "allow_remote": _scalar(bool),
    "upstream": _scalar(Optional[str]), "setup": _setup, "init_scripts": _strings,
    "storage_state": _scalar(Optional[str]), "seed_random": _scalar(bool), "resources": _resources,
    "route": _scalar(Route), "states": _states,
    "workload": _workload,
}
