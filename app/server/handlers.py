"""What the server does with each validated client message."""

from __future__ import annotations

import time
from typing import Any

from .connections import Connection
from .ledger import Receipt
from .protocol import DEFAULT_WORKFLOW, ack_frame, error_frame, identity, ledger_key
from .state import KanbanServer
from .workflows import new_adw_id


async def handle_message(server: KanbanServer, conn: Connection, message: dict[str, Any]) -> None:
    handler = _HANDLERS[message["type"]]
    await handler(server, conn, message)


async def handle_ping(server: KanbanServer, conn: Connection, message: dict[str, Any]) -> None:
    """Pong with the echoed client timestamp and the ids (not recorded in the ledger)."""
    bugs = server.config.bugs
    frame: dict[str, Any] = {"type": "pong", "id": message["id"]}
    if "no_pong_timestamp" not in bugs:
        frame["timestamp"] = message.get("timestamp")
        frame["server_time"] = int(time.time() * 1000)
    frame.update(identity(conn.connection_id, server.instance_id, "no_connection_id" in bugs))
    await conn.send(frame)


async def _ack_if_duplicate(server: KanbanServer, conn: Connection, message_id: str) -> bool:
    assert server.ledger is not None
    if server.config.has_bug("dedupe_per_connection") and message_id not in conn.accepted_ids:
        return False  # the seeded bug: an id accepted on an earlier connection is not looked up
    entry = server.ledger.redeliver(message_id)
    if entry is None:
        return False
    server.duplicates_refused += 1
    await conn.send(ack_frame(message_id, duplicate=True, adw_id=entry["adw_id"]))
    return True


def _receipt(server: KanbanServer, conn: Connection) -> Receipt:
    return Receipt(conn.client_id, conn.connection_id, server.instance_id)


async def handle_ticket(server: KanbanServer, conn: Connection, message: dict[str, Any]) -> None:
    """Record once, ack, then tell the other connections about the new ticket."""
    if await _ack_if_duplicate(server, conn, message["id"]):
        return
    assert server.ledger is not None
    server.ledger.record(message, ledger_key(message), _receipt(server, conn))
    conn.accepted_ids.add(message["id"])
    server.messages_accepted += 1
    await conn.send(ack_frame(message["id"], duplicate=False))
    await server.manager.broadcast({"type": "ticket_created", "ticket": message["ticket"]}, exclude=conn)


async def handle_trigger(server: KanbanServer, conn: Connection, message: dict[str, Any]) -> None:
    """Dedupe, rate-limit, record once, ack with the adw_id, then run the workflow."""
    if await _ack_if_duplicate(server, conn, message["id"]):
        return
    if not server.config.has_bug("no_rate_limit"):
        retry_after = conn.rate.retry_after_s()
        if retry_after is not None:
            limit, window = server.config.rate_limit, server.config.scaled_rate_window_s
            await conn.send(error_frame(
                "rate_limited",
                f"at most {limit} workflow triggers per {window:g}s per connection; "
                f"retry the same message after {retry_after:g}s",
                message["id"], recoverable=True, retry_after=retry_after,
            ))
            return
        conn.rate.accept()
    assert server.ledger is not None
    adw_id = new_adw_id()
    server.ledger.record(message, ledger_key(message), _receipt(server, conn), adw_id=adw_id)
    conn.accepted_ids.add(message["id"])
    server.messages_accepted += 1
    await conn.send(ack_frame(message["id"], duplicate=False, adw_id=adw_id))
    workflow = message.get("workflow", DEFAULT_WORKFLOW)
    server.workflows.start(adw_id, message["ticket_id"], workflow)


_HANDLERS = {
    "ping": handle_ping,
    "ticket_notification": handle_ticket,
    "trigger_workflow": handle_trigger,
}
