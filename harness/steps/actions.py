"""User actions through the page's UI (as the target's `actions` describe them) and raw protocol sends."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Annotated, ClassVar, Mapping, Optional

from playwright.async_api import TimeoutError as PlaywrightTimeout

from harness.context import RunContext
from harness.drivers.browser import BrowserClient
from harness.errors import StepFailed
from harness.events import JSONObject
from harness.steps.base import Envelope, Step, steps
from harness.target import Action, fill
from harness.units import Range


async def run_ops(client: BrowserClient, name: str, action: Action, values: JSONObject) -> JSONObject:
    """Run the target action `name`'s operations on one page; returns the values, with what `read` ops stored.

    An operation whose selector Playwright gives up on fails the step, naming the action, the
    client and the selector: `action 'add_ticket' on b0: click '#add' matched nothing within 15s`."""
    values = dict(values)
    for op in action.ops:
        try:
            await op.run(client, values)
        except PlaywrightTimeout:
            why = await client.why_not_actionable(fill(op.selector, values))
            raise StepFailed(f"action {name!r} on {client.name}: {op.describe(values)} {why}; "
                             "check the selector in the target's `actions:` (a `screenshot` step shows the page)") from None
    return values


def created(ctx: RunContext, client: str) -> list[str]:
    """Titles of the items UI actions created on `client`'s page, in order."""
    return ctx.memory("ui_action.created", _titles).setdefault(client, [])


def _titles() -> dict[str, list[str]]:
    return {}


def _used() -> set[str]:
    return set()


