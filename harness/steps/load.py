"""`load`: protocol clients each send a burst of messages at a rate and wait for the acks."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import ClassVar

from harness.steps.actions import build_message
from harness.steps.base import Envelope, Step, steps
from harness.units import Duration


@steps.register("load")
@dataclass(frozen=True)
class Load(Step):
    """Each selected protocol client sends `messages` messages (`rate` per second each) and waits up to `ack_within` for acks."""

    client_kinds: ClassVar[tuple[str, ...]] = ("protocol",)
    messages: int = 10
    rate: float = 10.0
    message: str = "ticket"
    ack_within: Duration = Duration(10.0)

    def required_messages(self) -> list[str]:
        return [self.message]

    async def run(self, ctx, env: Envelope) -> None:
        names = ctx.select(env.clients or "all", self.client_kinds)
        started = time.monotonic()
        results = await asyncio.gather(*(self._one(ctx, n) for n in names), return_exceptions=True)
        sent = sum(r[0] for r in results if isinstance(r, tuple))
        acked = sum(r[1] for r in results if isinstance(r, tuple))
        errors = sum(1 for r in results if isinstance(r, BaseException))
        ctx.journal.record("load.summary", group=",".join(names) if len(names) <= 5 else f"{len(names)} clients",
                           clients=len(names), sent=sent, acked=acked, errors=errors, failed_connects=0,
                           duration_s=round(time.monotonic() - started, 3))

    async def _one(self, ctx, name: str) -> tuple[int, int]:
        client = ctx.protocol[name]
        if not client.connected:
            await client.connect()
        proto = ctx.target.protocol
        ids = []
        for _ in range(self.messages):
            message, key = build_message(ctx, name, self.message)
            ctx.journal.record("action", client=name, action="send", key=key, message_id=message.get(proto.id_field), detail={"message": self.message})
            await client.send_json(message)
            ids.append(message.get(proto.id_field))
            if self.rate > 0:
                await asyncio.sleep(1.0 / self.rate)
        return len(ids), await _count_acks(client, ids, proto, ctx.time.deadline(self.ack_within))


async def _count_acks(client, ids: list, proto, timeout_s: float) -> int:
    wanted = set(ids)

    def acked() -> set:
        return {m.get(proto.id_field) for m in client.received if m.get(proto.type_field) == proto.ack_type} & wanted

    deadline = time.monotonic() + timeout_s
    while len(acked()) < len(wanted) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return len(acked())
