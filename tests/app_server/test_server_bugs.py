"""Seeded server bugs: each one brings back its root cause, visibly; bad names are refused."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from .helpers import REPO, open_client, recv_json, recv_type, send_json, timeout, wait_closed

KNOWN = ("no_stale_cleanup, no_rate_limit, unchecked_broadcast, no_shutdown_drain, no_connection_id, no_pong_timestamp, "
         "dedupe_per_connection, legacy")
#: The bug report's root causes: what `legacy` switches on (later bugs come by name only).
LEGACY = ["no_stale_cleanup", "no_rate_limit", "unchecked_broadcast", "no_shutdown_drain", "no_connection_id",
          "no_pong_timestamp"]


def test_unknown_bug_exits_2_listing_the_known_ones():
    """An unknown --bugs name exits 2 and names every known bug."""
    done = subprocess.run(
        [sys.executable, "-m", "app.server", "--port", "0", "--bugs", "no_pong_timestamp,typo"],
        cwd=REPO, capture_output=True, text=True, timeout=timeout(20),
    )
    assert done.returncode == 2
    assert f"error: unknown server bug(s): typo; known: {KNOWN}" in done.stderr


async def test_health_lists_every_bug_for_legacy(start_server):
    """--bugs legacy switches on every server bug of the bug report, and /health lists them."""
    server = start_server("--bugs", "legacy")
    assert (await server.get("/health"))["bugs"] == sorted(LEGACY)


async def test_dedupe_per_connection_processes_a_resend_on_a_new_connection_again(start_server):
    """With dedupe_per_connection a trigger re-sent on a new connection (its ack lost) is acked as new
    and recorded twice; on the same connection it is still refused as a duplicate."""
    server = start_server("--bugs", "dedupe_per_connection")
    trigger = {"type": "trigger_workflow", "id": "wf-lost-ack", "ticket_id": "T-1"}
    first = await open_client(server)
    try:
        await send_json(first, trigger)
        assert (await recv_type(first, "ack"))["duplicate"] is False
        await send_json(first, trigger)
        assert (await recv_type(first, "ack"))["duplicate"] is True
    finally:
        await first.close()
    second = await open_client(server)
    try:
        await send_json(second, trigger)
        assert (await recv_type(second, "ack"))["duplicate"] is False
    finally:
        await second.close()
    entries = (await server.get("/ledger"))["entries"]
    assert [e["message_id"] for e in entries] == ["wf-lost-ack", "wf-lost-ack"]
    assert entries[0]["adw_id"] != entries[1]["adw_id"]


async def test_the_fixed_server_dedupes_a_resend_on_a_new_connection(start_server):
    """Without the bug the same re-sent trigger is acked as a duplicate and recorded once."""
    server = start_server()
    trigger = {"type": "trigger_workflow", "id": "wf-lost-ack", "ticket_id": "T-1"}
    for _ in range(2):
        ws = await open_client(server)
        try:
            await send_json(ws, trigger)
            ack = await recv_type(ws, "ack")
        finally:
            await ws.close()
    assert ack["duplicate"] is True
    assert [e["deliveries"] for e in (await server.get("/ledger"))["entries"]] == [2]


async def test_no_connection_id_hides_ids_in_connected_and_pong(start_server):
    """With no_connection_id neither connected nor pong frames carry connection or instance ids."""
    server = start_server("--bugs", "no_connection_id")
    ws = await open_client(server)
    try:
        assert set(ws.connected_frame) == {"type", "server_time"}
        await send_json(ws, {"type": "ping", "id": "p", "timestamp": 5})
        pong = await recv_json(ws)
        assert "connection_id" not in pong and "server_instance_id" not in pong
        assert pong["timestamp"] == 5
    finally:
        await ws.close()


async def test_no_pong_timestamp_drops_timestamp_and_server_time(start_server):
    """With no_pong_timestamp a pong has neither the echoed timestamp nor server_time."""
    server = start_server("--bugs", "no_pong_timestamp")
    ws = await open_client(server)
    try:
        await send_json(ws, {"type": "ping", "id": "p", "timestamp": 5})
        pong = await recv_json(ws)
        assert pong["type"] == "pong" and "timestamp" not in pong and "server_time" not in pong
        assert "connection_id" in pong
    finally:
        await ws.close()


async def test_no_rate_limit_accepts_every_trigger(start_server):
    """With no_rate_limit a burst beyond --rate-limit is accepted without a rate_limited error."""
    server = start_server("--rate-limit", "2", "--bugs", "no_rate_limit", "--time-scale", "0.01")
    ws = await open_client(server)
    try:
        for index in range(6):
            await send_json(ws, {"type": "trigger_workflow", "id": f"burst-{index}", "ticket_id": index})
            ack = await recv_type(ws, "ack")
            assert ack["id"] == f"burst-{index}" and ack["duplicate"] is False
        assert len((await server.get("/ledger"))["entries"]) == 6
    finally:
        await ws.close()


async def _broadcast_past_a_dead_client(server):
    """A, B, C connect; B vanishes without a close frame; A posts a ticket.
    Returns (what C received, whether A still answers a ping, A)."""
    a, b, c = [await open_client(server) for _ in range(3)]
    b.transport.abort()  # no close frame: the server sees the TCP connection vanish
    await asyncio.sleep(timeout(0.3))  # let the server notice the dead socket
    try:
        await send_json(a, {"type": "ticket_notification", "id": "bc-1", "ticket": {"id": 1}})
        assert (await recv_json(a))["type"] == "ack"
        try:
            received = await recv_json(c, wait_s=1)
        except asyncio.TimeoutError:
            received = None
        try:
            await send_json(a, {"type": "ping", "id": "p", "timestamp": 1})
            a_alive = (await recv_json(a, wait_s=2))["type"] == "pong"
        except Exception:
            a_alive = False
        return received, a_alive, a
    finally:
        await c.close()


async def test_checked_broadcast_skips_a_dead_client(start_server):
    """The fixed server drops a dead connection and still delivers to later clients."""
    received, a_alive, a = await _broadcast_past_a_dead_client(start_server())
    await a.close()
    assert received == {"type": "ticket_created", "ticket": {"id": 1}}
    assert a_alive


async def test_unchecked_broadcast_aborts_on_a_dead_client(start_server):
    """With unchecked_broadcast the dead client aborts the broadcast: C misses it, A's handler dies."""
    server = start_server("--bugs", "unchecked_broadcast")
    received, a_alive, a = await _broadcast_past_a_dead_client(server)
    await wait_closed(a)
    assert received is None
    assert not a_alive and a.close_code == 1006
    assert "Exception in ASGI application" in server.output()