class _RepeatedUIAction(Step):
    """Runs a target UI action `count` times per page; subclasses say which action."""

    client_kinds: ClassVar[tuple[str, ...]] = ("browser",)
    count: int
    rate: float

    def action_name(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def required_actions(self) -> list[str]:
        return [self.action_name()]

    async def run(self, ctx: RunContext, env: Envelope) -> None:
        names = ctx.select(env.clients or "all", self.client_kinds)
        await asyncio.gather(*(self._one(ctx, n) for n in names))

    def titles(self, ctx: RunContext, client: str) -> list[str]:
        """The `{title}` of each run on `client`'s page: a new unique one each (the item it creates)."""
        what = self.action_name().replace("_", "-")
        return [f"{client}-{what}-{ctx.next_number()}" for _ in range(self.count)]

    async def _one(self, ctx: RunContext, name: str) -> None:
        what = self.action_name()
        action = ctx.target.actions[what]
        for title in self.titles(ctx, name):
            values = await run_ops(ctx.browsers[name], what, action, {**ctx.values, "title": title, "client": name})
            self.ran(ctx, name, title)
            key = fill(action.key, values) if action.key else None
            ctx.journal.record("action", client=name, action=what, key=key, detail={"title": title})
            if self.rate > 0:
                await asyncio.sleep(1.0 / self.rate)

    def ran(self, ctx: RunContext, client: str, title: str) -> None:
        """One run done: its item is one the page created."""
        created(ctx, client).append(title)


@steps.register("action")
@dataclass(frozen=True)
class UIAction(_RepeatedUIAction):
    """Run the target's UI action `name` (its `actions:` entry) `count` times on each selected page, `rate` per second (0 = at once); each run gets a unique `{title}`, or with `on_created` the title of an item earlier actions created on that page and this action has not run on yet."""

    primary: ClassVar[str] = "name"
    name: str
    count: Annotated[int, Range(1, 100_000)] = 1
    rate: Annotated[float, Range(0, 10_000)] = 0.0
    on_created: bool = False

    def action_name(self) -> str:
        return self.name

    def titles(self, ctx: RunContext, client: str) -> list[str]:
        if not self.on_created:
            return super().titles(ctx, client)
        used = ctx.memory(f"{self.name}.used", _used)
        fresh = [t for t in created(ctx, client) if t not in used]
        if len(fresh) < self.count:
            raise StepFailed(f"{client} has {len(fresh)} items earlier actions created that {self.name!r} has not run "
                             f"on, {self.count} needed: run an action that creates items on {client} first")
        return fresh[: self.count]

    def ran(self, ctx: RunContext, client: str, title: str) -> None:
        if self.on_created:
            ctx.memory(f"{self.name}.used", _used).add(title)
        else:
            super().ran(ctx, client, title)


@steps.register("add_tickets")
@dataclass(frozen=True)
class AddTickets(_RepeatedUIAction):
    """Add `count` tickets through each selected page's UI (the target's `add_ticket` action), `rate` per second (0 = as fast as possible)."""

    primary: ClassVar[str] = "count"
    count: Annotated[int, Range(1, 100_000)] = 1
    rate: Annotated[float, Range(0, 10_000)] = 0.0

    def action_name(self) -> str:
        return "add_ticket"


@steps.register("trigger_workflow")
@dataclass(frozen=True)
class TriggerWorkflow(Step):
    """Click "trigger workflow" on `count` tickets this page added and has not triggered yet."""

    primary: ClassVar[str] = "count"
    client_kinds: ClassVar[tuple[str, ...]] = ("browser",)
    count: Annotated[int, Range(1, 100_000)] = 1

    def required_actions(self) -> list[str]:
        return ["trigger_workflow"]

    async def run(self, ctx: RunContext, env: Envelope) -> None:
        action = ctx.target.actions["trigger_workflow"]
        used = ctx.memory("trigger_workflow.used", set)
        for name in ctx.select(env.clients or "all", self.client_kinds):
            fresh = [t for t in created(ctx, name) if t not in used]
            if len(fresh) < self.count:
                raise StepFailed(f"{name} has {len(fresh)} untriggered tickets, {self.count} needed: add_tickets first")
            for title in fresh[: self.count]:
                values = await run_ops(ctx.browsers[name], "trigger_workflow", action, {**ctx.values, "title": title, "client": name})
                used.add(title)
                key = fill(action.key, values) if action.key else None
                ctx.journal.record("action", client=name, action="trigger_workflow", key=key, detail={"title": title})


@steps.register("send")
@dataclass(frozen=True)
class Send(Step):
    """Send `count` protocol messages (a template named in the target's `protocol.messages`, or `raw` text) from protocol clients; `values` fixes template placeholders (a recorded id)."""

    primary: ClassVar[str] = "message"
    client_kinds: ClassVar[tuple[str, ...]] = ("protocol",)
    message: Optional[str] = None
    raw: Optional[str] = None
    count: Annotated[int, Range(1, 1_000_000)] = 1
    rate: Annotated[float, Range(0, 10_000)] = 0.0
    values: Optional[dict[str, object]] = None

    def __post_init__(self) -> None:
        if (self.message is None) == (self.raw is None):
            raise ValueError("send takes exactly one of message (a template name) or raw (text)")
        if self.values is not None and self.message is None:
            raise ValueError("send: values fill a template's placeholders: give message (a template name) too")

    def required_messages(self) -> list[str]:
        return [self.message] if self.message else []

    async def run(self, ctx: RunContext, env: Envelope) -> None:
        names = ctx.select(env.clients or "all", self.client_kinds)
        await asyncio.gather(*(self._one(ctx, n) for n in names))

    async def _one(self, ctx: RunContext, name: str) -> None:
        client = ctx.protocol[name]
        if not client.connected:
            await client.connect()
        for _ in range(self.count):
            if self.raw is not None:
                await client.send_text(self.raw)
            else:
                assert self.message is not None  # __post_init__ requires message or raw
                message, key = build_message(ctx, name, self.message, self.values)
                ctx.journal.record("action", client=name, action="send", key=key, message_id=message.get(ctx.target.protocol.id_field), detail={"message": self.message})
                await client.send_json(message)
            if self.rate > 0:
                await asyncio.sleep(1.0 / self.rate)


def build_message(ctx: RunContext, client: str, name: str,
                  fixed: Optional[Mapping[str, object]] = None) -> tuple[JSONObject, Optional[str]]:
    """Fill the target's message template `name` (`fixed` placeholders as given, e.g. a recorded
    id); returns (message, ledger key)."""
    proto = ctx.target.protocol
    if name not in proto.messages:
        raise StepFailed(f"target has no protocol message {name!r}; known: {', '.join(proto.messages)}")
    values = {**ctx.values, "client": client, "id": uuid.uuid4().hex, "n": ctx.next_number()}
    values["title"] = f"{client}-msg-{values['n']}"
    values.update(fixed or {})
    message = {k: deep_fill(v, values) for k, v in proto.messages[name].items()}
    key = fill(proto.keys[name], values) if name in proto.keys else None
    return message, key


def deep_fill(template: object, values: Mapping[str, object]) -> object:
    if isinstance(template, str):
        return fill(template, values)
    if isinstance(template, dict):
        return {k: deep_fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [deep_fill(v, values) for v in template]
    return template
