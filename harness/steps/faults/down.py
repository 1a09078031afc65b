"""`down`: the client's network path is gone (proxy disabled)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.steps.base import steps
from harness.steps.faults.base import ProxyFault, Undo


@steps.register("down")
@dataclass(frozen=True)
class Down(ProxyFault):
    """Take the client's network path down: the proxy is disabled, open connections drop, new ones are refused."""

    async def apply(self, proxy: Any, fault_id: str) -> Undo:
        await proxy.disable()
        return proxy.enable
