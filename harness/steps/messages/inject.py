"""`inject`: hand a client a crafted frame, as if its peer had sent it (malformed ones included)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Optional

from harness.context import RunContext
from harness.jsontext import dumps
from harness.messages.match import Direction
from harness.steps.actions import build_message
from harness.steps.base import Envelope, Step, steps
from harness.steps.messages.base import endpoint
from harness.units import Range


@steps.register("inject")
@dataclass(frozen=True, kw_only=True)
class Inject(Step):
    """Hand each selected client `count` crafted frames as if the server sent them (`direction: sent`: to the server as if the client did): `raw` text, a JSON `frame`, or a target `message` template."""

    primary: ClassVar[Optional[str]] = "raw"
    client_kinds: ClassVar[tuple[str, ...]] = ("browser", "protocol")
    raw: Optional[str] = None
    frame: Optional[dict[str, object]] = None
    message: Optional[str] = None
    direction: Direction = "received"
    count: Annotated[int, Range(1, 10_000)] = 1

    def __post_init__(self) -> None:
        given = [k for k in ("raw", "frame", "message") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("inject takes exactly one of raw (text, malformed or not), frame (a JSON object) "
                             f"or message (a template of the target's protocol.messages); got {', '.join(given) or 'none'}")

    def required_messages(self) -> list[str]:
        return [self.message] if self.message else []

    async def run(self, ctx: RunContext, env: Envelope) -> None:
        fault_id = f"m{ctx.next_number()}"
        for name in ctx.select(env.clients or "all", self.client_kinds):
            target = endpoint(ctx, name)
            for _ in range(self.count):
                await target.inject(self.payload(ctx, name), self.direction, fault_id)

    def payload(self, ctx: RunContext, client: str) -> str:
        """The frame's text: as written, the JSON object encoded, or the template filled for `client`."""
        if self.raw is not None:
            return self.raw
        if self.frame is not None:
            return dumps(self.frame)
        assert self.message is not None  # __post_init__ requires one of the three
        return dumps(build_message(ctx, client, self.message)[0])
