"""`slow_close`: delay the TCP close."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from harness.events import JSONObject
from harness.steps.base import steps
from harness.steps.faults.base import Stream, ToxicFault
from harness.units import Duration, Range


@steps.register("slow_close")
@dataclass(frozen=True)
class SlowClose(ToxicFault):
    """Delay the TCP close by `delay`."""

    primary: ClassVar[str] = "delay"
    toxic_type: ClassVar[str] = "slow_close"
    delay: Annotated[Duration, Range("1ms", "1h")]
    stream: Stream = "downstream"

    def attributes(self) -> JSONObject:
        return {"delay": int(self.delay.ms)}
