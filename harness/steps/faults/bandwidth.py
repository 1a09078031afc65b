"""`bandwidth`: limit throughput."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from harness.events import JSONObject
from harness.steps.base import steps
from harness.steps.faults.base import Stream, ToxicFault
from harness.units import Range


@steps.register("bandwidth")
@dataclass(frozen=True)
class Bandwidth(ToxicFault):
    """Limit throughput to `rate_kbps` kilobytes per second."""

    primary: ClassVar[str] = "rate_kbps"
    toxic_type: ClassVar[str] = "bandwidth"
    rate_kbps: Annotated[int, Range(1, 10_000_000)]  # 0 would stall all data: use blackhole
    stream: Stream = "downstream"

    def attributes(self) -> JSONObject:
        return {"rate": self.rate_kbps}
