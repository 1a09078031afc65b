"""What every network fault is: something done to the Toxiproxy proxies of the selected clients.

A fault applies to the proxy of each selected client (`clients:`, default all), records
`fault.apply`, registers its undo *before* touching anything, and undoes itself after `for:`
or at the end of the run (`restore` undoes early). Subclasses say what to do to one proxy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Awaitable, Callable, ClassVar, Literal

from harness.context import RunContext
from harness.events import JSONObject
from harness.steps.base import Envelope, Step

if TYPE_CHECKING:
    from harness.drivers.toxiproxy import Proxy

Stream = Literal["downstream", "upstream", "both"]
Undo = Callable[[], Awaitable[None]]


class ProxyFault(Step):
    """Base of the network faults; subclasses implement `apply(proxy, fault_id) -> undo`."""

    client_kinds: ClassVar[tuple[str, ...]] = ("browser", "protocol")
    revertible: ClassVar[bool] = True
    note: ClassVar[str] = ""  # what undoing it really does, for the journal

    async def apply(self, proxy: Proxy, fault_id: str) -> Undo:  # pragma: no cover - interface
        raise NotImplementedError

    def stream_name(self) -> str:
        return getattr(self, "stream", "both")

    async def run(self, ctx: RunContext, env: Envelope) -> None:
        names = ctx.select(env.clients or "all", self.client_kinds)
        fault_id = f"f{ctx.next_number()}"
        undos: list[Undo] = []

        async def undo_all() -> None:
            for undo in reversed(undos):
                await undo()
            ctx.journal.record("fault.revert", fault_id=fault_id, fault=self.registered_name,
                               clients=names, note=self.note)

        ctx.on_revert(f"{self.registered_name} on {', '.join(names)}", undo_all)
        ctx.journal.record("fault.apply", fault_id=fault_id, fault=self.registered_name, clients=names,
                           proxies=[ctx.proxies[n].name for n in names], stream=self.stream_name(),
                           params=self.params())
        for n in names:
            undos.append(await self.apply(ctx.proxies[n], fault_id))


class ToxicFault(ProxyFault):
    """A fault made of one Toxiproxy toxic per direction."""

    toxic_type: ClassVar[str] = ""

    def attributes(self) -> JSONObject:  # pragma: no cover - interface
        raise NotImplementedError

    def stream_name(self) -> str:
        return getattr(self, "stream", "downstream")

    async def apply(self, proxy: Proxy, fault_id: str) -> Undo:
        streams = ["downstream", "upstream"] if self.stream_name() == "both" else [self.stream_name()]
        toxics: list[str] = []  # their names
        for stream in streams:
            toxics.append(await proxy.add_toxic(self.toxic_type, stream, self.attributes(),
                                                name=f"{self.registered_name}-{fault_id}-{stream}"))

        async def undo() -> None:
            for toxic in reversed(toxics):
                await proxy.remove_toxic(toxic)

        return undo
