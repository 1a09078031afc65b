"""Server steps: start, stop (graceful), restart (graceful or crash), kill, pause, resume."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from harness.context import RunContext
from harness.steps.base import Envelope, Step, steps

Action = Literal["start", "stop", "restart", "crash", "kill", "pause", "resume"]


@steps.register("server")
@dataclass(frozen=True)
class Server(Step):
    """Act on the system-under-test process; `for:` undoes stop/kill (start again) and pause (resume)."""

    primary: ClassVar[str] = "action"
    revertible: ClassVar[bool] = True
    undoable_actions: ClassVar[tuple[str, ...]] = ("stop", "kill", "pause")
    action: Action

    async def run(self, ctx: RunContext, env: Envelope) -> None:
        proc = ctx.require_server()
        if self.action == "pause":
            ctx.on_revert("resume server", proc.resume)
            await proc.pause()
        elif self.action in ("stop", "kill"):
            async def start_again() -> None:
                await proc.start()

            ctx.on_revert("start server", start_again, teardown=False)
            await (proc.stop() if self.action == "stop" else proc.kill())
        elif self.action == "restart":
            await proc.restart("graceful")
        elif self.action == "crash":
            await proc.restart("crash")
        elif self.action == "resume":
            await proc.resume()
        else:
            await proc.start()

    def action_word(self) -> str:
        return self.action

    def validate(self, env: Envelope) -> list[str]:
        if env.for_ is not None and not self.undoable():
            return [f"'for' undoes stop, kill or pause; {self.action!r} cannot be undone"]
        return []
