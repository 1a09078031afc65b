"""scenario.yaml -> validated `Scenario`, reporting every problem of the file at once."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, TypedDict, TypeVar

import yaml

from harness.checks.base import Check, checks as check_registry
from harness import thresholds
from harness.errors import InvalidInput
from harness.registry import UnknownName
from harness.scenario.convert import build, convert_to
from harness.clients import ClientSelector, ClientSpec
from harness.scenario.model import Profile, Scenario
from harness.scenario.steptree import check_selector, parse_steps
from harness.thresholds import Threshold
from harness.scenario.yamlpos import Path_, Positions, Problem, load_with_positions, read_text, shown, unknown_key, yaml_error_problem
from harness.units import SEED_RANGE, TIME_SCALE_RANGE, Duration, Range

if TYPE_CHECKING:
    from typing_extensions import TypeForm

T = TypeVar("T")
TOP_KEYS = ["name", "description", "tags", "target", "seed", "timeout", "time_scale",
            "clients", "steps", "checks", "thresholds", "profiles"]
# A scenario's name names its report folder and journal: a slug, never a path.
NAME_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}")
NAME_RULE = "letters, digits, '-', '_' and '.' (not first), at most 100 characters"
TIME_SCALE = Annotated[float, TIME_SCALE_RANGE]
SEED = Annotated[int, SEED_RANGE]
TIMEOUT = Annotated[Duration, Range("1s", "48h")]
MAX_BROWSERS, MAX_PROTOCOL = 200, 10_000


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate one scenario file; raise InvalidInput listing every problem."""
    import harness.checks  # noqa: F401  (registers every check)
    import harness.steps  # noqa: F401  (registers every step)

    file = str(path)
    text = None
    problems: list[Problem] = []
    try:
        text = read_text(path)
        data, pos = load_with_positions(text, file, problems)
    except OSError as exc:
        raise InvalidInput([Problem(file, 1, 1, "", f"cannot read file: {exc.strerror}")]) from None
    except yaml.YAMLError as exc:
        raise InvalidInput([yaml_error_problem(exc, file, text)]) from None
    scenario = _scenario(data, pos, problems, Path(path))
    if problems or scenario is None:
        raise InvalidInput(sorted(problems, key=lambda p: (p.line, p.col)))
    return scenario


def _scenario(data: object, pos: Positions, problems: list[Problem], path: Path) -> Scenario | None:
    if not isinstance(data, dict):
        problems.append(pos.problem((), f"a scenario is a mapping with keys {', '.join(TOP_KEYS)}"))
        return None
    for key in data:
        if key not in TOP_KEYS:
            problems.append(pos.problem((key,), unknown_key(key, TOP_KEYS), key=True))
    meta = _metadata(data, pos, problems, path)
    clients = _clients(data.get("clients", {"browsers": 1}), pos, problems)
    draft = Scenario(clients=tuple(clients), file=str(path), **meta)
    nodes = parse_steps(data.get("steps"), ("steps",), pos, problems, draft, required=True)
    checks = _checks(data.get("checks", []), pos, problems, draft)
    limits = _thresholds(data.get("thresholds", []), pos, problems)
    profiles = _profiles(data.get("profiles", {}), pos, problems)
    return Scenario(clients=tuple(clients), steps=tuple(nodes), checks=tuple(checks), thresholds=tuple(limits),
                    profiles=profiles, file=str(path), **meta)


class _Metadata(TypedDict, total=False):
    """The top-level keys of a scenario that become `Scenario` fields as they are."""

    name: str
    description: str
    tags: tuple[str, ...]
    target: str
    seed: int
    timeout: Duration
    time_scale: float


def _metadata(data: dict[str, object], pos: Positions, problems: list[Problem], path: Path) -> _Metadata:
    def given(key: str, tp: TypeForm[T]) -> T | None:
        return convert_to(tp, data[key], (key,), pos, problems) if key in data else None

    meta: _Metadata = {}
    if (name := given("name", str)) is not None:
        meta["name"] = name
    if (description := given("description", str)) is not None:
        meta["description"] = description
    if (tags := given("tags", list[str])) is not None:
        meta["tags"] = tuple(tags)
    if (target := given("target", str)) is not None:
        meta["target"] = target
    if (seed := given("seed", SEED)) is not None:
        meta["seed"] = seed
    if (timeout := given("timeout", TIMEOUT)) is not None:
        meta["timeout"] = timeout
    if (time_scale := given("time_scale", TIME_SCALE)) is not None:
        meta["time_scale"] = time_scale
    if "name" in meta and not NAME_RE.fullmatch(meta["name"]):
        problems.append(pos.problem(("name",), f"a scenario name names its report folder: use {NAME_RULE}; "
                                               f"got {shown(meta['name'])}"))
    elif "name" not in data and not NAME_RE.fullmatch(path.stem):
        problems.append(pos.problem((), f"the file name {shown(path.stem)} cannot be the scenario's name "
                                        f"({NAME_RULE}): add `name:` or rename the file"))
    meta.setdefault("name", path.stem)
    return meta


