"""The scenario as the harness understands it once loaded and validated (immutable)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Optional

from harness.units import Duration

ClientKind = Literal["browser", "protocol"]


@dataclass(frozen=True)
class ClientSpec:
    """One simulated user: a browser page or a protocol-level WebSocket client."""

    name: str
    kind: ClientKind
    groups: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "groups": list(self.groups)}


@dataclass(frozen=True)
class Profile:
    """Overrides a named profile (`--profile nightly`) applies to a scenario."""

    time_scale: Optional[float] = None
    timeout: Optional[Duration] = None


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
    steps: tuple = ()
    checks: tuple = ()
    profiles: dict[str, Profile] = field(default_factory=dict)

    def client_names(self, kind: str | None = None) -> list[str]:
        return [c.name for c in self.clients if kind is None or c.kind == kind]

    def groups(self) -> set[str]:
        return {g for c in self.clients for g in c.groups}

    def resolve(self, selector: Any, kinds: tuple[str, ...] = ()) -> list[str]:
        """Client names a selector picks ("all", "browsers", "protocol", a name, a group, a list)."""
        wanted = [selector] if isinstance(selector, str) else list(selector or [])
        picked = []
        for c in self.clients:
            if kinds and c.kind not in kinds:
                continue
            tags = {"all", c.name, *c.groups, "browsers" if c.kind == "browser" else "protocol"}
            if any(w in tags for w in wanted):
                picked.append(c.name)
        return picked

    def selector_words(self) -> list[str]:
        return ["all", "browsers", "protocol", *self.client_names(), *sorted(self.groups())]
