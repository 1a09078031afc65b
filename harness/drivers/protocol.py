"""Protocol clients: plain `websockets` connections that speak the target's JSON protocol.

`ProtocolClient` is one precise client (records every frame like a browser client does);
`LoadGroup` drives many of them at a rate and records one `load.summary`. Loopback only.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from harness.aio import within
from harness.drivers.ws_tracker import DEFAULT_FORMAT, FrameFormat, frame_fields
from harness.errors import InfrastructureError
from harness.journal import Journal

Message = dict[str, Any]
Predicate = Callable[[Message], bool]
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _require_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in _LOOPBACK:
        raise ValueError(f"protocol clients only connect to loopback, got {url!r}: use ws://127.0.0.1:PORT/...")


class ProtocolClient:
    """One WebSocket client with a receive loop, journaled like a browser client."""

    def __init__(
        self, name: str, url: str, journal: Journal, *, open_timeout_s: float = 5.0,
        record_frames: bool = True, proxy: str | None = None, frame_format: FrameFormat = DEFAULT_FORMAT,
    ) -> None:
        _require_loopback(url)
        self.frame_format = frame_format
        self.name = name
        self.url = url
        self.journal = journal
        self.open_timeout_s = open_timeout_s
        self.record_frames = record_frames
        self.proxy = proxy
        self.received: list[Message] = []
        self.on_message: Callable[[Message], None] | None = None
        self.conn: ClientConnection | None = None
        self.socket_id: str | None = None
        self._sockets = 0
        self._reader: asyncio.Task | None = None
        self._waiters: list[tuple[Predicate, asyncio.Future]] = []
        self._announced = False

    @property
    def connected(self) -> bool:
        """True while the current connection is open."""
        return self._reader is not None and not self._reader.done()

    async def connect(self) -> "ProtocolClient":
        """Open a (new) connection and start the receive loop; OSError/handshake errors propagate."""
        if self.connected:
            return self
        if not self._announced:
            self._announced = True
            self.journal.record("client.open", client=self.name, client_kind="protocol", proxy=self.proxy, url=self.url)
        self.journal.record("ws.attempt", client=self.name, url=self.url, page_t=time.time())
        self.conn = await within(
            self.open_timeout_s + 1.0,
            connect(self.url, open_timeout=self.open_timeout_s, ping_interval=None, max_size=None),
        )
        self._sockets += 1
        self.socket_id = f"s{self._sockets}"
        self.journal.record("ws.open", client=self.name, socket=self.socket_id, url=self.url)
        self._reader = asyncio.create_task(self._read(self.conn, self.socket_id))
        return self

    async def _read(self, conn: ClientConnection, socket_id: str) -> None:
        try:
            async for raw in conn:
                fields = frame_fields(raw, self.frame_format)
                if self.record_frames:
                    self.journal.record("ws.frame", client=self.name, socket=socket_id, dir="received", **fields)
                message = fields["data"] if isinstance(fields["data"], dict) else {"data": fields["data"]}
                self.received.append(message)
                self._notify(message)
        except ConnectionClosed:
            pass
        finally:
            self.journal.record(
                "ws.close", client=self.name, socket=socket_id, code=conn.close_code, reason=conn.close_reason
            )
            for _, fut in self._waiters:
                if not fut.done():
                    fut.set_exception(ConnectionError(f"connection closed (code {conn.close_code})"))

    def _notify(self, message: Message) -> None:
        if self.on_message is not None:
            self.on_message(message)
        for pred, fut in list(self._waiters):
            if not fut.done() and pred(message):
                fut.set_result(message)

    async def send_json(self, message: Message) -> None:
        """Send one JSON frame (recorded as `ws.frame` dir=sent)."""
        if self.conn is None or not self.connected:
            raise InfrastructureError(f"protocol client {self.name} is not connected: call connect() first")
        text = json.dumps(message)
        await self.conn.send(text)
        if self.record_frames:
            self.journal.record("ws.frame", client=self.name, socket=self.socket_id, dir="sent",
                                **frame_fields(text, self.frame_format))

    async def wait_for(self, predicate: Predicate, timeout_s: float) -> Message:
        """First message (already received or arriving) matching `predicate`; TimeoutError otherwise."""
        for message in self.received:
            if predicate(message):
                return message
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        entry = (predicate, fut)
        self._waiters.append(entry)
        try:
            return await within(timeout_s, fut)
        finally:
            self._waiters.remove(entry)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection and wait for the receive loop; idempotent."""
        if self.conn is not None:
            await self.conn.close(code, reason)
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._announced and self.conn is not None:
            self.journal.record("client.close", client=self.name)
        self.conn = None

    async def __aenter__(self) -> "ProtocolClient":
        return await self.connect()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


