"""`blackhole`: stop all data (Toxiproxy's `timeout` toxic)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from harness.events import JSONObject
from harness.steps.base import steps
from harness.steps.faults.base import Stream, ToxicFault
from harness.units import Duration, Range


@steps.register("blackhole")
@dataclass(frozen=True)
class Blackhole(ToxicFault):
    """Stop all data; with `timeout` > 0 close the connection after that long (Toxiproxy `timeout`)."""

    toxic_type: ClassVar[str] = "timeout"
    # Toxiproxy closes the connections a timeout toxic held when it is removed.
    note: ClassVar[str] = "removing a timeout toxic closes the connections it held: the blackhole ended as a close"
    timeout: Annotated[Duration, Range("0ms", "24h")] = Duration(0.0)  # 0: hold forever
    stream: Stream = "both"

    def attributes(self) -> JSONObject:
        return {"timeout": int(self.timeout.ms)}
