"""`bandwidth`: limit throughput."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from harness.steps.base import steps
from harness.steps.faults.base import Stream, ToxicFault


@steps.register("bandwidth")
@dataclass(frozen=True)
class Bandwidth(ToxicFault):
    """Limit throughput to `rate_kbps` kilobytes per second."""

    primary: ClassVar[str] = "rate_kbps"
    toxic_type: ClassVar[str] = "bandwidth"
    rate_kbps: int
    stream: Stream = "downstream"

    def attributes(self) -> dict[str, Any]:
        return {"rate": self.rate_kbps}
