"""The client vocabulary: who a scenario's simulated users are, and the selector words that pick
them (`clients:` of steps and checks). A bottom-floor module: the scenario loader, the run
context, the checks' journal view and `run.start` all speak it, and it imports nothing of theirs.

    specs = (ClientSpec("b0", "browser", ("left",)), ClientSpec("p0", "protocol"))
    resolve_selector(specs, "browsers")          # ['b0']
    resolve_selector(specs, ["left", "p0"])      # ['b0', 'p0']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal, Mapping, Union

ClientKind = Literal["browser", "protocol"]
#: What `clients:` takes: "all", "browsers", "protocol", a client name, a group name, or a list of
#: those (the union).
ClientSelector = Union[str, list[str]]

#: Selector words besides client and group names.
KIND_WORDS: dict[str, ClientKind] = {"browsers": "browser", "protocol": "protocol"}
SELECTOR_WORDS = ("all", *KIND_WORDS)


@dataclass(frozen=True)
class ClientSpec:
    """One simulated user: a browser page or a protocol-level WebSocket client (as a scenario
    declares it, and as `run.start` records it)."""

    name: str
    kind: ClientKind
    groups: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "kind": self.kind, "groups": list(self.groups)}

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> "ClientSpec":
        """A `run.start` client read back; an unknown or missing kind reads as a browser."""
        groups = d.get("groups")
        kind: ClientKind = "protocol" if d.get("kind") == "protocol" else "browser"
        return cls(str(d.get("name", "")), kind, tuple(str(g) for g in groups) if isinstance(groups, list) else ())


def resolve_selector(clients: Iterable[ClientSpec], selector: object, kinds: Iterable[str] = ()) -> list[str]:
    """The one selector resolver (the loader, the run context and the checks' RunView use it):
    names of the clients, of `kinds` if given, that `selector` picks, in declaration order, each once."""
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


def client_names(clients: Iterable[ClientSpec], kind: str | None = None) -> list[str]:
    return [c.name for c in clients if kind is None or c.kind == kind]
