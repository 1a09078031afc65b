"""A page's app socket routed through Playwright, so message faults can act on single frames.

`PageRouter.install` calls `BrowserContext.route_web_socket` for the URL the page dials (the
target's `websocket` origin). Playwright then replaces the page's `WebSocket` with its mock:
every socket the app opens is handed to `_route`, which opens the real connection with
`WebSocketRoute.connect_to_server()` and passes each frame, both ways, through the client's
rules (`harness.messages`): with none in force a frame goes straight on.

How it composes with wschaos's own rewrite of the page's socket to the client's Toxiproxy
listener (`browser_js`): the route is installed after wschaos's init script, so Playwright's
mock captures wschaos's wrapped `WebSocket` as its "native" one. `connect_to_server()` dials
the URL the page asked for through that wrapper, which rewrites it to the client's proxy and
reports it as before: the real socket still runs through Toxiproxy (network faults still
apply), and `page.on("websocket")` and the init script still journal the wire (`ws.*`).
The route pattern is matched against the URL the page asked for, before the rewrite.

Limits (Playwright's): only sockets created after `install` are routed, so a page is routed
from the start, never mid-run; ping/pong control frames are not visible. A page can be given
any close code (its `close` event carries it), but the real socket can only be closed by the
browser with 1000 or 3000-4999: other codes close it with 1000, and 1006 (abnormal) cuts the
client's connection through its Toxiproxy proxy (`cut`), so the server sees no close frame.
"""

from __future__ import annotations

import asyncio
import re
from typing import Awaitable, Callable, Optional, Union

from playwright.async_api import BrowserContext, Error as PlaywrightError, WebSocketRoute

from harness.drivers.toxiproxy import Proxy
from harness.drivers.ws_tracker import DEFAULT_FORMAT, FrameFormat
from harness.errors import StepFailed
from harness.journal import Journal
from harness.messages.match import Direction, Frame
from harness.messages.rules import ClientRules, CloseAfter, Delivery, SocketFilter, Verdict

Payload = Union[str, bytes]
#: Close codes a browser may send on a real socket.
BROWSER_CODES = range(3000, 5000)


def app_socket_pattern(*origins: str) -> "re.Pattern[str]":
    """Sockets whose URL starts with one of `origins` followed by `/`, `?`, `#` or nothing (the app's)."""
    special = set(".^$*+?()[]{}|\\/")
    escaped = ["".join("\\" + ch if ch in special else ch for ch in o) for o in origins]  # the same in Python and JS
    return re.compile(f"^({'|'.join(escaped)})([/?#]|$)")


def cut_through(proxy: Proxy) -> Callable[[], Awaitable[None]]:
    """Cut a client's connections without a close frame: its proxy disabled and at once enabled
    again (Toxiproxy closes what it carried; a new connection is accepted on the same port)."""
    async def cut() -> None:
        await proxy.disable()
        await proxy.enable()

    return cut


class PageRouter:
    """One browser client's routed sockets and the message faults in force on them."""

    def __init__(self, client: str, journal: Journal, origin: str, *, frame_format: FrameFormat = DEFAULT_FORMAT,
                 cut: Optional[Callable[[], Awaitable[None]]] = None, also: tuple[str, ...] = ()) -> None:
        """`origin`: the URL prefix the page dials for the app (`ws://127.0.0.1:8765`); `also`: other
        prefixes that are the app's too (the client's proxy, which a page loaded through it, under
        `route: origin`, dials directly); `cut`: how to cut the client's connection without a close
        frame (its proxy, briefly down)."""
        self.client = client
        self.journal = journal
        self.origin = origin
        self.also = also
        self.frame_format = frame_format
        self.cut = cut
        self.rules = ClientRules(client, journal)
        self.sockets: list[RoutedSocket] = []

    async def install(self, context: BrowserContext) -> None:
        """Route the app's sockets of every page of `context` (call before the page loads)."""
        await context.route_web_socket(app_socket_pattern(self.origin, *self.also), self._route)

    def _route(self, ws: WebSocketRoute) -> None:
        sock = RoutedSocket(self, ws)
        self.sockets = [s for s in self.sockets if not s.ended] + [sock]

    @property
    def current(self) -> Optional["RoutedSocket"]:
        """The newest socket still open, if any."""
        return next((s for s in reversed(self.sockets) if not s.ended), None)

    async def inject(self, payload: str, direction: Direction, fault_id: str) -> None:
        """Hand the page a crafted frame as if the server sent it (`received`), or send it to the server."""
        sock = self.current
        if sock is None:
            raise StepFailed(f"{self.client} has no open app socket to inject a frame into: wait until it is "
                             "connected (an `expect: {state: connected}` step)")
        self.rules.note(fault_id, "inject", "injected", Frame.of(direction, payload, self.frame_format), True)
        sock.pass_on(direction, payload)


class RoutedSocket:
    """One socket of the page: the page side (`ws`) and the server side Playwright opened."""

    def __init__(self, router: PageRouter, ws: WebSocketRoute) -> None:
        self.router = router
        self.ws = ws
        self.faults: SocketFilter = router.rules.socket(self._released)
        self.closing = False  # a message fault closed it: nothing more passes
        self.ended = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.server = ws.connect_to_server()
        ws.on_message(lambda message: self._offer("sent", message))
        self.server.on_message(lambda message: self._offer("received", message))
        ws.on_close(self._page_closed)  # the server side's close keeps Playwright's own forwarding

    def _offer(self, direction: Direction, payload: Payload) -> None:
        if self.closing:
            return
        if not self.faults.busy:
            self.pass_on(direction, payload)
            return
        self._obey(direction, self.faults.offer(Frame.of(direction, payload, self.router.frame_format)))

    def _obey(self, direction: Direction, verdict: Verdict) -> None:
        loop = asyncio.get_running_loop()
        for d in verdict.deliveries:
            if d.delay_s:
                loop.call_later(d.delay_s, self._pass_on_unless_closed, direction, d.payload)
            else:
                self.pass_on(direction, d.payload)
        if verdict.close is not None:
            self.closing = True
            self._spawn(self._close(verdict.close))

    def pass_on(self, direction: Direction, payload: Payload) -> None:
        """Hand a frame to the other side: a sent frame to the server, a received one to the page."""
        if self.ended:
            return
        (self.server if direction == "sent" else self.ws).send(payload)

    def _pass_on_unless_closed(self, direction: Direction, payload: Payload) -> None:
        if not self.closing:
            self.pass_on(direction, payload)

    def _released(self, direction: Direction, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            self.pass_on(direction, d.payload)

    async def _close(self, close: CloseAfter) -> None:
        """The page is given `close.code`; the real socket closes with it if a browser may send
        it, with 1000 if not, and is cut through the proxy (no close frame) for 1006."""
        self.faults.close()
        await self.ws.close(code=close.code, reason=close.reason)
        if close.code == 1006 and self.router.cut is not None:
            await self.router.cut()
        code = close.code if close.code == 1000 or close.code in BROWSER_CODES else 1000
        await self.server.close(code=code, reason=close.reason)

    def _page_closed(self, code: Optional[int], reason: Optional[str]) -> None:
        """The page side closed: the app closed it, a fault did, or the server's close was
        forwarded (Playwright's default); the server side follows unless it is gone already."""
        self.ended = True
        self.faults.close()
        if not self.closing:
            self._spawn(self.server.close(code=code, reason=reason))

    def _spawn(self, work: Awaitable[None]) -> None:
        async def guarded() -> None:
            try:
                await work
            except PlaywrightError:
                pass  # the page navigated or closed meanwhile: its sockets are gone anyway

        task = asyncio.get_running_loop().create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
