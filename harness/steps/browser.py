"""Browser steps: offline/online events, hidden/visible tab, sleep/wake, reload, close/open; screenshots."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import ClassVar, Literal

from harness.context import RunContext
from harness.drivers.browser import BrowserClient
from harness.steps.base import Envelope, Step, steps

BrowserAction = Literal["offline", "online", "hide", "show", "sleep", "wake", "reload", "close", "open"]
_UNDO = {"offline": "online", "hide": "show", "sleep": "wake", "close": "open"}


async def _do(client: BrowserClient, action: str) -> None:
    if action in ("offline", "online"):
        await client.set_offline(action == "offline")
    elif action in ("hide", "show"):
        await client.set_visibility("hidden" if action == "hide" else "visible")
    elif action == "sleep":
        await client.sleep()
    elif action == "wake":
        await client.wake()
    elif action == "reload":
        await client.reload()
    elif action == "close":
        await client.close_page()
    else:
        await client.open_page()


@steps.register("browser")
@dataclass(frozen=True)
class Browser(Step):
    """A browser-side event on the selected pages. Note: `offline` fires the page's events but does not cut an open WebSocket in Chromium; use `down` for a real cut."""

    primary: ClassVar[str] = "action"
    client_kinds: ClassVar[tuple[str, ...]] = ("browser",)
    revertible: ClassVar[bool] = True
    undoable_actions: ClassVar[tuple[str, ...]] = tuple(_UNDO)
    action: BrowserAction

    async def run(self, ctx: RunContext, env: Envelope) -> None:
        names = ctx.select(env.clients or "all", self.client_kinds)
        undo = _UNDO.get(self.action)
        for name in names:
            client = ctx.browsers[name]
            if undo is not None:
                ctx.on_revert(f"{undo} {name}", partial(_do, client, undo))
            await _do(client, self.action)

    def action_word(self) -> str:
        return self.action

    def validate(self, env: Envelope) -> list[str]:
        if env.for_ is not None and not self.undoable():
            return [f"'for' undoes {', '.join(_UNDO)}; {self.action!r} cannot be undone"]
        return []


@steps.register("screenshot")
@dataclass(frozen=True)
class Screenshot(Step):
    """Save a PNG of each selected page as evidence, named by `label`."""

    primary: ClassVar[str] = "label"
    client_kinds: ClassVar[tuple[str, ...]] = ("browser",)
    label: str
    full_page: bool = False

    async def run(self, ctx: RunContext, env: Envelope) -> None:
        for name in ctx.select(env.clients or "all", self.client_kinds):
            rel = f"screenshots/{_slug(self.label)}-{name}.png"
            await ctx.browsers[name].screenshot(ctx.scenario_dir / rel, full_page=self.full_page)
            ctx.journal.record("screenshot", label=self.label, client=name, path=rel)


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text).strip("-") or "shot"
