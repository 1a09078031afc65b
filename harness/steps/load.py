"""`load`: protocol clients each send a burst of messages at a rate; replies are counted as they arrive.

Two engines, one step: the in-process generator (the default) is a thin layer over
`drivers.protocol.LoadGroup`: it builds each message from the target's template (journaling an
`action` per message) and tells the group which reply answers it (`reply_type`). With
`engine: locust` the same templates are sent by `users` Locust users on a master and `workers`
worker processes (`harness.locust_engine`), spread over the selected clients' proxies (so their
faults apply to them). Both record the same `load.summary`, which `load_replies` judges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal, Optional

from harness.context import RunContext
from harness.drivers.protocol import LoadGroup, Message
from harness.drivers.ws_tracker import FrameFormat
from harness.steps.actions import build_message
from harness.steps.base import Envelope, Step, steps
from harness.steps.load_locust import run_on_locust
from harness.units import Duration, Range

if TYPE_CHECKING:
    from harness.targets.model import Protocol

#: Heartbeat templates are answered by the frame type next to them, not by the ack type.
HEARTBEAT_REPLIES = {"ping": "pong"}


def reply_type(protocol: Protocol, template: str) -> str:
    """The frame type that answers the target's message template `template`.

    The target's `protocol.replies` (message name -> reply type) says so when it names the
    template; otherwise a template whose type is `ping` is answered by `pong`, and anything else
    by `protocol.ack_type`."""
    if template in protocol.replies:
        return protocol.replies[template]
    sent_type = (protocol.messages.get(template) or {}).get(protocol.type_field)
    return HEARTBEAT_REPLIES.get(sent_type, protocol.ack_type) if isinstance(sent_type, str) else protocol.ack_type


@steps.register("load")
@dataclass(frozen=True)
class Load(Step):
    """Each selected protocol client (or, on Locust, each of `users` connections through their proxies) sends `messages` messages (`rate` per second each) and waits up to `ack_within` for the replies (acks; pongs for a ping)."""

    client_kinds: ClassVar[tuple[str, ...]] = ("protocol",)
    messages: Annotated[int, Range(1, 1_000_000)] = 10
    rate: Annotated[float, Range(0, 10_000)] = 10.0
    message: str = "ticket"
    ack_within: Duration = Duration(10.0)
    engine: Literal["inprocess", "locust"] = "inprocess"
    users: Optional[Annotated[int, Range(1, 1_000_000)]] = None
    workers: Annotated[int, Range(0, 64)] = 2
    remote_workers: Annotated[int, Range(0, 1024)] = 0
    spawn_rate: Annotated[float, Range(1, 100_000)] = 500.0
    master_port: Optional[Annotated[int, Range(1, 65_535)]] = None

    def required_messages(self) -> list[str]:
        return [self.message]

    def validate(self, env: Envelope) -> list[str]:
        problems = []
        if self.engine == "inprocess":
            for name, value, default in (("users", self.users, None), ("workers", self.workers, 2),
                                         ("remote_workers", self.remote_workers, 0), ("spawn_rate", self.spawn_rate, 500.0),
                                         ("master_port", self.master_port, None)):
                if value != default:
                    problems.append(f"`{name}` needs `engine: locust` (the in-process generator opens one "
                                    "connection per selected client: raise `clients: {protocol: N}` instead)")
        elif self.workers + self.remote_workers == 0:
            problems.append("`engine: locust` needs at least one worker: `workers` (here) or `remote_workers` (other hosts)")
        return problems

    async def run(self, ctx: RunContext, env: Envelope) -> None:
        names = ctx.select(env.clients or "all", self.client_kinds)
        if self.engine == "locust":
            await run_on_locust(self, ctx, names, reply_type(ctx.target.protocol, self.message))
            return
        proto = ctx.target.protocol
        fmt = FrameFormat(proto.type_field, proto.id_field)
        answer = reply_type(proto, self.message)

        def make_message(client: str, i: int) -> Message:
            message, key = build_message(ctx, client, self.message)
            ctx.journal.record("action", client=client, action="send", key=key,
                               message_id=message.get(proto.id_field), detail={"message": self.message})
            return message

        await LoadGroup(
            [ctx.protocol[n] for n in names], ctx.journal, make_message=make_message,
            messages_per_client=self.messages, rate_per_s=self.rate,
            reply_for=lambda m: (answer, m.get(proto.id_field)), frame_format=fmt,
            ack_timeout_s=ctx.time.deadline(self.ack_within), timeout_s=None,
            group=",".join(names) if len(names) <= 5 else f"{len(names)} clients",
        ).run()
