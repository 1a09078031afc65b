"""`latency`: delay every chunk of data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from harness.events import JSONObject
from harness.steps.base import steps
from harness.steps.faults.base import Stream, ToxicFault
from harness.units import Duration, Range


@steps.register("latency")
@dataclass(frozen=True)
class Latency(ToxicFault):
    """Delay every chunk of data by `latency` (+/- `jitter`); not scaled by the time scale."""

    primary: ClassVar[str] = "latency"
    toxic_type: ClassVar[str] = "latency"
    latency: Annotated[Duration, Range("1ms", "1h")]
    jitter: Annotated[Duration, Range("0ms", "1h")] = Duration(0.0)
    stream: Stream = "downstream"

    def attributes(self) -> JSONObject:
        return {"latency": int(self.latency.ms), "jitter": int(self.jitter.ms)}
