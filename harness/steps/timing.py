"""Waiting steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from harness.context import RunContext
from harness.steps.base import Envelope, Step, steps
from harness.units import Duration


@steps.register("idle")
@dataclass(frozen=True)
class Idle(Step):
    """Do nothing for `duration` of app time (scaled by the time scale: `idle: 5m` is 30 s at 0.1)."""

    primary: ClassVar[str] = "duration"
    duration: Duration

    async def run(self, ctx: RunContext, env: Envelope) -> None:
        await ctx.sleep(self.duration)

    def summary(self, env: Envelope) -> str:
        return f"idle {self.duration}"