@dataclass
class LoadSummary:
    """What a load group achieved."""

    group: str
    clients: int
    sent: int = 0
    acked: int = 0
    errors: int = 0
    failed_connects: int = 0
    duration_s: float = 0.0


def default_ack_id(message: Message) -> Any:
    """The id an `{"type": "ack", "id": ...}` frame acknowledges, else None."""
    return message.get("id") if message.get("type") == "ack" else None


class LoadGroup:
    """N protocol clients each sending M messages at a rate, bounded in count and time."""

    def __init__(
        self, names: Iterable[str], url_for: Callable[[str], str], journal: Journal, *,
        make_message: Callable[[str, int], Message], messages_per_client: int = 1, rate_per_s: float = 10.0,
        ack_id: Callable[[Message], Any] = default_ack_id, connect_concurrency: int = 50,
        ack_timeout_s: float = 5.0, timeout_s: float = 60.0, group: str = "load", record_frames: bool = False,
    ) -> None:
        """`make_message(client, i)` builds message i; `ack_id(received)` names the id it acks (or None)."""
        self.names = list(names)
        self.url_for = url_for
        self.journal = journal
        self.make_message = make_message
        self.messages_per_client = messages_per_client
        self.interval_s = 1.0 / rate_per_s if rate_per_s > 0 else 0.0
        self.ack_id = ack_id
        self.ack_timeout_s = ack_timeout_s
        self.timeout_s = timeout_s
        self.record_frames = record_frames
        self.summary = LoadSummary(group=group, clients=len(self.names))
        self._connect_slots = asyncio.Semaphore(connect_concurrency)

    async def run(self) -> LoadSummary:
        """Run every client to completion (or until `timeout_s`); records `load.summary`."""
        started = time.monotonic()
        tasks = [asyncio.create_task(self._one(name)) for name in self.names]
        try:
            done, pending = await asyncio.wait(tasks, timeout=self.timeout_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            s = self.summary
            s.duration_s = round(time.monotonic() - started, 3)
            self.journal.record(
                "load.summary", group=s.group, clients=s.clients, sent=s.sent, acked=s.acked,
                errors=s.errors, failed_connects=s.failed_connects, duration_s=s.duration_s,
            )
        return self.summary

    async def _one(self, name: str) -> None:
        client = ProtocolClient(name, self.url_for(name), self.journal, record_frames=self.record_frames)
        outstanding: set[Any] = set()
        all_acked = asyncio.Event()
        all_acked.set()

        def on_message(message: Message) -> None:
            acked = self.ack_id(message)
            if acked is not None and acked in outstanding:
                outstanding.discard(acked)
                self.summary.acked += 1
                if not outstanding:
                    all_acked.set()

        client.on_message = on_message
        async with self._connect_slots:
            try:
                await client.connect()
            except (OSError, InvalidHandshake, asyncio.TimeoutError):
                self.summary.failed_connects += 1
                return
        try:
            await self._send_all(client, name, outstanding, all_acked)
            await within(self.ack_timeout_s, all_acked.wait())
        except (ConnectionClosed, OSError, asyncio.TimeoutError, InfrastructureError):
            self.summary.errors += 1
        finally:
            await client.close()

    async def _send_all(self, client: ProtocolClient, name: str, outstanding: set, all_acked: asyncio.Event) -> None:
        for i in range(self.messages_per_client):
            message = self.make_message(name, i)
            outstanding.add(message.get("id"))
            all_acked.clear()
            await client.send_json(message)
            self.summary.sent += 1
            if self.interval_s and i + 1 < self.messages_per_client:
                await asyncio.sleep(self.interval_s)
