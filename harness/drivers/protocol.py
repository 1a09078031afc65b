"""Protocol clients: plain `websockets` connections that speak the target's JSON protocol.

`ProtocolClient` is one precise client (records every frame like a browser client does);
`LoadGroup` drives many of them at a rate, counts the replies as they arrive and records one
`load.summary` (the `load` step is a thin layer over it). Loopback only.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from harness.aio import within
from harness.drivers.ws_tracker import DEFAULT_FORMAT, FrameFormat, decode_frame
from harness.errors import InfrastructureError
from harness.events import JSONObject
from harness.journal import FrameRecorder, Journal
from harness.jsontext import dumps
from harness.drivers.protocol_faults import MessageFaults
from harness.messages.match import Frame
from harness.messages.rules import ClientRules, SocketFilter

Message = JSONObject
Predicate = Callable[[Message], bool]
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _require_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in _LOOPBACK:
        raise ValueError(f"protocol clients only connect to loopback, got {url!r}: use ws://127.0.0.1:PORT/...")


class ProtocolClient(MessageFaults):
    """One WebSocket client with a receive loop, journaled like a browser client."""

    def __init__(
        self, name: str, url: str, journal: Journal, *, open_timeout_s: float = 5.0,
        record_frames: bool = True, proxy: str | None = None, frame_format: FrameFormat = DEFAULT_FORMAT,
        remote_ok: bool = False,
    ) -> None:
        """`remote_ok`: the URL may name another host (a Toxiproxy the user pointed wschaos at);
        otherwise only loopback, so a typo never aims load at someone else's machine."""
        if not remote_ok:
            _require_loopback(url)
        self.frame_format = frame_format
        self.name = name
        self.url = url
        self.journal = journal
        self.open_timeout_s = open_timeout_s
        self.record_frames = record_frames
        self.proxy = proxy
        self.received: list[Message] = []
        self._listeners: list[Callable[[Message], None]] = []
        self.conn: ClientConnection | None = None
        self.socket_id: str | None = None
        self._sockets = 0
        self._reader: asyncio.Task[None] | None = None
        self._waiters: list[tuple[Predicate, asyncio.Future[Message]]] = []
        self._announced = False
        self._record_sent: FrameRecorder | None = None
        #: Message faults on this client (harness.messages); frames skip them while none is in force.
        self.rules = ClientRules(name, journal)
        self._filter: SocketFilter | None = None
        self._sends: set[asyncio.Task[None]] = set()   # delayed sends in flight
        self._closing: asyncio.Task[None] | None = None  # a close a message fault ordered

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
        # made now, not at the first frame: made during a load, that is more objects for the GC (LoadGroup.run)
        self._record_sent = self._recorder("sent") if self.record_frames else None
        self.journal.record("ws.open", client=self.name, socket=self.socket_id, url=self.url)
        self._filter = self.rules.socket(self._released, self.socket_id)
        self._reader = asyncio.create_task(self._read(self.conn, self.socket_id, self._filter))
        return self

    async def _read(self, conn: ClientConnection, socket_id: str, faults: SocketFilter) -> None:
        # Once per frame: what does not change per frame is looked up once, here.
        record = self._recorder("received", socket_id) if self.record_frames else None
        fmt, received, listeners, waiters = self.frame_format, self.received, self._listeners, self._waiters
        try:
            async for raw in conn:
                type_, id_, data, text = decode_frame(raw, fmt)
                if self.record_frames:
                    if record is None:  # frames were switched on after the connection opened
                        record = self._recorder("received", socket_id)
                    record(type_, id_, data, text)
                if faults.busy:  # a message fault is in force: it decides what the client gets
                    self._obey(faults.offer(Frame("received", raw, type_, id_, data)), faults)
                    continue
                message = data if isinstance(data, dict) else {"data": data}
                received.append(message)
                for listener in listeners:
                    listener(message)
                if waiters:
                    self._wake_waiters(message)
        except ConnectionClosed:
            pass
        finally:
            faults.close()
            self.journal.record(
                "ws.close", client=self.name, socket=socket_id, code=conn.close_code, reason=conn.close_reason
            )
            for _, fut in self._waiters:
                if not fut.done():
                    fut.set_exception(ConnectionError(f"connection closed (code {conn.close_code})"))

    def _recorder(self, direction: str, socket_id: str | None = None) -> FrameRecorder:
        """The journal's recorder of this socket's frames one way (`socket_id`: the current socket's)."""
        return self.journal.frame_recorder(self.name, socket_id or self.socket_id, direction)

    def listen(self, listener: Callable[[Message], None]) -> Callable[[], None]:
        """Call `listener(message)` for every message received from now on; returns the unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    @property
    def reader(self) -> asyncio.Task[None] | None:
        """The receive loop of the current connection (done once it closed)."""
        return self._reader

    def _wake_waiters(self, message: Message) -> None:
        for pred, fut in list(self._waiters):
            if not fut.done() and pred(message):
                fut.set_result(message)

    async def send_json(self, message: Message) -> None:
        """Send one JSON frame (recorded as `ws.frame` dir=sent)."""
        conn, reader = self.conn, self._reader
        if conn is None or reader is None or reader.done():  # not `connected`: once per message
            raise InfrastructureError(f"protocol client {self.name} is not connected: call connect() first")
        text = dumps(message)
        faults = self._filter
        if faults is not None and faults.busy:
            await self._send_through(faults, text)
            return
        await conn.send(text)
        if self.record_frames:
            record = self._record_sent
            if record is None:  # frames were switched on after the connection opened
                record = self._record_sent = self._recorder("sent")
            fmt = self.frame_format
            record(message.get(fmt.type_field), message.get(fmt.id_field), message, text)

    async def send_text(self, text: str) -> None:
        """Send one frame as written, JSON or not (recorded as `ws.frame` dir=sent, its text as data)."""
        conn, reader = self.conn, self._reader
        if conn is None or reader is None or reader.done():
            raise InfrastructureError(f"protocol client {self.name} is not connected: call connect() first")
        faults = self._filter
        if faults is not None and faults.busy:
            await self._send_through(faults, text)
            return
        await conn.send(text)
        self.journal.record("ws.frame", client=self.name, socket=self.socket_id, dir="sent", data=text[:2000])

    async def wait_for(self, predicate: Predicate, timeout_s: float) -> Message:
        """First message (already received or arriving) matching `predicate`; TimeoutError otherwise."""
        for message in self.received:
            if predicate(message):
                return message
        fut: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
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
    """What a load group achieved (the fields of its `load.summary` event)."""

    group: str
    clients: int
    sent: int = 0
    acked: int = 0
    errors: int = 0
    failed_connects: int = 0
    duration_s: float = 0.0
    rtts_s: list[float] = field(default_factory=list)   # round trip of each answered message

    def rtt_ms(self) -> dict[str, float | None]:
        """`rtt_p50_ms`, `rtt_p95_ms`, `rtt_max_ms` (None without an answered message)."""
        xs = sorted(self.rtts_s)
        if not xs:
            return {"rtt_p50_ms": None, "rtt_p95_ms": None, "rtt_max_ms": None}

        def pick(p: float) -> float:
            return round(xs[min(len(xs) - 1, int(p * (len(xs) - 1) + 0.5))] * 1000, 1)

        return {"rtt_p50_ms": pick(0.5), "rtt_p95_ms": pick(0.95), "rtt_max_ms": round(xs[-1] * 1000, 1)}


#: What cannot open a connection: refused, no route, a handshake the server rejects, too slow.
CONNECT_ERRORS = (OSError, InvalidHandshake, asyncio.TimeoutError)
#: What ends a client's load early: the connection closed or a send failed.
SEND_ERRORS = (ConnectionClosed, OSError, InfrastructureError)


def acked_by(reply_type: str, fmt: FrameFormat = DEFAULT_FORMAT) -> Callable[[Message], tuple[str, object]]:
    """A reply rule: every message is answered by a frame of `reply_type` with the same id."""
    return lambda message: (reply_type, message.get(fmt.id_field))


class LoadGroup:
    """Protocol clients each sending M messages at a rate; replies counted as they arrive.

    `make_message(client, i)` builds a client's message i; `reply_for(message)` names the
    `(type, id)` of the frame that answers it (default: an `ack` with the same id). Clients
    not connected yet are connected first, `connect_concurrency` at a time; one that cannot
    connect counts in `failed_connects`. After its last send a client waits up to
    `ack_timeout_s` for its replies; replies later than that are not counted. A client whose
    connection closes or whose send fails counts in `errors`. The whole group stops at
    `timeout_s` (None: no limit). `load.summary` is recorded in every case."""

    def __init__(
        self, clients: Sequence[ProtocolClient], journal: Journal, *,
        make_message: Callable[[str, int], Message], messages_per_client: int = 1, rate_per_s: float = 10.0,
        reply_for: Callable[[Message], tuple[str, object]] | None = None, frame_format: FrameFormat = DEFAULT_FORMAT,
        connect_concurrency: int = 50, ack_timeout_s: float = 5.0, timeout_s: float | None = 60.0,
        group: str = "load", close_clients: bool = False,
    ) -> None:
        self.clients = list(clients)
        self.journal = journal
        self.make_message = make_message
        self.messages_per_client = messages_per_client
        self.interval_s = 1.0 / rate_per_s if rate_per_s > 0 else 0.0
        self.reply_for = reply_for or acked_by("ack", frame_format)
        self.frame_format = frame_format
        self.ack_timeout_s = ack_timeout_s
        self.timeout_s = timeout_s
        self.close_clients = close_clients
        self.summary = LoadSummary(group=group, clients=len(self.clients))
        self._connect_slots = asyncio.Semaphore(connect_concurrency)

    async def run(self) -> LoadSummary:
        """Run every client to completion (or until `timeout_s`); records `load.summary`."""
        started = time.monotonic()
        with _older_objects_frozen():  # first: making the tasks could itself set off a full collection
            tasks = [asyncio.create_task(self._one(client)) for client in self.clients]
            try:
                await asyncio.wait(tasks, timeout=self.timeout_s)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                if self.close_clients:
                    await _close_all(self.clients, self._connect_slots)
                s = self.summary
                s.duration_s = round(time.monotonic() - started, 3)
                rtt = s.rtt_ms()
                self.journal.record(
                    "load.summary", group=s.group, clients=s.clients, sent=s.sent, acked=s.acked,
                    errors=s.errors, failed_connects=s.failed_connects, duration_s=s.duration_s,
                    engine="inprocess", rtt_p50_ms=rtt["rtt_p50_ms"], rtt_p95_ms=rtt["rtt_p95_ms"],
                    rtt_max_ms=rtt["rtt_max_ms"],
                )
        return self.summary

    async def _connected(self, client: ProtocolClient) -> bool:
        """Connect `client` unless it is; False (counted in `failed_connects`) if it cannot."""
        if not client.connected:
            async with self._connect_slots:
                try:
                    await client.connect()
                except CONNECT_ERRORS:
                    self.summary.failed_connects += 1
                    return False
        return True

    async def _one(self, client: ProtocolClient) -> None:
        if not await self._connected(client):
            return
        summary, reply_for, make_message = self.summary, self.reply_for, self.make_message
        type_field, id_field = self.frame_format.type_field, self.frame_format.id_field
        outstanding: dict[tuple[object, object], int] = {}  # (type, id) of replies awaited: how many
        sent_at: dict[tuple[object, object], float] = {}     # (type, id) -> when the first was sent
        rtts, clock = summary.rtts_s, time.monotonic
        all_acked: asyncio.Future[None] | None = None  # made once every message is sent

        def on_message(message: Message) -> None:  # once per received frame: kept short
            key = (message.get(type_field), message.get(id_field))
            n = outstanding.get(key)
            if n:
                if n == 1:
                    del outstanding[key]
                    rtts.append(clock() - sent_at.pop(key))
                else:
                    outstanding[key] = n - 1
                summary.acked += 1
                if not outstanding and all_acked is not None and not all_acked.done():
                    all_acked.set_result(None)

        unsubscribe = client.listen(on_message)
        try:
            for i in range(self.messages_per_client):
                message = make_message(client.name, i)
                key = reply_for(message)
                outstanding[key] = outstanding.get(key, 0) + 1
                sent_at.setdefault(key, clock())
                await client.send_json(message)
                summary.sent += 1
                if self.interval_s and i + 1 < self.messages_per_client:
                    await asyncio.sleep(self.interval_s)
            if outstanding:
                all_acked, reader = asyncio.get_running_loop().create_future(), client.reader
                await _acked_or_closed(all_acked, reader, self.ack_timeout_s)
                if outstanding and reader is not None and reader.done():
                    summary.errors += 1  # the connection closed before every reply came
        except SEND_ERRORS:
            summary.errors += 1
        finally:
            unsubscribe()


async def _acked_or_closed(all_acked: asyncio.Future[None], reader: asyncio.Task[None] | None,
                           timeout_s: float | None) -> None:
    """Wait until `all_acked` is set, the connection closed (`reader` done) or `timeout_s` passed."""
    def wake(_: object = None) -> None:
        if not all_acked.done():
            all_acked.set_result(None)

    if reader is not None:
        reader.add_done_callback(wake)
    timer = asyncio.get_running_loop().call_later(timeout_s, wake) if timeout_s is not None else None
    try:
        await all_acked
    finally:
        if reader is not None:
            reader.remove_done_callback(wake)
        if timer is not None:
            timer.cancel()


_frozen_depth = 0  # load groups running now (they may overlap): the last one to end unfreezes


@contextlib.contextmanager
def _older_objects_frozen() -> Iterator[None]:
    """Leave every object that exists now out of the cyclic GC's collections until the block ends.

    A loaded run keeps each event it records in memory, and that many survivors make the GC run
    full collections, each of which walks every object in the process: at 5,000 connections,
    mostly their sockets' objects, which the load does not change (about 30 of the ~100 us of
    CPU a journaled message cost). `gc.freeze` leaves them out; objects freed by reference
    counting are freed as always, only a reference cycle among the frozen ones waits for the end
    of the block, and everything goes back to the GC then (`gc.unfreeze`)."""
    global _frozen_depth
    if _frozen_depth == 0:
        gc.freeze()
    _frozen_depth += 1
    try:
        yield
    finally:
        _frozen_depth -= 1
        if _frozen_depth == 0:
            gc.unfreeze()


async def _close_all(clients: Sequence[ProtocolClient], slots: asyncio.Semaphore) -> None:
    async def one(client: ProtocolClient) -> None:
        async with slots:
            await client.close()

    await asyncio.gather(*(one(c) for c in clients), return_exceptions=True)
