"""scenario.yaml -> validated `Scenario`, reporting every problem of the file at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from harness.checks.base import checks as check_registry
from harness.errors import InvalidInput
from harness.registry import UnknownName
from harness.scenario.convert import build, convert
from harness.scenario.model import ClientSpec, Profile, Scenario
from harness.scenario.yamlpos import Path_, Positions, Problem, format_path, load_with_positions, yaml_error_problem
from harness.steps.base import ENVELOPE_KEYS, Envelope, Parallel, Repeat, StepNode, steps as step_registry
from harness.units import Duration

TOP_KEYS = ["name", "description", "tags", "target", "seed", "timeout", "time_scale",
            "clients", "steps", "checks", "profiles"]


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate one scenario file; raise InvalidInput listing every problem."""
    import harness.checks  # noqa: F401  (registers every check)
    import harness.steps  # noqa: F401  (registers every step)

    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput([Problem(file, 1, 1, "", f"cannot read file: {exc.strerror}")]) from None
    try:
        data, pos = load_with_positions(text, file)
    except yaml.YAMLError as exc:
        raise InvalidInput([yaml_error_problem(exc, file)]) from None
    problems: list[Problem] = []
    scenario = _scenario(data, pos, problems, Path(path))
    if problems or scenario is None:
        raise InvalidInput(sorted(problems, key=lambda p: (p.line, p.col)))
    return scenario


def _scenario(data: Any, pos: Positions, problems: list[Problem], path: Path) -> Scenario | None:
    if not isinstance(data, dict):
        problems.append(pos.problem((), f"a scenario is a mapping with keys {', '.join(TOP_KEYS)}"))
        return None
    for key in data:
        if key not in TOP_KEYS:
            problems.append(pos.problem((key,), _unknown(key, TOP_KEYS), key=True))
    meta = _metadata(data, pos, problems, path)
    clients = _clients(data.get("clients", {"browsers": 1}), pos, problems)
    draft = Scenario(clients=tuple(clients), file=str(path), **meta)
    nodes = _steps(data.get("steps"), ("steps",), pos, problems, draft, required=True)
    checks = _checks(data.get("checks", []), pos, problems)
    profiles = _profiles(data.get("profiles", {}), pos, problems)
    return Scenario(clients=tuple(clients), steps=tuple(nodes), checks=tuple(checks),
                    profiles=profiles, file=str(path), **meta)


