"""targets/*.yaml -> validated `Target`: how to start and observe a system under test.

Strings may hold placeholders filled at run time: `{port.NAME}` (a free port per declared
port), `{python}` (this interpreter), `{root}` (the target file's folder), `{run_dir}`,
`{time_scale}`, `{bugs.server}`, `{bugs.client}`, and in `page.url` also `{ws_url}` and
`{client}`. See docs/targets.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from harness.errors import InvalidInput
from harness.scenario.convert import build
from harness.scenario.yamlpos import Positions, Problem, load_with_positions, yaml_error_problem
from harness.units import Duration

PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z0-9_]+)?)\}")
BASE_NAMES = {"python", "root", "run_dir", "time_scale", "bugs.server", "bugs.client", "seed"}
PAGE_NAMES = {"ws_url", "client"}


@dataclass(frozen=True)
class Ready:
    """Readiness probe: an HTTP URL answering 2xx, a TCP `host:port`, or a log-line regex."""

    http: Optional[str] = None
    tcp: Optional[str] = None
    log: Optional[str] = None

    def __post_init__(self) -> None:
        if sum(x is not None for x in (self.http, self.tcp, self.log)) != 1:
            raise ValueError("ready needs exactly one of http, tcp, log")


@dataclass(frozen=True)
class ProcessSpec:
    """A process the harness starts and stops."""

    command: list[str]
    ready: Ready
    cwd: str = "."
    env: dict[str, Any] = field(default_factory=dict)
    ready_timeout: Duration = Duration(30.0)
    stop_grace: Duration = Duration(5.0)


@dataclass(frozen=True)
class Ledger:
    """Where the server's record of accepted messages is read, and how entries map to keys."""

    url: str
    entries: str = "entries"
    type_field: str = "type"
    id_field: str = "message_id"  # the entry field holding the id the client sent (and acks name)
    keys: dict[str, Any] = field(default_factory=dict)  # message type -> key template over the entry


@dataclass(frozen=True)
class Action:
    """A UI action: Playwright operations (fill/click/press/read) and the ledger key it produces."""

    ops: list[Any]
    key: Optional[str] = None


@dataclass(frozen=True)
class Protocol:
    """How protocol clients speak the target's protocol."""

    messages: dict[str, Any] = field(default_factory=dict)  # name -> JSON template
    keys: dict[str, Any] = field(default_factory=dict)      # name -> ledger key template
    ack_type: str = "ack"
    id_field: str = "id"
    type_field: str = "type"
    query: Optional[str] = None  # appended to the WebSocket URL of each protocol client, e.g. "client_id={client}"


@dataclass(frozen=True)
class Bugs:
    """Seeded-bug switches the target understands, per side."""

    server: list[str] = field(default_factory=list)
    client: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Target:
    """A validated target file (`file` and `root` are filled by the loader)."""

    name: str
    server: ProcessSpec
    page: str
    websocket: str
    description: str = ""
    time_scale: float = 1.0
    min_wait: Duration = Duration(5.0)
    ports: list[str] = field(default_factory=lambda: ["server"])
    static: Optional[ProcessSpec] = None
    snapshot: Optional[str] = None
    probes: dict[str, Any] = field(default_factory=dict)
    probe_interval: Duration = Duration(0.2)
    health: Optional[str] = None
    ledger: Optional[Ledger] = None
    actions: dict[str, Any] = field(default_factory=dict)
    protocol: Protocol = field(default_factory=Protocol)
    bugs: Bugs = field(default_factory=Bugs)
    file: str = field(default="", init=False)
    root: Path = field(default=Path("."), init=False)

    def split_bugs(self, wanted: list[str]) -> tuple[list[str], list[str]]:
        """Sort requested bug names into (server, client); raise InvalidInput for unknown ones."""
        server = [b for b in wanted if b in self.bugs.server]
        client = [b for b in wanted if b in self.bugs.client]
        unknown = [b for b in wanted if b not in server and b not in client]
        if unknown:
            known = sorted(set(self.bugs.server) | set(self.bugs.client))
            msg = f"target {self.name!r} has no seeded bug {', '.join(map(repr, unknown))}; known: {', '.join(known) or 'none'}"
            raise InvalidInput([Problem(self.file, 1, 1, "bugs", msg)])
        return server, client

    def action(self, name: str) -> "Action":
        return self.actions[name]


def find_target(name_or_path: str, search_dirs: list[Path]) -> Path:
    """A target name (`kanban`) or a path to a YAML file -> the file's path."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml"):
        for candidate in [p] + [d / p for d in search_dirs]:
            if candidate.exists():
                return candidate
    for d in search_dirs:
        for ext in (".yaml", ".yml"):
            candidate = d / f"{name_or_path}{ext}"
            if candidate.exists():
                return candidate
    known = sorted({f.stem for d in search_dirs if d.is_dir() for f in d.glob("*.y*ml")})
    raise InvalidInput([Problem(name_or_path, 1, 1, "target", f"no target {name_or_path!r}; known targets: {', '.join(known) or 'none'} (or give a path to a target YAML file)")])


def load_target(path: str | Path) -> Target:
    """Load and validate a target file; raise InvalidInput listing every problem."""
    file = str(path)
    try:
        data, pos = load_with_positions(Path(path).read_text(encoding="utf-8"), file)
    except OSError as exc:
        raise InvalidInput([Problem(file, 1, 1, "", f"cannot read file: {exc.strerror}")]) from None
    except yaml.YAMLError as exc:
        raise InvalidInput([yaml_error_problem(exc, file)]) from None
    problems: list[Problem] = []
    doc = build(Target, data, (), pos, problems)
    target = _resolve(doc, pos, problems, Path(path)) if doc else None
    if problems or target is None:
        raise InvalidInput(sorted(problems, key=lambda p: (p.line, p.col)))
    return target


def _resolve(doc: Target, pos: Positions, problems: list[Problem], path: Path) -> Target | None:
    actions = {k: build(Action, v, ("actions", k), pos, problems) for k, v in doc.actions.items()}
    _check_placeholders(doc, pos, problems)
    if problems:
        return None
    object.__setattr__(doc, "actions", actions)
    object.__setattr__(doc, "file", str(path))
    object.__setattr__(doc, "root", path.parent.resolve())
    return doc


def _check_placeholders(doc: Target, pos: Positions, problems: list[Problem]) -> None:
    allowed = BASE_NAMES | {f"port.{p}" for p in doc.ports}
    for path, text in _strings(yaml_safe(doc), ()):
        names = allowed | (PAGE_NAMES if path[:1] == ("page",) else set())
        if path[:1] in (("protocol",), ("actions",), ("snapshot",), ("probes",), ("file",), ("root",)) or path[:2] == ("ledger", "keys"):
            continue  # JavaScript, or templates over messages/entries, filled later
        for m in PLACEHOLDER.finditer(text):
            if m.group(1) not in names:
                problems.append(pos.problem(path, f"unknown placeholder {{{m.group(1)}}}; allowed here: {', '.join('{' + n + '}' for n in sorted(names))}"))


def yaml_safe(doc: Target) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(doc)


def _strings(value: Any, path: tuple):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, path + (i,))


def fill(template: str, values: dict[str, Any]) -> str:
    """Replace `{name}` placeholders; unknown ones are left as they are."""
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)
