"""`limit_data`: close after N bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from harness.events import JSONObject
from harness.steps.base import steps
from harness.steps.faults.base import Stream, ToxicFault
from harness.units import Range


@steps.register("limit_data")
@dataclass(frozen=True)
class LimitData(ToxicFault):
    """Close the connection after `bytes` bytes have passed."""

    primary: ClassVar[str] = "bytes"
    toxic_type: ClassVar[str] = "limit_data"
    bytes: Annotated[int, Range(1, 1_000_000_000_000)]
    stream: Stream = "downstream"

    def attributes(self) -> JSONObject:
        return {"bytes": self.bytes}
