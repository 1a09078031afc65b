"""Join two views of a page's WebSockets into one journal story per socket.

Playwright (`page.on("websocket")`) sees every socket's frames and its end, but no close
code; the init script sees attempts, the real `open` and the close code/reason, but has no
handle Playwright knows. Sockets are matched by URL in creation order (a client reconnects
sequentially, so this is exact in practice). Rules:

- `ws.open` is recorded once per socket, at the init script's `open` or at the first frame,
  whichever comes first. A socket that never opened (refused attempt) gets no `ws.open` and
  no `ws.close`: it shows up as a `ws.attempt` only.
- `ws.close` is recorded once, preferring the init script's code/reason; if only Playwright
  reports the end (the page unloaded mid-report), it is recorded after `close_wait_s`
  without a code.
- `ws.sent_at` (the page's clock when the app called `send`) goes to the socket whose init
  script `open` carried the same page socket number (`sid`): a send comes after its socket's
  open on the same binding, so it follows the URL match made there, even when the app opened
  the next socket before the last one's close was reported.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Callable

from harness.drivers.lagmon import record_page_lag
from harness.events import JSON, JSONObject
from harness.journal import Journal
from harness.jsontext import loads

TEXT_LIMIT = 2000


@dataclass
class _Socket:
    id: str
    url: str
    page_opened: bool = False
    page_closed: bool = False
    open_recorded: bool = False
    close_recorded: bool = False
    sid: object = None  # the init script's number for it (per page load), from its `open`


@dataclass(frozen=True)
class FrameFormat:
    """Which JSON fields of the target's frames carry the message type and id (its `protocol`).

    The journal always records them as `type` and `id`, so checks need not know the target."""

    type_field: str = "type"
    id_field: str = "id"


DEFAULT_FORMAT = FrameFormat()


def frame_fields(payload: str | bytes, fmt: FrameFormat = DEFAULT_FORMAT) -> JSONObject:
    """`type`, `id` and `data` of one frame: parsed JSON, or text cut to 2000 characters."""
    fields, _ = parse_frame(payload, fmt)
    return fields


def parse_frame(payload: str | bytes, fmt: FrameFormat = DEFAULT_FORMAT) -> tuple[JSONObject, str | None]:
    """`frame_fields` and the frame's JSON text (None when it is not JSON), for `record_frame`."""
    type, id, data, text = decode_frame(payload, fmt)
    return {"type": type, "id": id, "data": data}, text


def decode_frame(payload: str | bytes, fmt: FrameFormat = DEFAULT_FORMAT) -> tuple[JSON, JSON, JSON, str | None]:
    """`type`, `id`, `data` and JSON text of one frame, as `parse_frame` (no dict: the receive hot path)."""
    if isinstance(payload, (bytes, bytearray)):
        payload = bytes(payload).decode("utf-8", errors="replace")
    try:
        data = loads(payload)
    except ValueError:
        return None, None, payload[:TEXT_LIMIT], None
    if isinstance(data, dict):
        return data.get(fmt.type_field), data.get(fmt.id_field), data, payload
    return None, None, data, payload


def record_frame(journal: Journal, client: str, socket: str | None, direction: str,
                 payload: str | bytes, fmt: FrameFormat = DEFAULT_FORMAT) -> JSONObject:
    """Parse one frame and journal it as `ws.frame` (the compact way); returns its fields."""
    fields, raw = parse_frame(payload, fmt)
    journal.record_frame(client, socket, direction, fields["type"], fields["id"], fields["data"], raw)
    return fields


