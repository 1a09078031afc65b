"""Browser clients: real Chromium pages driven through Playwright's async API.

`BrowserSession` is one Chromium per run (or per test session); `BrowserClient` is one
simulated user: its own context (storage, offline switch, tracing) and page. An init script
(see `browser_js`) rewrites the app's WebSocket URL to the client's Toxiproxy listener and
reports attempts and close codes; Playwright's `page.on("websocket")` reports frames.
`SocketTracker` joins both into one `ws.*` story per socket.

Platform facts: `set_offline(True)` fires the page's `offline` event but does NOT close an
open WebSocket in Chromium (a network cut must go through Toxiproxy); `sleep()` freezes the
page through CDP so its timers stop, and on `wake()` time has jumped.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Literal, Mapping

from playwright.async_api import BrowserContext, ConsoleMessage, Error as PlaywrightError, Page, StorageState, WebSocket

from harness.aio import within
from harness.drivers import ws_route
from harness.drivers.browser_session import BrowserSession
from harness.drivers.browser_js import BINDING, init_script, probe_script
from harness.drivers.engine_observer import EngineObserver
from harness.drivers.page_http_js import http_script
from harness.drivers.page_routes import serve_local_files
from harness.drivers.page_setup import PageSetup
from harness.drivers.ws_tracker import DEFAULT_FORMAT, FrameFormat, SocketTracker
from harness.errors import InfrastructureError
from harness.events import JSONObject
from harness.journal import Journal
from harness.states import translate
from harness.socket_state import SocketState
from harness.targets.probes import AWAIT_MS

__all__ = ["BrowserSession", "BrowserClient"]  # BrowserSession's old home: callers import it here

class BrowserClient:
    """One simulated user: a browser context and its page, fully journaled."""

    def __init__(
        self,
        session: BrowserSession,
        name: str,
        journal: Journal,
        page_url: str,
        *,
        ws_rewrite: tuple[str, str] | None = None,
        probe_js: str | None = None,
        probe_interval_s: float = 0.2,
        trace: bool = False,
        trace_screenshots: bool = True,
        proxy: str | None = None,
        nav_timeout_s: float = 15.0,
        frame_format: FrameFormat = DEFAULT_FORMAT,
        socket_state: bool = False,
        setup: PageSetup | None = None,
        init_scripts: tuple[str, ...] = (),
        storage_state: str | None = None,
        random_seed: int | None = None,
        page_random: str | None = None,
        resources: tuple[tuple[str, str], ...] = (),
        http_rewrite: tuple[str, str] | None = None,
        states: Mapping[str, str] | None = None,
    ) -> None:
        """`ws_rewrite=(upstream_prefix, proxy_prefix)`: only sockets dialling the upstream prefix
        are the app's, the others are journaled as `ws.ignored`; `probe_js` is an expression
        giving a JSON object; `socket_state` adds `state` from the app socket's lifecycle to
        `last_probe` (a target without a state probe); `setup` runs after the page loads;
        `init_scripts` run in the page after wschaos's own; `storage_state` is a Playwright
        storage-state file every context starts with; `random_seed` seeds `Math.random`;
        `page_random` says in `client.open` whether `--seed` replays the page's own randomness;
        `resources` (URL pattern, file) answers those requests from local files (`page_routes`);
        `http_rewrite=(app_origin, proxy_origin)` sends the page's HTTP requests to the app's origin
        through the proxy (`page_http_js`, the target's `route: origin`); `states` maps the app's
        words for its connection state to wschaos's (the target's `states:`);
        `trace` records a Playwright trace (DOM snapshots of every action), `trace_screenshots`
        adds its filmstrip: a screencast of the page, which costs Chromium about 0.05 CPU-s per
        second per page even while nothing happens (bench/pages.py)."""
        self.session = session
        self.states = dict(states or {})
        self.name = name
        self.journal = journal
        self.page_url = page_url
        self.ws_rewrite = ws_rewrite
        self.probe_js = probe_js
        self.probe_interval_s = probe_interval_s
        self.trace = trace
        self.trace_screenshots = trace_screenshots
        self.proxy = proxy
        self.nav_timeout_s = nav_timeout_s
        self.context: BrowserContext | None = None
        self.page: Page | None = None
        self.tracker = SocketTracker(name, journal, frame_format=frame_format)
        self.probed: dict[str, object] | None = None
        self.probed_at: float | None = None   # time.monotonic() of the last probe values read
        self.crashed = False                  # the page's renderer crashed
        self._generation = 0
        self.socket_state = SocketState() if socket_state else None
        self.engine = EngineObserver(name, journal, self.socket_state)
        self.setup = setup
        self.init_scripts = init_scripts
        self.storage_state = storage_state
        self.random_seed = random_seed
        self.page_random = page_random
        self.resources = resources
        self.http_rewrite = http_rewrite
        self.router: ws_route.PageRouter | None = None  # set before `open`: message faults reach the socket
        self._tracing = False
        self._asleep = False
        self._closed = False

    # -- lifecycle -----------------------------------------------------------------------
    async def open(self) -> "BrowserClient":
        """Create the context (init script, bindings, tracing) and open the page; closes itself on failure."""
        if self.session.browser is None:
            raise InfrastructureError("the browser session is not started: start it before opening clients")
        try:
            return await self._open()
        except BaseException:
            await self.close()
            raise

    async def _open(self) -> "BrowserClient":
        stored = await self.setup.stored_state(self.name) if self.setup else None
        try:
            await self._open_context(stored)
        except BaseException:
            if self.setup:
                self.setup.abandon(self.name)
            raise
        if self.setup:
            await self.setup.run(self, reused=stored is not None)
        return self

    async def _open_context(self, stored: StorageState | None) -> None:
        state = stored if stored is not None else self.storage_state
        self.context = await self.session.browser.new_context(storage_state=state)  # type: ignore[union-attr]
        self.context.set_default_timeout(self.nav_timeout_s * 1000)
        ws_from, ws_to = self.ws_rewrite or (None, None)
        await self.context.add_init_script(script=init_script(ws_from, ws_to, random_seed=self.random_seed))
        await self.context.add_init_script(script=http_script(*(self.http_rewrite or (None, None))))
        if self.probe_js:
            await self.context.add_init_script(script=probe_script(self.probe_js, self.probe_interval_s * 1000))
        for script in self.init_scripts:
            await self.context.add_init_script(script=script)
        await self.context.expose_binding(BINDING, self._on_binding)
        await serve_local_files(self.context, self.resources, self.journal, self.name)
        if self.router is not None:  # after wschaos's init script, so its rewrite applies (ws_route)
            await self.router.install(self.context)
        if self.trace:
            await self.start_tracing()
        # `kind` is taken by the event kind itself, hence `client_kind` (reported to the lead).
        seeded = {"page_random": self.page_random} if self.page_random else {}
        self.journal.record("client.open", client=self.name, client_kind="browser", proxy=self.proxy,
                            url=self.page_url, browser=self.session.where, **seeded)
        await self._new_page()

    async def _new_page(self) -> None:
        assert self.context is not None
        self._generation += 1
        page = await self.context.new_page()
        page.on("websocket", self._on_websocket)
        page.on("pageerror", lambda exc: self.journal.record("page.error", client=self.name, message=str(exc)))  # type: ignore[call-overload]
        page.on("console", self._on_console)
        page.on("crash", lambda _: self._crash())
        self.page = page
        self.crashed = False
        try:
            await page.goto(self.page_url)
        except PlaywrightError as exc:
            raise InfrastructureError(
                f"client {self.name} could not load {self.page_url}: {exc.message.splitlines()[0]}: "
                "is the page server running?"
            ) from exc

    async def close(self) -> None:
        """Discard an unsaved trace, close the context; idempotent."""
        if self._closed:
            return
        self._closed = True
        if self.context is not None:
            await self.stop_tracing(None)
            with contextlib.suppress(PlaywrightError):
                await self.context.close()
            await self.tracker.flush()
            self.journal.record("client.close", client=self.name)
        self.context = self.page = None

    async def __aenter__(self) -> "BrowserClient":
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- observation ---------------------------------------------------------------------
    @property
    def last_probe(self) -> dict[str, object] | None:
        """The page's latest values: its probes, plus `state` from the app socket when the
        target has no state probe (None before anything was seen)."""
        if self.socket_state is None or self.socket_state.state is None:
            return self.probed
        return {"state": self.socket_state.state, **(self.probed or {})}

    async def _on_binding(self, source: JSONObject, payload: JSONObject) -> None:
        if isinstance(payload, dict):
            if payload.get("event") == "probe":
                self._probed(payload.get("values"))
                return
            if not self.engine.page_event(payload):  # a Socket.IO page's state follows its session
                self._follow_socket(payload)
            self.tracker.page_event(payload)

    def _crash(self) -> None:
        self.crashed = True
        self.journal.record("page.error", client=self.name, message="the page crashed (its renderer process died)")

    def _probed(self, values: object) -> None:
        """The page's probe script read new values (it reports changes only)."""
        if self._closed or self._asleep:
            return
        self.probed_at = time.monotonic()
        found = translate(values, self.states) if isinstance(values, dict) else {"value": values}
        if found != self.probed:
            self.probed = found
            self.journal.record("probe", client=self.name, values=found)

    def _follow_socket(self, payload: JSONObject) -> None:
        state, event, sid = self.socket_state, payload.get("event"), payload.get("sid")
        if state is None:
            return
        key = (self._generation, sid)  # the init script numbers sockets per page load
        if event == "attempt":
            state.attempt()
        elif event == "open":
            state.opened(key)
        elif event == "close":
            state.closed(key)

    def _page_gone(self) -> None:
        """The page is reloading or replaced: its sockets go with it."""
        self._generation += 1
        self.engine.lost()
        if self.socket_state is not None:
            self.socket_state.lost()

    def is_app_socket(self, url: str) -> bool:
        """Whether a socket of the page is the app's: it dials the client's proxy (after the
        rewrite), or anything at all when nothing is rewritten."""
        if not self.ws_rewrite:
            return True
        prefix = self.ws_rewrite[1]
        return url.startswith(prefix) and url[len(prefix):][:1] in ("", "/", "?", "#")

    def _on_websocket(self, ws: WebSocket) -> None:
        if not self.is_app_socket(ws.url):
            self.journal.record("ws.ignored", client=self.name, url=ws.url)
            return
        key = id(ws)
        self.tracker.created(key, ws.url)
        ws.on("framesent", lambda payload: self.tracker.frame(key, "sent", payload))
        ws.on("framereceived", lambda payload: self.tracker.frame(key, "received", payload))
        ws.on("close", lambda _ws: self.tracker.playwright_closed(key))

    def _on_console(self, msg: ConsoleMessage) -> None:
        level = msg.type
        if level in ("error", "warning"):
            self.journal.record("page.console", client=self.name, level=level, text=msg.text)

    @property
    def asleep(self) -> bool:
        """Frozen by `sleep()` (its timers stopped) until `wake()`."""
        return self._asleep

    async def fresh_probe(self, max_age_s: float, since: float | None = None) -> dict[str, object] | None:
        """The page's values no older than `max_age_s` and read no earlier than `since` (a
        `time.monotonic()`: the start of the step asking, so a value from before the action just
        done is not taken for its result): the last ones pushed if they are that fresh (the page
        pushes only changes), else read again from the page. None while there is nothing to read
        (asleep, navigating). A page that crashed or is gone is the harness's trouble, not
        evidence: `InfrastructureError`."""
        if not self.probe_js:
            return self.last_probe  # socket state: every change is pushed as it happens
        now = time.monotonic()
        fresh = (self.probed_at is not None and now - self.probed_at <= max_age_s
                 and (since is None or self.probed_at >= since))
        if fresh or self._asleep:
            return self.last_probe if fresh else None
        values = await self.probe()
        if values is not None:
            self._probed(values)
            return self.last_probe
        if self.crashed or (self.page is not None and self.page.is_closed()):
            raise InfrastructureError(f"the page of {self.name} {'crashed' if self.crashed else 'was closed'}: "
                                      "its state can no longer be read")
        return None

    async def probe(self) -> dict[str, object] | None:
        """Evaluate `probe_js` once; None while the page is navigating, closed or asleep."""
        if not self.probe_js or self.page is None or self._asleep:
            return None
        try:
            values = await within(max(AWAIT_MS / 1000 + 1.0, self.probe_interval_s * 5), self.page.evaluate(self.probe_js))
        except (PlaywrightError, asyncio.TimeoutError):
            return None  # navigation, reload, closed page: the next tick will see the new page
        return values if isinstance(values, dict) else {"value": values}

    # -- browser-side faults -------------------------------------------------------------
    def _require_page(self) -> Page:
        if self.page is None:
            raise InfrastructureError(f"client {self.name} has no open page: call open_page() first")
        return self.page

    async def set_offline(self, offline: bool) -> None:
        """Switch the context offline/online (fires the page events; does NOT close open sockets)."""
        assert self.context is not None
        self.journal.record("browser.event", client=self.name, event="offline" if offline else "online")
        await self.context.set_offline(offline)

    async def set_visibility(self, state: Literal["hidden", "visible"]) -> None:
        """Make `document.visibilityState` say `state` and dispatch `visibilitychange`."""
        if state not in ("hidden", "visible"):
            raise ValueError(f"unknown visibility {state!r}: expected 'hidden' or 'visible'")
        self.journal.record("browser.event", client=self.name, event=state)
        await self._require_page().evaluate("(s) => window.__wschaosSetVisibility(s)", state)

    async def sleep(self) -> None:
        """Freeze the page (CDP `Page.setWebLifecycleState` frozen): timers and callbacks stop."""
        await self._lifecycle("frozen", "sleep")
        self._asleep = True

    async def wake(self) -> None:
        """Unfreeze the page; its timers see that time jumped."""
        self._asleep = False
        await self._lifecycle("active", "wake")

    async def _lifecycle(self, state: str, event: str) -> None:
        page = self._require_page()
        assert self.context is not None
        self.journal.record("browser.event", client=self.name, event=event)
        cdp = await self.context.new_cdp_session(page)
        try:
            await cdp.send("Page.setWebLifecycleState", {"state": state})
        finally:
            with contextlib.suppress(PlaywrightError):
                await cdp.detach()

    async def reload(self) -> None:
        """Reload the page (the app starts over; the context and its storage stay)."""
        self.journal.record("browser.event", client=self.name, event="reload")
        self._page_gone()
        self._asleep = False
        await self._require_page().reload()

    async def close_page(self) -> None:
        """Close the page but keep the context (localStorage survives for `open_page`)."""
        if self.page is None:
            return
        self.journal.record("browser.event", client=self.name, event="close")
        if self.socket_state is not None:
            self.socket_state.ended()
        page, self.page = self.page, None
        self._asleep = False
        with contextlib.suppress(PlaywrightError):
            await page.close()

    async def open_page(self) -> None:
        """Open a new page in the same context and load `page_url`."""
        if self.page is not None:
            return
        self.journal.record("browser.event", client=self.name, event="open")
        await self._new_page()

    # -- passthroughs and evidence -------------------------------------------------------
    async def evaluate(self, js: str, arg: object = None) -> object:
        """`page.evaluate(js, arg)`: the expression's value, decoded from JSON-like JS data."""
        return await self._require_page().evaluate(js, arg)

    async def fill(self, selector: str, value: str) -> None:
        """`page.fill(selector, value)`."""
        await self._require_page().fill(selector, value)

    async def click(self, selector: str) -> None:
        """`page.click(selector)`."""
        await self._require_page().click(selector)

    async def press(self, selector: str, key: str) -> None:
        """`page.press(selector, key)`."""
        await self._require_page().press(selector, key)

    async def why_not_actionable(self, selector: str) -> str:
        """After an operation on `selector` timed out: 'matched nothing within 15s', or what else held it up."""
        within_s = f"within {self.nav_timeout_s:g}s"
        try:
            count = await self._require_page().locator(selector).count()
        except PlaywrightError as exc:
            return f"could not be used ({str(exc).splitlines()[0]})"
        if count == 0:
            return f"matched nothing {within_s}"
        return f"matched {count} element(s), but none became visible, enabled and uncovered {within_s}"

    async def screenshot(self, path: str | Path, full_page: bool = False) -> Path:
        """Write a PNG of the page (or the whole scrollable page) to `path` and return it."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        await self._require_page().screenshot(path=str(path), full_page=full_page)
        return path

    async def start_tracing(self) -> None:
        """Start a Playwright trace (DOM snapshots, and screenshots if `trace_screenshots`) if none is running."""
        if self.context is not None and not self._tracing:
            await self.context.tracing.start(screenshots=self.trace_screenshots, snapshots=True)
            self._tracing = True

    async def stop_tracing(self, path: str | Path | None = None) -> Path | None:
        """Stop tracing; save the zip to `path` only if given (e.g. on failure), else discard."""
        if self.context is None or not self._tracing:
            return None
        self._tracing = False
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            await self.context.tracing.stop(path=str(path) if path is not None else None)
        except PlaywrightError:
            return None
        return Path(path) if path is not None else None
