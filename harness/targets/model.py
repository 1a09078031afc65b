"""The typed, frozen shape of a target file. Built once by `harness.targets.load`; never changed.

Sequences are tuples and mappings are read-only (`MappingProxyType`); protocol message
templates stay plain JSON-like data, copied at load, because they are filled recursively.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal, Mapping, Never, Optional, Union

from harness.errors import InvalidInput
from harness.scenario.yamlpos import Problem
from harness.targets.ops import Op
from harness.targets.route import Route
from harness.units import Duration

EMPTY: Mapping[str, Never] = MappingProxyType({})  # no values, so it is a Mapping[str, V] for every V


def _empty() -> Mapping[str, Never]:
    return field(default_factory=lambda: EMPTY)


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
    """A process the harness starts and stops (`server` or `static`)."""

    command: tuple[str, ...]
    ready: Ready
    cwd: str = "."
    env: Mapping[str, str] = _empty()
    ready_timeout: Duration = Duration(30.0)
    stop_grace: Duration = Duration(5.0)


@dataclass(frozen=True)
class Ledger:
    """Where the server's record of accepted messages is read, and how entries map to keys."""

    url: str
    entries: str = "entries"
    type_field: str = "type"
    id_field: str = "message_id"  # the entry field holding the id the client sent (and acks name)
    keys: Mapping[str, str] = _empty()  # message type -> key template over the entry ({payload.x})


@dataclass(frozen=True)
class JsProbe:
    """A probe written as a JS expression (over the snapshot `s`, if the target has one)."""

    expression: str

    def __str__(self) -> str:
        return self.expression


@dataclass(frozen=True)
class DomProbe:
    """A probe read from the DOM: the first `selector` match's `attribute`, or its trimmed text."""

    selector: str
    attribute: Optional[str] = None

    @property
    def expression(self) -> str:
        getter = f"el.getAttribute({json.dumps(self.attribute)})" if self.attribute else "el.textContent.trim()"
        return f"(() => {{ const el = document.querySelector({json.dumps(self.selector)}); return el ? {getter} : null; }})()"

    def __str__(self) -> str:
        return self.expression


Probe = Union[JsProbe, DomProbe]  # str(probe) is the JS expression that reads it


@dataclass(frozen=True)
class Action:
    """A UI action: operations run in order on one page, and the ledger key it produces."""

    ops: tuple[Op, ...]
    key: Optional[str] = None


@dataclass(frozen=True)
class Setup:
    """What each page does after it loads and before the steps: ops, tried up to `attempts`
    times (reloading the page between tries), each op given `timeout`. With `reuse`, the
    first page's browser state (cookies, localStorage) after a successful set-up is given to
    every later page of the scenario, which then skips the ops."""

    ops: tuple[Op, ...]
    attempts: int = 3
    timeout: Duration = Duration(5.0)
    reuse: bool = True


@dataclass(frozen=True)
class Protocol:
    """How protocol clients speak the target's protocol."""

    messages: Mapping[str, Mapping[str, object]] = _empty()  # name -> JSON template: a mapping of YAML values
    keys: Mapping[str, str] = _empty()      # name -> ledger key template
    ack_type: str = "ack"
    id_field: str = "id"
    type_field: str = "type"
    query: Optional[str] = None  # appended to the WebSocket URL of each protocol client, e.g. "client_id={client}"
    replies: Mapping[str, str] = _empty()   # message name -> the frame type that answers it (`load` counts those)
    client: Literal["websocket", "socketio"] = "websocket"  # what protocol clients speak (drivers/socketio_client.py)


@dataclass(frozen=True)
class Work:
    """One entry of the target's soak `workload`: a UI action (`actions:`) or a protocol message
    (`protocol.messages`), drawn by `weight`; each draw runs it 1 to `count` times. An action
    `on_created` runs on items earlier actions created on the same page (their `{title}`)."""

    name: str
    weight: float = 1.0
    count: int = 3
    on_created: bool = False
    kind: Optional[Literal["action", "message"]] = None  # only where `name` is both


@dataclass(frozen=True)
class Bugs:
    """Seeded-bug switches the target understands, per side."""

    server: tuple[str, ...] = ()
    client: tuple[str, ...] = ()


@dataclass(frozen=True)
class Target:
    """A validated target file; `file` is where it was read from and `root` its folder."""

    name: str
    server: ProcessSpec
    page: str
    websocket: str
    description: str = ""
    time_scale: float = 1.0
    min_wait: Duration = Duration(5.0)
    ports: tuple[str, ...] = ("server",)
    static: Optional[ProcessSpec] = None
    snapshot: Optional[str] = None
    probes: Mapping[str, Probe] = _empty()
    probe_interval: Duration = Duration(0.2)
    states: Mapping[str, str] = _empty()  # the app's word for a state -> wschaos's (harness/states.py)
    health: Optional[str] = None
    ledger: Optional[Ledger] = None
    actions: Mapping[str, Action] = _empty()
    protocol: Protocol = Protocol()
    bugs: Bugs = Bugs()
    allow_remote: bool = False
    upstream: Optional[str] = None
    setup: Optional[Setup] = None
    init_scripts: tuple[str, ...] = ()
    storage_state: Optional[str] = None
    seed_random: bool = False
    resources: Mapping[str, str] = _empty()  # URL pattern -> local file (relative to the target's folder)
    route: Route = "auto"  # what of the page's traffic goes through the client's proxy (targets/route.py)
    workload: Optional[tuple[Work, ...]] = None   # None: every action and keyed message, weight 1
    fixed_ports: Mapping[str, int] = _empty()  # from `ports: [{dev: 5173}]`; not a YAML key
    file: str = ""
    root: Path = Path(".")

    @property
    def upstream_address(self) -> str:
        """Where the server really listens (`host:port`, unfilled): `upstream`, else `websocket`'s."""
        if self.upstream:
            return self.upstream
        return self.websocket.split("://", 1)[-1].split("/", 1)[0]

    def work_kind(self, work: Work) -> Literal["action", "message"]:
        """Whether a workload entry is a UI action or a protocol message (validated at load)."""
        if work.kind is not None:
            return work.kind
        return "action" if work.name in self.actions else "message"

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
