"""`limit_data`: close after N bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from harness.steps.base import steps
from harness.steps.faults.base import Stream, ToxicFault


@steps.register("limit_data")
@dataclass(frozen=True)
class LimitData(ToxicFault):
    """Close the connection after `bytes` bytes have passed."""

    primary: ClassVar[str] = "bytes"
    toxic_type: ClassVar[str] = "limit_data"
    bytes: int
    stream: Stream = "downstream"

    def attributes(self) -> dict[str, Any]:
        return {"bytes": self.bytes}