def _unknown(key: Any, known: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(str(key), known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key {key!r}{hint}; allowed: {', '.join(known)}"


def _metadata(data: dict, pos: Positions, problems: list[Problem], path: Path) -> dict[str, Any]:
    types_ = {"name": str, "description": str, "tags": list[str], "target": str,
              "seed": int, "timeout": Duration, "time_scale": float}
    meta: dict[str, Any] = {}
    for key, tp in types_.items():
        if key in data:
            value = convert(tp, data[key], (key,), pos, problems)
            if value is not None:
                meta[key] = tuple(value) if key == "tags" else value
    meta.setdefault("name", path.stem)
    if meta.get("time_scale") is not None and meta["time_scale"] <= 0:
        problems.append(pos.problem(("time_scale",), f"expected a number above 0, got {meta['time_scale']!r}"))
    return meta


def _clients(data: Any, pos: Positions, problems: list[Problem]) -> list[ClientSpec]:
    if isinstance(data, list):
        return _client_list(data, pos, problems)
    if not isinstance(data, dict):
        problems.append(pos.problem(("clients",), f"expected a mapping like {{browsers: 2, protocol: 10}} or a list of clients, got {data!r}"))
        return []
    allowed = ["browsers", "protocol", "groups"]
    for key in data:
        if key not in allowed:
            problems.append(pos.problem(("clients", key), _unknown(key, allowed), key=True))
    counts = {k: convert(int, data.get(k, 0), ("clients", k), pos, problems) or 0 for k in ("browsers", "protocol")}
    groups = convert(dict[str, Any], data.get("groups", {}), ("clients", "groups"), pos, problems) or {}
    specs = [ClientSpec(f"b{i}", "browser") for i in range(counts["browsers"])]
    specs += [ClientSpec(f"p{i}", "protocol") for i in range(counts["protocol"])]
    return _with_groups(specs, groups, pos, problems)


def _with_groups(specs: list[ClientSpec], groups: dict, pos: Positions, problems: list[Problem]) -> list[ClientSpec]:
    names = [s.name for s in specs]
    member_of: dict[str, list[str]] = {n: [] for n in names}
    for group, members in groups.items():
        members = convert(list[str], members, ("clients", "groups", group), pos, problems) or []
        for m in members:
            if m not in member_of:
                problems.append(pos.problem(("clients", "groups", group), f"unknown client {m!r}; clients are: {', '.join(names)}"))
            else:
                member_of[m].append(group)
    return [ClientSpec(s.name, s.kind, tuple(member_of[s.name])) for s in specs]


@dataclass(frozen=True)
class _ClientEntry:
    name: str
    kind: Literal["browser", "protocol"] = "browser"
    groups: list[str] = field(default_factory=list)


def _client_list(data: list, pos: Positions, problems: list[Problem]) -> list[ClientSpec]:
    specs, seen = [], set()
    for i, item in enumerate(data):
        spec = build(_ClientEntry, item, ("clients", i), pos, problems)
        if spec is None:
            continue
        if spec.name in seen:
            problems.append(pos.problem(("clients", i, "name"), f"duplicate client name {spec.name!r}"))
        seen.add(spec.name)
        specs.append(ClientSpec(spec.name, spec.kind, tuple(spec.groups)))
    return specs


def _steps(data: Any, path: Path_, pos: Positions, problems: list[Problem], sc: Scenario, required: bool = False) -> list:
    if data is None and not required:
        return []
    if not isinstance(data, list) or (required and not data):
        problems.append(pos.problem(path, f"expected a non-empty list of steps, got {data!r}"))
        return []
    nodes = []
    for i, item in enumerate(data):
        node = _step(item, path + (i,), pos, problems, sc)
        if node is not None:
            nodes.append(node)
    return nodes


def _step(item: Any, path: Path_, pos: Positions, problems: list[Problem], sc: Scenario):
    known = step_registry.names() + ["parallel", "repeat"]
    if isinstance(item, str) and item in step_registry:
        item = {item: None}  # `- down` is `- down: {}`
    if not isinstance(item, dict):
        problems.append(pos.problem(path, f"a step is a mapping like {{idle: 5s}}; step types: {', '.join(known)}"))
        return None
    kinds = [k for k in item if k not in ENVELOPE_KEYS]
    if len(kinds) != 1:
        what = f"several step types ({', '.join(map(str, kinds))})" if kinds else "no step type"
        problems.append(pos.problem(path, f"a step needs exactly one step type, found {what}; step types: {', '.join(known)}"))
        return None
    kind = kinds[0]
    env = _envelope(item, path, pos, problems)
    line = pos.of(path)[0]
    where = format_path(path)
    if kind in ("parallel", "repeat") and env is not None:
        for key, value in (("for", env.for_), ("clients", env.clients), ("name", env.name)):
            if value is not None:
                problems.append(pos.problem(path + (key,), f"'{key}' does not apply to a {kind} block; put it on the steps inside", key=True))
    if kind == "parallel":
        inner = _steps(item[kind], path + (kind,), pos, problems, sc, required=True)
        return Parallel(tuple(inner), env or Envelope(), where, line)
    if kind == "repeat":
        return _repeat(item[kind], path + (kind,), pos, problems, sc, env, where, line)
    try:
        cls = step_registry.get(kind)
    except UnknownName as exc:
        problems.append(pos.problem(path + (kind,), str(exc), key=True))
        return None
    step = build(cls, item[kind], path + (kind,), pos, problems)
    if step is None or env is None:
        return None
    _cross_check(step, env, path, pos, problems, sc)
    return StepNode(step, env, where, line)


def _envelope(item: dict, path: Path_, pos: Positions, problems: list[Problem]) -> Envelope | None:
    fields = {ENVELOPE_KEYS[k]: v for k, v in item.items() if k in ENVELOPE_KEYS}
    before = len(problems)
    out: dict[str, Any] = {}
    for key, value in fields.items():
        tp = {"clients": list[str] | str, "name": str}.get(key, Duration)
        out[key] = convert(tp, value, path + ({"for_": "for"}.get(key, key),), pos, problems)
    return Envelope(**out) if len(problems) == before else None


def _repeat(data: Any, path: Path_, pos: Positions, problems: list[Problem], sc: Scenario, env, where: str, line: int):
    if not isinstance(data, dict) or set(data) - {"times", "steps"} or "steps" not in data:
        problems.append(pos.problem(path, "repeat takes {times: N, steps: [...]}"))
        return None
    times = convert(int, data.get("times", 1), path + ("times",), pos, problems)
    inner = _steps(data["steps"], path + ("steps",), pos, problems, sc, required=True)
    if times is not None and times < 1:
        problems.append(pos.problem(path + ("times",), f"expected a whole number of at least 1, got {times}"))
    return Repeat(times or 1, tuple(inner), env or Envelope(), where, line)


def _cross_check(step, env: Envelope, path: Path_, pos: Positions, problems: list[Problem], sc: Scenario) -> None:
    name = step.registered_name
    if env.for_ is not None and not step.revertible:
        problems.append(pos.problem(path + ("for",), f"'for' only applies to steps that can be undone; {name!r} cannot", key=True))
    if env.clients is not None:
        if not step.client_kinds:
            problems.append(pos.problem(path + ("clients",), f"{name!r} does not act on clients; remove 'clients'", key=True))
        else:
            _check_selector(env.clients, step, path, pos, problems, sc)
    elif step.client_kinds and not sc.resolve(step.default_clients, step.client_kinds):
        kinds = " or ".join(step.client_kinds)
        problems.append(pos.problem(path, f"{name!r} acts on {kinds} clients, but the scenario declares none"))
    for message in step.validate(sc, env):
        problems.append(pos.problem(path + (name,), message))


def _check_selector(selector: Any, step, path: Path_, pos: Positions, problems: list[Problem], sc: Scenario) -> None:
    words = [selector] if isinstance(selector, str) else list(selector)
    valid = sc.selector_words()
    for w in words:
        if w not in valid:
            problems.append(pos.problem(path + ("clients",), f"unknown client or group {w!r}; known: {', '.join(valid)}"))
            return
    if not sc.resolve(selector, step.client_kinds):
        kinds = " or ".join(step.client_kinds)
        problems.append(pos.problem(path + ("clients",), f"{selector!r} selects no {kinds} client, which {step.registered_name!r} needs"))


def _checks(data: Any, pos: Positions, problems: list[Problem]) -> list:
    if not isinstance(data, list):
        problems.append(pos.problem(("checks",), f"expected a list like [reconnected: {{within: 20s}}], got {data!r}"))
        return []
    out = []
    for i, item in enumerate(data):
        name, params = _check_item(item)
        if name is None:
            problems.append(pos.problem(("checks", i), f"a check is a name or {{name: {{params}}}}; checks: {', '.join(check_registry.names())}"))
            continue
        try:
            cls = check_registry.get(name)
        except UnknownName as exc:
            problems.append(pos.problem(("checks", i, name) if isinstance(item, dict) else ("checks", i), str(exc), key=True))
            continue
        check = build(cls, params, ("checks", i, name), pos, problems)
        if check is not None:
            out.append(check)
    return out


def _check_item(item: Any) -> tuple[Any, Any]:
    if isinstance(item, str):
        return item, {}
    if isinstance(item, dict) and len(item) == 1:
        name = next(iter(item))
        return name, item[name]
    return None, None


def _profiles(data: Any, pos: Positions, problems: list[Problem]) -> dict[str, Profile]:
    if not isinstance(data, dict):
        problems.append(pos.problem(("profiles",), f"expected a mapping like {{nightly: {{time_scale: 1.0}}}}, got {data!r}"))
        return {}
    out = {}
    for name, body in data.items():
        profile = build(Profile, body, ("profiles", name), pos, problems)
        if profile is not None and profile.time_scale is not None and profile.time_scale <= 0:
            problems.append(pos.problem(("profiles", name, "time_scale"), f"expected a number above 0, got {profile.time_scale!r}"))
        elif profile is not None:
            out[str(name)] = profile
    return out
