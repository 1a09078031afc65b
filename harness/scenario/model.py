"""The scenario as the harness understands it once loaded and validated (immutable)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Optional

from harness.checks.base import Check
from harness.clients import ClientSpec, client_names, resolve_selector, selector_vocabulary
from harness.steps.base import Node
from harness.thresholds import Threshold
from harness.units import TIME_SCALE_RANGE, Duration, Range

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
        return client_names(self.clients, kind)

    def groups(self) -> set[str]:
        return {g for c in self.clients for g in c.groups}

    def resolve(self, selector: object, kinds: tuple[str, ...] = ()) -> list[str]:
        """Client names a selector picks ("all", "browsers", "protocol", a name, a group, a list)."""
        return resolve_selector(self.clients, selector, kinds)

    def selector_words(self) -> list[str]:
        return selector_vocabulary(self.clients)
