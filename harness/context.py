"""The live state of one scenario run, as steps see it.

Only the runner builds a RunContext; steps read clients, proxies and processes from it,
register reverts through it, and wait in app time with `sleep`.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Awaitable, Callable, Optional, TypeVar, cast

from harness.clients import ClientSpec, resolve_selector
from harness.errors import InfrastructureError
from harness.events import JSON, JSONObject
from harness.journal import Journal
from harness.target import Target, fill
from harness.units import Duration, TimeScale

if TYPE_CHECKING:
    from harness.drivers.browser import BrowserClient
    from harness.drivers.process import ManagedProcess
    from harness.drivers.protocol import ProtocolClient
    from harness.drivers.toxiproxy import Proxy, ToxiproxyServer

T = TypeVar("T")

Revert = Callable[[], Awaitable[None]]


@dataclass
class PendingRevert:
    """An undo registered before its change was made; runs at most once."""

    label: str
    fn: Revert
    teardown: bool = True  # False: only a timed `for:` runs it; teardown just forgets it
    done: bool = False

    async def run(self) -> None:
        if not self.done:
            self.done = True
            await self.fn()


@dataclass
class RunContext:
    """Everything a step may touch during one scenario run."""

    scenario_name: str
    clients: tuple[ClientSpec, ...]
    target: Target
    journal: Journal
    time: TimeScale
    rng: random.Random
    scenario_dir: Path
    values: JSONObject                     # placeholder values for the target's templates
    toxiproxy: Optional["ToxiproxyServer"] = None
    server: Optional["ManagedProcess"] = None
    proxies: dict[str, "Proxy"] = field(default_factory=dict)
    browsers: dict[str, "BrowserClient"] = field(default_factory=dict)
    protocol: dict[str, "ProtocolClient"] = field(default_factory=dict)
    reverts: list[PendingRevert] = field(default_factory=list)
    counter: int = 0
    background: list[asyncio.Task[None]] = field(default_factory=list)
    _memory: dict[str, object] = field(default_factory=dict)

    def memory(self, owner: str, make: Callable[[], T]) -> T:
        """Per-run state a step family keeps between its steps (e.g. which items a page created
        and has not used yet), under the family's own name: the context knows no app."""
        if owner not in self._memory:
            self._memory[owner] = make()
        return cast(T, self._memory[owner])  # stored by `make` under this owner's name

    def require_server(self) -> "ManagedProcess":
        """The target's server process (started before the steps run)."""
        if self.server is None:
            raise InfrastructureError("the target's server process is not started: steps run only after set-up")
        return self.server

    def select(self, selector: object, kinds: tuple[str, ...] = ()) -> list[str]:
        """Client names a selector picks ("all", "browsers", "protocol", a name, a group, a list)."""
        return resolve_selector(self.clients, selector, kinds)

    def on_revert(self, label: str, fn: Revert, teardown: bool = True) -> PendingRevert:
        """Register an undo before making the change it undoes (runs at teardown if not before)."""
        pending = PendingRevert(label, fn, teardown)
        self.reverts.append(pending)
        return pending

    async def revert_all(self) -> None:
        """Undo every change not yet undone, newest first; keep going past failures."""
        errors = []
        for pending in reversed(self.reverts):
            if not pending.teardown:
                pending.done = True
                continue
            try:
                await pending.run()
            except Exception as exc:  # teardown must reach every revert
                errors.append(f"{pending.label}: {exc}")
        if errors:
            raise InfrastructureError("could not undo: " + "; ".join(errors))

    async def sleep(self, d: Duration | float) -> None:
        """Wait `d` of app time (scaled by the time scale)."""
        await asyncio.sleep(self.time.scaled(d))

    def next_number(self) -> int:
        self.counter += 1
        return self.counter

    def fill(self, template: str, **extra: JSON) -> str:
        return fill(template, {**self.values, **extra})
