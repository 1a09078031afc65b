"""Message faults on a protocol client: its frames pass the client's rules (harness.messages).

`ProtocolClient` inherits this: a received frame a rule lets through reaches the client's
listeners and waiters (`_hand_on`), a sent one the wire (`_wire_send`), when the rule says; a
close a rule orders is a clean close with its code, or for 1006 a cut connection (the
transport aborted: no close frame, as when a network path dies). While no rule is in force,
frames never come here.
"""

from __future__ import annotations

import asyncio
from typing import Callable

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from harness.drivers.ws_tracker import FrameFormat, decode_frame
from harness.errors import InfrastructureError, StepFailed
from harness.events import JSONObject
from harness.journal import Journal
from harness.messages.match import Direction, Frame
from harness.messages.rules import ClientRules, CloseAfter, Delivery, SocketFilter, Verdict


class MessageFaults:
    """The message-fault half of `ProtocolClient` (it sets these attributes)."""

    name: str
    journal: Journal
    frame_format: FrameFormat
    record_frames: bool
    conn: ClientConnection | None
    socket_id: str | None
    received: list[JSONObject]
    rules: ClientRules
    _listeners: list[Callable[[JSONObject], None]]
    _waiters: list[tuple[Callable[[JSONObject], bool], asyncio.Future[JSONObject]]]
    _sends: set[asyncio.Task[None]]
    _closing: asyncio.Task[None] | None

    @property
    def connected(self) -> bool:  # pragma: no cover - ProtocolClient's
        raise NotImplementedError

    def _wake_waiters(self, message: JSONObject) -> None:  # pragma: no cover - ProtocolClient's
        raise NotImplementedError

    def _hand_on(self, payload: str | bytes) -> None:
        """A received frame reaches the client (listeners, waiters), as the receive loop does."""
        data = decode_frame(payload, self.frame_format)[2]
        message = data if isinstance(data, dict) else {"data": data}
        self.received.append(message)
        for listener in self._listeners:
            listener(message)
        if self._waiters:
            self._wake_waiters(message)

    def _obey(self, verdict: Verdict, faults: SocketFilter) -> None:
        """Carry out a message fault's verdict on a received frame: hand on what it lets
        through, when it says (a frame still delayed when its socket closes is lost with it),
        then close if it says so."""
        loop = asyncio.get_running_loop()
        for d in verdict.deliveries:
            if d.delay_s:
                loop.call_later(d.delay_s, self._hand_on_unless_closed, d.payload, faults)
            else:
                self._hand_on(d.payload)
        if verdict.close is not None:
            self._closing = loop.create_task(self._close_for(verdict.close))

    def _hand_on_unless_closed(self, payload: str | bytes, faults: SocketFilter) -> None:
        if not faults.closed:
            self._hand_on(payload)

    def _released(self, direction: Direction, deliveries: list[Delivery]) -> None:
        """Frames a message fault held, let go when it ended."""
        for d in deliveries:
            if direction == "received":
                self._hand_on(d.payload)
            else:
                self._send_later(d.payload)

    def _send_later(self, payload: str | bytes) -> None:
        task = asyncio.get_running_loop().create_task(self._wire_send(payload, quiet=True))
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    async def _wire_send(self, payload: str | bytes, quiet: bool = False) -> None:
        """Put one frame on the wire and journal it (`quiet`: a closed connection is no error)."""
        conn = self.conn
        if conn is None:
            if quiet:
                return
            raise InfrastructureError(f"protocol client {self.name} is not connected: call connect() first")
        try:
            await conn.send(payload)
        except ConnectionClosed:
            if quiet:
                return
            raise
        if self.record_frames:
            type_, id_, data, text = decode_frame(payload, self.frame_format)
            self.journal.record_frame(self.name, self.socket_id, "sent", type_, id_, data, text)

    async def _close_for(self, close: CloseAfter) -> None:
        """Close as `close_after` says: 1006 cuts the connection (no close frame), others close cleanly."""
        conn = self.conn
        if conn is None:
            return
        if close.code == 1006:
            conn.transport.abort()
        else:
            await conn.close(close.code, close.reason)

    async def inject(self, payload: str, direction: Direction, fault_id: str) -> None:
        """Hand this client a crafted frame as if the server sent it (`received`), or send it to the server."""
        if not self.connected:
            raise StepFailed(f"{self.name} has no open connection to inject a frame into: connect it first (a `send` step)")
        self.rules.note(fault_id, "inject", "injected", Frame.of(direction, payload, self.frame_format), True,
                          self.socket_id)
        if direction == "received":
            self._hand_on(payload)
        else:
            await self._wire_send(payload)

    async def _send_through(self, faults: SocketFilter, text: str) -> None:
        """A send while a message fault is in force: the fault decides what reaches the wire."""
        verdict = faults.offer(Frame.of("sent", text, self.frame_format))
        for d in verdict.deliveries:
            if d.delay_s:
                asyncio.get_running_loop().call_later(d.delay_s, self._send_later, d.payload)
            else:
                await self._wire_send(d.payload)
        if verdict.close is not None:
            await self._close_for(verdict.close)

