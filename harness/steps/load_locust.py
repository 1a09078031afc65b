"""`load: {engine: locust}`: the step's templates, proxies and limits turned into a Locust run.

The selected protocol clients lend their proxies: the Locust users are dealt out over them in
turn (`users` connections in all, default one per client), each dialling its proxy with its own
name where the target's `protocol.query` says `{client}`, so a fault on `p0` hits the users
behind p0's proxy. The harness's own protocol clients stay connected beside them.
"""

from __future__ import annotations

import urllib.parse
from typing import Optional, Protocol

from harness.context import RunContext
from harness.errors import InvalidInput
from harness.locust_engine.engine import LocustLoad, LocustSpec
from harness.scenario.yamlpos import Problem
from harness.steps.actions import deep_fill
from harness.units import Duration


class LocustStep(Protocol):
    """The `load` step's fields this module reads (`harness.steps.load.Load`)."""

    @property
    def messages(self) -> int: ...
    @property
    def rate(self) -> float: ...
    @property
    def message(self) -> str: ...
    @property
    def ack_within(self) -> Duration: ...
    @property
    def users(self) -> Optional[int]: ...
    @property
    def workers(self) -> int: ...
    @property
    def remote_workers(self) -> int: ...
    @property
    def spawn_rate(self) -> float: ...
    @property
    def master_port(self) -> Optional[int]: ...

#: The values each Locust user fills in itself (the rest are filled here, from the run's values).
USER_PLACEHOLDERS = ("client", "id", "n", "title")


def user_url(ctx: RunContext, client: str) -> str:
    """The URL of `client`'s proxy as every host dials it (workers may run elsewhere), with
    `{client}` left in the query for each user's own name."""
    proto, proxy = ctx.target.protocol, ctx.proxies[client]
    parts = urllib.parse.urlsplit(ctx.protocol[client].url)._replace(netloc=f"{proxy.host}:{proxy.port}")
    return urllib.parse.urlunsplit(parts._replace(query=proto.query)) if proto.query else parts.geturl()


def spec_of(step: LocustStep, ctx: RunContext, names: list[str], answer: str) -> LocustSpec:
    """What every Locust user of `step` does, from the target's protocol and the run's values."""
    proto = ctx.target.protocol
    if proto.client != "websocket":
        raise InvalidInput([Problem(ctx.target.file, 0, 0, "protocol.client", "`load: {engine: locust}` speaks "
                                    f"plain WebSocket JSON; target {ctx.target.name!r} uses {proto.client!r}: "
                                    "use the in-process generator (leave out `engine`)")])
    keep = {p: "{" + p + "}" for p in USER_PLACEHOLDERS}  # left for the users
    values = {**ctx.values, **keep}
    template = deep_fill(proto.messages[step.message], values)
    assert isinstance(template, dict)  # a message template is a mapping (checked at load)
    return LocustSpec(
        users=step.users or len(names), messages=step.messages, rate=step.rate, template_name=step.message,
        template=template, key=proto.keys.get(step.message), type_field=proto.type_field, id_field=proto.id_field,
        reply_type=answer, ack_timeout_s=ctx.time.deadline(step.ack_within),
        urls={n: user_url(ctx, n) for n in names}, clients=list(names), spawn_rate=step.spawn_rate,
        connect_timeout_s=max(10.0, ctx.time.deadline(step.ack_within)))


async def run_on_locust(step: LocustStep, ctx: RunContext, names: list[str], answer: str) -> None:
    """Run the step's load on a Locust master and its workers (`answer`: the reply type awaited);
    the journal gets what they report."""
    spec = spec_of(step, ctx, names, answer)
    group = ",".join(names) if len(names) <= 5 else f"{len(names)} clients"
    folder = ctx.scenario_dir / f"locust-{ctx.next_number()}"
    await LocustLoad(spec, ctx.journal, folder, group=f"{spec.users} users via {group}", workers=step.workers,
                     remote_workers=step.remote_workers, master_port=step.master_port).run()
