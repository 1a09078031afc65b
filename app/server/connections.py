"""Open WebSocket connections: their metadata, broadcast, and the stale sweep.

The manager is the server's list of "active connections". The fixed server validates a
connection before each send and drops dead ones; with the ``unchecked_broadcast`` bug the
first failing send raises out of the broadcast, as the original server did.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any

from starlette.websockets import WebSocket, WebSocketState

from .config import ServerConfig
from .limits import FloodGuard, RateLimiter
from .protocol import encode

log = logging.getLogger("kanban.connections")

# Disconnect codes uvicorn reports when the peer vanished without a close frame.
ABNORMAL_CLOSE_CODES = frozenset({1005, 1006})


def now_ms() -> int:
    return int(time.time() * 1000)


class Connection:
    """One accepted WebSocket plus the metadata the bug report asks to track."""

    def __init__(self, ws: WebSocket, client_id: str | None, config: ServerConfig) -> None:
        self.ws = ws
        self.connection_id = f"c-{uuid.uuid4().hex[:12]}"
        self.client_id = client_id
        self.connected_at = now_ms()
        self.last_activity = self.connected_at
        self.last_activity_mono = time.monotonic()
        self.message_count = 0
        self.accepted_ids: set[str] = set()  # ids accepted on this connection (the dedupe_per_connection bug)
        self.closing = False
        self.close_code: int | None = None
        self.rate = RateLimiter(config.rate_limit, config.scaled_rate_window_s)
        self.flood = FloodGuard(config.flood_limit_per_s)
        self._send_timeout_s = config.send_timeout_s

    def touch(self) -> None:
        self.last_activity = now_ms()
        self.last_activity_mono = time.monotonic()
        self.message_count += 1

    def idle_s(self) -> float:
        return time.monotonic() - self.last_activity_mono

    def is_open(self) -> bool:
        return (
            not self.closing
            and self.ws.client_state == WebSocketState.CONNECTED
            and self.ws.application_state == WebSocketState.CONNECTED
        )

    async def send(self, frame: dict[str, Any]) -> None:
        """Send one JSON frame; a peer that does not drain in time is an error."""
        text = encode(frame)
        await asyncio.wait_for(self.ws.send_text(text), self._send_timeout_s)

    async def send_unchecked(self, frame: dict[str, Any]) -> None:
        """The original server's send: no state check, no timeout."""
        await self.ws.send_text(encode(frame))

    async def close(self, code: int, reason: str) -> None:
        """Close once; never raises, never waits longer than the send timeout."""
        if self.closing:
            return
        self.closing = True
        try:
            await asyncio.wait_for(self.ws.close(code, reason), self._send_timeout_s)
        except Exception as exc:  # already gone, or a peer that stopped reading
            log.debug("close %s (%s) failed: %r", self.connection_id, code, exc)

    def metadata(self) -> dict[str, Any]:
        return {
            "connection_id": self.connection_id,
            "client_id": self.client_id,
            "connected_at": self.connected_at,
            "last_activity": self.last_activity,
            "message_count": self.message_count,
        }


class ConnectionManager:
    """The active connections, in connection order."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self._connections: dict[str, Connection] = {}
        self._closing: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._connections)

    def all(self) -> list[Connection]:
        return list(self._connections.values())

    def register(self, conn: Connection) -> None:
        self._connections[conn.connection_id] = conn

    def forget(self, conn: Connection) -> None:
        """The connection's handler ended: remove it from the active list.

        With ``unchecked_broadcast`` this mimics the original handler, which only cleaned
        up after a proper close frame: a connection that vanished abnormally stays listed.
        """
        if self.config.has_bug("unchecked_broadcast") and (
            conn.close_code is None or conn.close_code in ABNORMAL_CLOSE_CODES
        ):
            return
        self._connections.pop(conn.connection_id, None)

    def drop(self, conn: Connection, code: int, reason: str) -> None:
        """Remove now, close in the background (a dead peer must not block the caller)."""
        self._connections.pop(conn.connection_id, None)
        task = asyncio.create_task(conn.close(code, reason))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def broadcast(self, frame: dict[str, Any], exclude: Connection | None = None) -> int:
        """Send ``frame`` to every connection but ``exclude``; returns how many got it."""
        targets = [c for c in self._connections.values() if c is not exclude]
        if self.config.has_bug("unchecked_broadcast"):
            for conn in targets:  # the first failure aborts the loop and propagates
                await conn.send_unchecked(frame)
            return len(targets)
        alive = []
        for conn in targets:
            if conn.is_open():
                alive.append(conn)
            else:
                self.drop(conn, 1011, "connection not open")
        sent = await asyncio.gather(*(self._send_checked(c, frame) for c in alive))
        return sum(sent)

    async def _send_checked(self, conn: Connection, frame: dict[str, Any]) -> bool:
        try:
            await conn.send(frame)
            return True
        except Exception as exc:
            log.info("dropping dead connection %s: %r", conn.connection_id, exc)
            self.drop(conn, 1011, "send failed")
            return False

    def sweep_stale(self) -> list[Connection]:
        """Close (1001) and drop every connection idle longer than the idle timeout."""
        stale = [c for c in self._connections.values() if c.idle_s() > self.config.idle_timeout_s]
        for conn in stale:
            log.info("closing idle connection %s after %.1fs", conn.connection_id, conn.idle_s())
            self.drop(conn, 1001, "idle timeout")
        return stale

    async def run_sweeper(self) -> None:
        """Periodic stale-connection cleanup; runs until cancelled."""
        while True:
            await asyncio.sleep(self.config.sweep_interval_s)
            self.sweep_stale()

    async def close_all(self, code: int, reason: str, frame: dict[str, Any] | None) -> None:
        """Optionally tell everyone ``frame``, then close every connection with ``code``.

        Always checked, whatever the seeded bugs: this is the shutdown drain.
        """
        conns = self.all()
        if frame is not None:
            await asyncio.gather(*(self._send_checked(c, frame) for c in conns))
        for conn in conns:
            self.drop(conn, code, reason)
        if self._closing:
            await asyncio.wait(set(self._closing), timeout=self.config.send_timeout_s)