def _clients(data: object, pos: Positions, problems: list[Problem]) -> list[ClientSpec]:
    if isinstance(data, list):
        return _client_list(data, pos, problems)
    if not isinstance(data, dict):
        problems.append(pos.problem(("clients",), f"expected a mapping like {{browsers: 2, protocol: 10}} or a list of clients, got {shown(data)}"))
        return []
    allowed = ["browsers", "protocol", "groups"]
    for key in data:
        if key not in allowed:
            problems.append(pos.problem(("clients", key), unknown_key(key, allowed), key=True))
    limits = {"browsers": Range(0, MAX_BROWSERS), "protocol": Range(0, MAX_PROTOCOL)}
    counts = {k: convert_to(Annotated[int, limits[k]], data.get(k, 0), ("clients", k), pos, problems) or 0
              for k in ("browsers", "protocol")}
    groups = convert_to(dict[str, object], data.get("groups", {}), ("clients", "groups"), pos, problems) or {}
    specs = [ClientSpec(f"b{i}", "browser") for i in range(counts["browsers"])]
    specs += [ClientSpec(f"p{i}", "protocol") for i in range(counts["protocol"])]
    return _with_groups(specs, groups, pos, problems)


def _with_groups(specs: list[ClientSpec], groups: dict[str, object], pos: Positions, problems: list[Problem]) -> list[ClientSpec]:
    names = [s.name for s in specs]
    member_of: dict[str, list[str]] = {n: [] for n in names}
    for group, written in groups.items():
        members = convert_to(list[str], written, ("clients", "groups", group), pos, problems) or []
        for m in members:
            if m not in member_of:
                problems.append(pos.problem(("clients", "groups", group), f"unknown client {shown(m)}; clients are: {', '.join(names)}"))
            else:
                member_of[m].append(group)
    return [ClientSpec(s.name, s.kind, tuple(member_of[s.name])) for s in specs]


@dataclass(frozen=True)
class _ClientEntry:
    name: str
    kind: Literal["browser", "protocol"] = "browser"
    groups: list[str] = field(default_factory=list)


def _client_list(data: list[object], pos: Positions, problems: list[Problem]) -> list[ClientSpec]:
    specs, seen = [], set()
    if len(data) > MAX_PROTOCOL:
        problems.append(pos.problem(("clients",), f"{len(data)} clients listed; at most {MAX_PROTOCOL}: "
                                                  f"use {{browsers: N, protocol: M}} for many"))
        return []
    for i, item in enumerate(data):
        spec = build(_ClientEntry, item, ("clients", i), pos, problems)
        if spec is None:
            continue
        if spec.name in seen:
            problems.append(pos.problem(("clients", i, "name"), f"duplicate client name {shown(spec.name)}"))
        seen.add(spec.name)
        specs.append(ClientSpec(spec.name, spec.kind, tuple(spec.groups)))
    return specs


def _checks(data: object, pos: Positions, problems: list[Problem], sc: Scenario) -> list[Check]:
    if not isinstance(data, list):
        problems.append(pos.problem(("checks",), f"expected a list like [reconnected: {{within: 20s}}], got {shown(data)}"))
        return []
    out = []
    for i, item in enumerate(data):
        name, params = _check_item(item)
        if name is None:
            problems.append(pos.problem(("checks", i), f"a check is a name or {{name: {{params}}}}; checks: {', '.join(check_registry.names())}"))
            continue
        try:
            cls = check_registry.get(str(name))  # a YAML key may be a number: `- 1: {}`
        except UnknownName as exc:
            problems.append(pos.problem(("checks", i, name) if isinstance(item, dict) else ("checks", i), str(exc), key=True))
            continue
        check = build(cls, params, ("checks", i, name), pos, problems)
        if check is not None and _check_clients(check, ("checks", i, name), pos, problems, sc):
            out.append(check)
    return out


def _check_clients(check: Check, path: Path_, pos: Positions, problems: list[Problem], sc: Scenario) -> bool:
    """A check's `clients:` uses the steps' vocabulary and must pick someone (else it could only fail)."""
    if not dataclasses.is_dataclass(check) or "clients" not in {f.name for f in dataclasses.fields(check)}:
        return True
    # every check that has the field declares it a ClientSelector, and build() converted it to one
    selector: ClientSelector = getattr(check, "clients")
    return check_selector(selector, (), "so the check would judge nobody", path + ("clients",), pos, problems, sc)


def _check_item(item: object) -> tuple[object, object]:
    """(name as written, its parameters); (None, None) when `item` is not a check."""
    if isinstance(item, str):
        return item, {}
    if isinstance(item, dict) and len(item) == 1:
        name = next(iter(item))
        return name, item[name]
    return None, None


def _thresholds(data: object, pos: Positions, problems: list[Problem]) -> list[Threshold]:
    """`thresholds: ["reconnect_p95_s < 2", "lost == 0"]`: each a limit on one of the report's metrics."""
    if not isinstance(data, list):
        problems.append(pos.problem(("thresholds",), f"expected a list like [{thresholds.EXAMPLE!r}, 'lost == 0'], "
                                                     f"got {shown(data)}"))
        return []
    out = []
    for i, item in enumerate(data):
        try:
            out.append(thresholds.parse(item))
        except ValueError as exc:
            problems.append(pos.problem(("thresholds", i), str(exc)))
    return out


def _profiles(data: object, pos: Positions, problems: list[Problem]) -> dict[str, Profile]:
    if not isinstance(data, dict):
        problems.append(pos.problem(("profiles",), f"expected a mapping like {{nightly: {{time_scale: 1.0}}}}, got {shown(data)}"))
        return {}
    out = {}
    for name, body in data.items():
        profile = build(Profile, body, ("profiles", name), pos, problems)
        if profile is not None:
            out[str(name)] = profile
    return out
