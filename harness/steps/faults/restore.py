"""`restore`: undo every active change early."""

from __future__ import annotations

from dataclasses import dataclass

from harness.context import RunContext
from harness.steps.base import Envelope, Step, steps


@steps.register("restore")
@dataclass(frozen=True)
class Restore(Step):
    """Undo every change still active, newest first: network faults, a paused or stopped server, browser states."""

    async def run(self, ctx: RunContext, env: Envelope) -> None:
        for pending in reversed(ctx.reverts):
            await pending.run()
