"""`reset_peer`: TCP RST."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from harness.steps.base import steps
from harness.steps.faults.base import Stream, ToxicFault
from harness.units import Duration


@steps.register("reset_peer")
@dataclass(frozen=True)
class ResetPeer(ToxicFault):
    """Reset connections (TCP RST) after `timeout` of data (0 = at once)."""

    toxic_type: ClassVar[str] = "reset_peer"
    timeout: Duration = Duration(0.0)
    stream: Stream = "downstream"

    def attributes(self) -> dict[str, Any]:
        return {"timeout": int(self.timeout.ms)}
