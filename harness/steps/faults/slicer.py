"""`slicer`: chop data into small delayed chunks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from harness.steps.base import steps
from harness.steps.faults.base import Stream, ToxicFault
from harness.units import Duration


@steps.register("slicer")
@dataclass(frozen=True)
class Slicer(ToxicFault):
    """Slice data into small chunks (`average_size` bytes, +/- `size_variation`) with `delay` between them."""

    toxic_type: ClassVar[str] = "slicer"
    average_size: int = 16
    size_variation: int = 8
    delay: Duration = Duration(0.001)
    stream: Stream = "downstream"

    def attributes(self) -> dict[str, Any]:
        return {"average_size": self.average_size, "size_variation": self.size_variation,
                "delay": int(self.delay.ms * 1000)}  # Toxiproxy takes microseconds here
