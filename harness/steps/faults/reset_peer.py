"""`reset_peer`: TCP RST."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from harness.events import JSONObject
from harness.steps.base import steps
from harness.steps.faults.base import Stream, ToxicFault
from harness.units import Duration, Range


@steps.register("reset_peer")
@dataclass(frozen=True)
class ResetPeer(ToxicFault):
    """Reset connections (TCP RST) after `timeout` of data (0 = at once)."""

    toxic_type: ClassVar[str] = "reset_peer"
    timeout: Annotated[Duration, Range("0ms", "24h")] = Duration(0.0)
    stream: Stream = "downstream"

    def attributes(self) -> JSONObject:
        return {"timeout": int(self.timeout.ms)}
