"""Protocol clients that speak Socket.IO, through python-socketio's asyncio client.

A Socket.IO server does not take plain WebSocket frames: it speaks Engine.IO (a long-polling
handshake, then usually an upgrade) and Socket.IO packets (events, acks, namespaces). Rather than
framing them by hand, `SocketIOClient` drives `socketio.AsyncClient` (its defaults: polling
first, then the upgrade; no reconnection of its own, like `ProtocolClient`) and offers the same
face as `ProtocolClient`, so `send`, `load` (`LoadGroup`), `expect` and the checks use it as they
are. The target's message templates are events (`protocol.client: socketio`):

    messages:
      note: {type: note, id: "{id}", text: "{title}"}   # emit("note", {"id": ..., "text": ...}, ack)

the template's `type_field` names the event and the rest is its payload; every event is emitted
with an ack callback, and the ack is journaled (and seen by listeners) as a received frame of
the target's `ack_type` with the message's id: `{type: ack, id: <id>, data: [the ack's args]}`.
Events the server emits are received frames `{type: <event>, id: <payload's id_field>, data}`.
The session is journaled as `ws.attempt`, `ws.open` (socket `s1`, `s2`...) and `ws.close`.
Loopback only.

python-socketio is an optional dependency (`pip install wschaos[socketio]`); it is imported
only when a target asks for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import urllib.parse
from typing import Any, Callable

from harness.aio import within
from harness.drivers.protocol import Message, Predicate, ProtocolClient
from harness.drivers.ws_tracker import DEFAULT_FORMAT, FrameFormat
from harness.errors import InfrastructureError, SetupError
from harness.events import JSON
from harness.journal import Journal

INSTALL = "pip install 'wschaos[socketio]' (python-socketio with aiohttp)"


def _socketio() -> Any:  # python-socketio ships no type information: its objects are Any here
    try:
        import socketio
    except ImportError as exc:  # pragma: no cover - the project's own setup installs it
        raise SetupError(f"the target's protocol clients speak Socket.IO, which needs python-socketio: {INSTALL}") from exc
    return socketio


class SocketIOClient(ProtocolClient):
    """One Socket.IO client with `ProtocolClient`'s face (connect, send_json, listen, reader, close)."""

    def __init__(self, name: str, url: str, journal: Journal, *, ack_type: str = "ack", open_timeout_s: float = 5.0,
                 record_frames: bool = True, proxy: str | None = None, frame_format: FrameFormat = DEFAULT_FORMAT) -> None:
        """`url`: `http://host:port/<socketio path>/?query` (the path defaults to `socket.io`)."""
        super().__init__(name, url, journal, open_timeout_s=open_timeout_s, record_frames=record_frames, proxy=proxy,
                         frame_format=frame_format)
        parts = urllib.parse.urlsplit(url)
        self.server_url = urllib.parse.urlunsplit(parts._replace(path="", fragment=""))
        self.path = parts.path.strip("/") or "socket.io"
        self.ack_type = ack_type
        self._sio: Any = None
        self._gone: asyncio.Event | None = None

    @property
    def connected(self) -> bool:
        """True while the session is open."""
        return self._reader is not None and not self._reader.done()

    @property
    def reader(self) -> asyncio.Task[None] | None:
        """A task that ends when the current session does (what `LoadGroup` watches)."""
        return self._reader

    async def connect(self) -> "SocketIOClient":
        """Open a (new) session: polling handshake, then the upgrade; connection errors propagate."""
        if self.connected:
            return self
        if not self._announced:
            self._announced = True
            self.journal.record("client.open", client=self.name, client_kind="protocol", proxy=self.proxy, url=self.url)
        socketio = _socketio()
        sio = self._sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        gone = self._gone = asyncio.Event()
        sio.on("*", self._on_event)
        sio.on("disconnect", lambda reason=None: gone.set())
        self.journal.record("ws.attempt", client=self.name, url=self.url, page_t=time.time())
        self._sockets += 1
        self.socket_id = f"s{self._sockets}"  # before the handshake: the server may emit as it connects
        try:
            await within(self.open_timeout_s + 1.0, sio.connect(
                self.server_url, socketio_path=self.path, wait_timeout=self.open_timeout_s))
        except (socketio.exceptions.ConnectionError, asyncio.TimeoutError) as exc:
            with contextlib.suppress(Exception):  # its HTTP session and tasks, half made
                await sio.disconnect()
            if isinstance(exc, asyncio.TimeoutError):
                raise
            raise OSError(f"Socket.IO client {self.name} could not connect to {self.url}: {exc}") from exc
        self.journal.record("ws.open", client=self.name, socket=self.socket_id, url=self.url)
        self._reader = asyncio.create_task(self._until_gone(gone, self.socket_id))
        return self

    async def _until_gone(self, gone: asyncio.Event, socket_id: str) -> None:
        try:
            await gone.wait()
        finally:
            self.journal.record("ws.close", client=self.name, socket=socket_id, code=None, reason="disconnected")

    def _on_event(self, event: str, *args: JSON) -> None:
        fmt = self.frame_format
        data = args[0] if len(args) == 1 else list(args)
        message_id = data.get(fmt.id_field) if isinstance(data, dict) else None
        self._received({fmt.type_field: event, fmt.id_field: message_id, "data": data})

    def _received(self, message: Message) -> None:
        fmt = self.frame_format
        if self.record_frames:
            self.journal.record("ws.frame", client=self.name, socket=self.socket_id, dir="received",
                                type=message.get(fmt.type_field), id=message.get(fmt.id_field), data=message.get("data"))
        self.received.append(message)
        for listener in self._listeners:
            listener(message)

    async def send_json(self, message: Message) -> None:
        """Emit the event the message's type field names, its other fields the payload, with an ack."""
        if not self.connected:
            raise InfrastructureError(f"Socket.IO client {self.name} is not connected: call connect() first")
        fmt = self.frame_format
        event = str(message.get(fmt.type_field))
        payload = {k: v for k, v in message.items() if k != fmt.type_field}
        message_id = message.get(fmt.id_field)

        def acked(*args: JSON) -> None:
            self._received({fmt.type_field: self.ack_type, fmt.id_field: message_id, "data": list(args)})

        await self._sio.emit(event, payload, callback=acked)
        if self.record_frames:
            self.journal.record("ws.frame", client=self.name, socket=self.socket_id, dir="sent", type=event,
                                id=message_id, data=message)

    async def send_text(self, text: str) -> None:
        """Socket.IO has no raw frames: emit a `message` event with the text."""
        await self.send_json({self.frame_format.type_field: "message", "text": text})

    async def wait_for(self, predicate: Predicate, timeout_s: float) -> Message:
        """First message (already received or arriving) matching `predicate`; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout_s
        while True:
            found = next((m for m in self.received if predicate(m)), None)
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise asyncio.TimeoutError(f"no matching message for {self.name} within {timeout_s:g}s")
            await asyncio.sleep(0.02)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Disconnect and wait for the session's end; idempotent."""
        if self._sio is not None:
            await self._sio.disconnect()
            if self._gone is not None:
                self._gone.set()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._announced and self._sio is not None:
            self.journal.record("client.close", client=self.name)
        self._sio = None

