"""`slicer`: chop data into small delayed chunks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from harness.events import JSONObject
from harness.steps.base import steps
from harness.steps.faults.base import Stream, ToxicFault
from harness.units import Duration, Range


@steps.register("slicer")
@dataclass(frozen=True)
class Slicer(ToxicFault):
    """Slice data into small chunks (`average_size` bytes, +/- `size_variation`) with `delay` between them."""

    toxic_type: ClassVar[str] = "slicer"
    average_size: Annotated[int, Range(1, 1_048_576)] = 16
    size_variation: Annotated[int, Range(0, 1_048_576)] = 8
    delay: Annotated[Duration, Range("0ms", "1h")] = Duration(0.001)
    stream: Stream = "downstream"

    def attributes(self) -> JSONObject:
        return {"average_size": self.average_size, "size_variation": self.size_variation,
                "delay": int(self.delay.ms * 1000)}  # Toxiproxy takes microseconds here
