"""`down`: the client's network path is gone (proxy disabled)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.steps.base import steps
from harness.steps.faults.base import ProxyFault, Undo

if TYPE_CHECKING:
    from harness.drivers.toxiproxy import Proxy


@steps.register("down")
@dataclass(frozen=True)
class Down(ProxyFault):
    """Take the client's network path down: the proxy is disabled, open connections drop, new ones are refused."""

    async def apply(self, proxy: Proxy, fault_id: str) -> Undo:
        await proxy.disable()
        return proxy.enable
