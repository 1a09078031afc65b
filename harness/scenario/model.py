"""The scenario as the harness understands it once loaded and validated (immutable)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Iterable, Literal, Optional

from harness.events import JSONObject
from harness.units import TIME_SCALE_RANGE, Duration, Range

if TYPE_CHECKING:  # the tree and the checks import this module
    from harness.checks.base import Check
    from harness.steps.base import Node
    from harness.thresholds import Threshold

ClientKind = Literal["browser", "protocol"]

#: Selector words besides client and group names; `clients:` of steps and checks takes one
#: of these, a client name, a group name, or a list of them (the union).
KIND_WORDS = {"browsers": "browser", "protocol": "protocol"}
SELECTOR_WORDS = ("all", *KIND_WORDS)


@dataclass(frozen=True)
class ClientSpec:
    """One simulated user: a browser page or a protocol-level WebSocket client."""

    name: str
    kind: ClientKind
    groups: tuple[str, ...] = ()

    def to_dict(self) -> JSONObject:
        return {"name": self.name, "kind": self.kind, "groups": list(self.groups)}


@dataclass(frozen=True)
class Profile:
    """Overrides a named profile (`--profile nightly`) applies to a scenario."""

    time_scale: Optional[Annotated[float, TIME_SCALE_RANGE]] = None
    timeout: Optional[Annotated[Duration, Range("1s", "48h")]] = None


@dataclass(frozen=True)
class Scenario:
    """A validated scenario file."""

    name: str
    file: str
    description: str = ""
    tags: tuple[str, ...] = ()
    target: str = "kanban"
    seed: Optional[int] = None
    timeout: Duration = Duration(120.0)
    time_scale: Optional[float] = None
    clients: tuple[ClientSpec, ...] = ()
    steps: tuple[Node, ...] = ()
    checks: tuple[Check, ...] = ()
    profiles: dict[str, Profile] = field(default_factory=dict)
    thresholds: tuple[Threshold, ...] = ()   # limits on the scenario's metrics (harness.thresholds)

    def client_names(self, kind: str | None = None) -> list[str]:
        return [c.name for c in self.clients if kind is None or c.kind == kind]

    def groups(self) -> set[str]:
        return {g for c in self.clients for g in c.groups}

    def resolve(self, selector: object, kinds: tuple[str, ...] = ()) -> list[str]:
        """Client names a selector picks ("all", "browsers", "protocol", a name, a group, a list)."""
        return resolve_selector(self.clients, selector, kinds)

    def selector_words(self) -> list[str]:
        return selector_vocabulary(self.clients)


def resolve_selector(clients: Iterable[ClientSpec], selector: object, kinds: Iterable[str] = ()) -> list[str]:
    """The one selector resolver (the loader and the checks' RunView both use it): names of the
    clients, of `kinds` if given, that `selector` picks, in declaration order, each once."""
    wanted = set([selector] if isinstance(selector, str) else list(selector) if isinstance(selector, Iterable) else [])
    kinds = tuple(kinds)
    picked = []
    for c in clients:
        if kinds and c.kind not in kinds:
            continue
        words = {"all", c.name, *c.groups, *(w for w, k in KIND_WORDS.items() if k == c.kind)}
        if wanted & words and c.name not in picked:
            picked.append(c.name)
    return picked


def selector_vocabulary(clients: Iterable[ClientSpec]) -> list[str]:
    """Every word a selector may use with these clients."""
    clients = list(clients)
    return [*SELECTOR_WORDS, *(c.name for c in clients), *sorted({g for c in clients for g in c.groups})]