class SocketTracker:
    """Per-client socket bookkeeping; records ws.attempt/open/frame/close in the journal."""

    def __init__(self, client: str, journal: Journal, close_wait_s: float = 0.5,
                 frame_format: FrameFormat = DEFAULT_FORMAT) -> None:
        self.client = client
        self.journal = journal
        self.close_wait_s = close_wait_s
        self.frame_format = frame_format
        self._sockets: list[_Socket] = []
        self._by_key: dict[int, _Socket] = {}
        self._pending: list[JSONObject] = []  # init-script events that came before their socket
        self._by_sid: dict[object, _Socket] = {}  # the latest socket the page opened under each sid
        self._tasks: set[asyncio.Task[None]] = set()

    def created(self, key: int, url: str) -> str:
        """Playwright saw a new socket; returns its journal id (`s1`, `s2`, ...)."""
        sock = _Socket(id=f"s{len(self._sockets) + 1}", url=url)
        self._sockets.append(sock)
        self._by_key[key] = sock
        pending, self._pending = self._pending, []
        for event in pending:
            self.page_event(event)
        return sock.id

    def page_event(self, event: JSONObject) -> None:
        """An init-script report: `attempt`, `open`, `close`, `send` or `lag`."""
        kind, url = event.get("event"), event.get("url")
        if kind == "lag":  # the page's timer drift (browser_js), journaled by the lag monitor's rules
            record_page_lag(self.journal, self.client, event)
            return
        if kind == "attempt":
            self.journal.record("ws.attempt", client=self.client, url=url, page_t=event.get("page_t"))
            return
        if kind == "open":
            sock = self._first(url, lambda s: not s.page_opened and not s.page_closed)
            if sock is None:
                self._pending.append(event)
                return
            sock.page_opened = True
            sock.sid = event.get("sid")
            self._by_sid[sock.sid] = sock
            self._record_open(sock)
        elif kind == "send":
            self._sent_at(event)
        elif kind == "closing":
            sock = self._by_sid.get(event.get("sid"))
            self.journal.record("ws.closing", client=self.client, socket=sock.id if sock is not None else None,
                                code=event.get("code"), reason=event.get("reason"), page_t=event.get("page_t"))
        elif kind == "close":
            sock = self._first(url, lambda s: not s.page_closed)
            if sock is None:
                self._pending.append(event)
                return
            sock.page_closed = True
            if sock.open_recorded and not sock.close_recorded:
                sock.close_recorded = True
                self.journal.record(
                    "ws.close", client=self.client, socket=sock.id, code=event.get("code"),
                    reason=event.get("reason"), page_t=event.get("page_t"),
                )

    def _sent_at(self, event: JSONObject) -> None:
        sid = event.get("sid")
        sock = self._by_sid.get(sid)
        # A queued open of the same sid is a newer socket (a reload numbers from 1 again).
        newer = any(p.get("event") == "open" and p.get("sid") == sid for p in self._pending)
        if sock is None or sock.url != event.get("url") or newer:
            self._pending.append(event)
            return
        self.journal.record("ws.sent_at", client=self.client, socket=sock.id, n=event.get("n"),
                            page_t=event.get("page_t"))

    def frame(self, key: int, direction: str, payload: str | bytes) -> None:
        """Playwright saw a frame (`sent` or `received`)."""
        sock = self._by_key.get(key)
        if sock is None:
            return
        self._record_open(sock)
        record_frame(self.journal, self.client, sock.id, direction, payload, self.frame_format)

    def playwright_closed(self, key: int) -> None:
        """Playwright saw the socket end; record it later if the init script does not."""
        sock = self._by_key.get(key)
        if sock is None or sock.close_recorded or not sock.open_recorded:
            return
        task = asyncio.get_running_loop().create_task(self._close_later(sock))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close_later(self, sock: _Socket) -> None:
        await asyncio.sleep(self.close_wait_s)
        self._close_without_code(sock)

    def _close_without_code(self, sock: _Socket) -> None:
        if sock.open_recorded and not sock.close_recorded:
            sock.close_recorded = True
            self.journal.record("ws.close", client=self.client, socket=sock.id)

    async def flush(self) -> None:
        """Record the pending Playwright-only closes now (the client is closing)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for sock in self._sockets:
            if sock.page_closed or sock.close_recorded:
                continue
            self._close_without_code(sock)

    def _record_open(self, sock: _Socket) -> None:
        if not sock.open_recorded:
            sock.open_recorded = True
            self.journal.record("ws.open", client=self.client, socket=sock.id, url=sock.url)

    def _first(self, url: object, pred: Callable[[_Socket], bool]) -> _Socket | None:
        return next((s for s in self._sockets if s.url == url and pred(s)), None)
