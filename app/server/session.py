"""One WebSocket session on `/ws/trigger`: accept, greet, then read frames until it ends.

Hostile input never crashes the server: bad frames get an `error` reply and the connection
stays; oversized frames close with 1009, floods with 1008.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import Any

from starlette.websockets import WebSocket

from .connections import Connection
from .handlers import handle_message
from .protocol import ProtocolError, error_frame, identity, parse_message
from .state import KanbanServer

log = logging.getLogger("kanban.session")


async def serve_websocket(server: KanbanServer, ws: WebSocket) -> None:
    await ws.accept()
    conn = Connection(ws, ws.query_params.get("client_id"), server.config)
    if server.shutting_down:
        await conn.close(1012, "server shutting down")
        return
    server.manager.register(conn)
    server.sessions += 1
    try:
        await conn.send(_connected_frame(server, conn))
        await _read_frames(server, conn)
    except Exception:
        if server.config.has_bug("unchecked_broadcast"):
            raise
        if conn.is_open():  # otherwise the peer simply went away mid-send
            log.exception("session %s failed", conn.connection_id)
            await _close_own(conn, 1011, "internal error")
    finally:
        server.sessions -= 1
        server.manager.forget(conn)


def _connected_frame(server: KanbanServer, conn: Connection) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "connected"}
    hide = server.config.has_bug("no_connection_id")
    frame.update(identity(conn.connection_id, server.instance_id, hide))
    frame["server_time"] = int(time.time() * 1000)
    return frame


async def _read_frames(server: KanbanServer, conn: Connection) -> None:
    limit = server.config.max_message_bytes
    while True:
        event = await conn.ws.receive()
        if event["type"] == "websocket.disconnect":
            conn.close_code = event.get("code", 1000)
            return
        conn.touch()
        if conn.flood.hit():
            log.warning("flood from %s: closing 1008", conn.connection_id)
            await _close_own(conn, 1008, f"flood: more than {conn.flood.limit} messages per second")
            return
        text = event.get("text")
        if text is None:
            text = (event.get("bytes") or b"").decode("utf-8", errors="replace")
        if len(text.encode("utf-8")) > limit:
            await _close_own(conn, 1009, f"message larger than {limit} bytes")
            return
        if not await _process(server, conn, text):
            return


async def _close_own(conn: Connection, code: int, reason: str) -> None:
    conn.close_code = code
    await conn.close(code, reason)


async def _process(server: KanbanServer, conn: Connection, text: str) -> bool:
    """Handle one frame; False when the connection is no longer usable."""
    try:
        message = parse_message(text)
    except ProtocolError as err:
        await conn.send(error_frame(err.code, err.message, err.message_id))
        return True
    try:
        await handle_message(server, conn, message)
    except sqlite3.Error as exc:
        log.exception("ledger error on %s", message["id"])
        await _send_internal(conn, message["id"], f"ledger error: {exc}; retry the same message")
    except Exception as exc:
        if server.config.has_bug("unchecked_broadcast"):
            raise  # the original server had no guard: the error kills this handler
        if not conn.is_open():
            return False
        log.exception("error handling %s", message["id"])
        await conn.send(internal_error(message["id"], exc))
    return True


#: Errors the message's own content causes (text sqlite cannot store, a value of the wrong
#: kind): the same message fails the same way however often it is sent again.
CONTENT_ERRORS = (UnicodeError, ValueError, TypeError, KeyError, RecursionError)


def internal_error(message_id: str, exc: BaseException) -> dict[str, Any]:
    """The `internal` error frame for a message whose handling raised `exc`.

    `recoverable` promises that sending the same message again can succeed; that is false
    for an error the content itself causes, which a client retrying forever cannot fix."""
    if isinstance(exc, CONTENT_ERRORS):
        return error_frame("internal", f"internal error: this message cannot be processed "
                           f"({type(exc).__name__}); do not send it again", message_id)
    return error_frame("internal", "internal error; retry the same message", message_id,
                       recoverable=True, retry_after=1.0)


async def _send_internal(conn: Connection, message_id: str, text: str) -> None:
    await conn.send(error_frame("internal", text, message_id, recoverable=True, retry_after=1.0))
