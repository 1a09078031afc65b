"""Protocol behaviour of the fixed reference server (one shared process)."""

from __future__ import annotations

import uuid

from .helpers import open_client, recv_json, recv_type, send_json


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def test_connected_frame_carries_connection_and_instance_ids(shared_server):
    """Each connection gets its own connection_id; both share the process's server_instance_id."""
    a, b = await open_client(shared_server), await open_client(shared_server)
    try:
        fa, fb = a.connected_frame, b.connected_frame
        assert fa["connection_id"].startswith("c-") and fb["connection_id"].startswith("c-")
        assert fa["connection_id"] != fb["connection_id"]
        health = await shared_server.get("/health")
        assert fa["server_instance_id"] == fb["server_instance_id"] == health["server_instance_id"]
        assert isinstance(fa["server_time"], int)
    finally:
        await a.close()
        await b.close()


async def test_pong_echoes_timestamp_and_carries_ids(shared_server):
    """A pong echoes id and client timestamp and adds server_time and both ids."""
    ws = await open_client(shared_server)
    try:
        await send_json(ws, {"type": "ping", "id": "p-1", "timestamp": 1234})
        pong = await recv_json(ws)
        assert pong["type"] == "pong" and pong["id"] == "p-1" and pong["timestamp"] == 1234
        assert isinstance(pong["server_time"], int)
        assert pong["connection_id"] == ws.connected_frame["connection_id"]
        assert pong["server_instance_id"] == ws.connected_frame["server_instance_id"]
        ledger = await shared_server.get("/ledger")
        assert all(entry["message_id"] != "p-1" for entry in ledger["entries"])
    finally:
        await ws.close()


async def test_ticket_is_acked_and_broadcast_to_the_other_clients(shared_server):
    """A ticket_notification is acked to its sender and broadcast as ticket_created to others."""
    sender, other = await open_client(shared_server), await open_client(shared_server)
    try:
        message_id, ticket = new_id("t"), {"id": new_id("ticket"), "title": "Fix the socket"}
        await send_json(sender, {"type": "ticket_notification", "id": message_id, "ticket": ticket})
        assert await recv_json(sender) == {"type": "ack", "id": message_id, "duplicate": False}
        assert await recv_json(other) == {"type": "ticket_created", "ticket": ticket}
        await send_json(sender, {"type": "ping", "id": "p-after", "timestamp": 1})
        assert (await recv_json(sender))["type"] == "pong"  # the sender got no echo of its ticket
    finally:
        await sender.close()
        await other.close()


async def test_trigger_is_acked_then_status_updates_run_to_completed(shared_server):
    """trigger_workflow is acked with an adw_id, then status_update frames reach completed/100."""
    ws = await open_client(shared_server)
    try:
        message_id = new_id("w")
        await send_json(ws, {"type": "trigger_workflow", "id": message_id, "ticket_id": "T-1",
                             "workflow": "adw_plan_build"})
        ack = await recv_json(ws)
        assert ack["type"] == "ack" and ack["id"] == message_id and ack["duplicate"] is False
        assert ack["adw_id"].startswith("adw-")
        updates = []
        while not updates or updates[-1]["status"] != "completed":
            updates.append(await recv_type(ws, "status_update"))
        assert {u["adw_id"] for u in updates} == {ack["adw_id"]}
        assert updates[0]["status"] == "started" and updates[0]["progress"] == 0
        assert "running" in [u["status"] for u in updates]
        assert [u["progress"] for u in updates] == sorted(u["progress"] for u in updates)
        assert updates[-1]["progress"] == 100 and updates[-1]["ticket_id"] == "T-1"
    finally:
        await ws.close()


async def test_duplicate_id_is_acked_as_duplicate_and_recorded_once(shared_server):
    """The same id twice: second ack says duplicate with the same adw_id; one ledger entry, 2 deliveries."""
    ws = await open_client(shared_server)
    try:
        message = {"type": "trigger_workflow", "id": new_id("dup"), "ticket_id": 7}
        await send_json(ws, message)
        first = await recv_type(ws, "ack")
        await send_json(ws, message)
        second = await recv_type(ws, "ack")
        assert first["duplicate"] is False and second["duplicate"] is True
        assert second["adw_id"] == first["adw_id"]
        entries = [e for e in (await shared_server.get("/ledger"))["entries"]
                   if e["message_id"] == message["id"]]
        assert len(entries) == 1
        assert entries[0]["deliveries"] == 2
        assert entries[0]["key"] == f"trigger:7:{message['id']}"
        assert entries[0]["client_id"] == "test"
    finally:
        await ws.close()


async def test_rate_limit_refuses_excess_triggers_with_retry_after(shared_server):
    """Beyond --rate-limit triggers per window a connection gets a recoverable rate_limited error."""
    ws = await open_client(shared_server)
    try:
        for index in range(3):
            await send_json(ws, {"type": "trigger_workflow", "id": new_id("rl"), "ticket_id": index})
            assert (await recv_type(ws, "ack"))["duplicate"] is False
        refused_id = new_id("rl")
        await send_json(ws, {"type": "trigger_workflow", "id": refused_id, "ticket_id": 9})
        error = await recv_type(ws, "error")
        assert error["code"] == "rate_limited" and error["id"] == refused_id
        assert error["recoverable"] is True and 0 < error["retry_after"] <= 0.5
        ledger = await shared_server.get("/ledger")
        assert all(e["message_id"] != refused_id for e in ledger["entries"])
    finally:
        await ws.close()


async def test_connections_endpoint_lists_metadata(shared_server):
    """/connections shows each open connection with client_id, timestamps and message_count."""
    ws = await open_client(shared_server, client_id="meta-client")
    try:
        await send_json(ws, {"type": "ping", "id": "p-meta", "timestamp": 1})
        await recv_json(ws)
        listed = (await shared_server.get("/connections"))["connections"]
        mine = [c for c in listed if c["connection_id"] == ws.connected_frame["connection_id"]]
        assert len(mine) == 1
        assert mine[0]["client_id"] == "meta-client" and mine[0]["message_count"] == 1
        assert mine[0]["last_activity"] >= mine[0]["connected_at"]
    finally:
        await ws.close()
