"""Process lifecycle: restarts, the shutdown drain and the stale-connection sweep."""

from __future__ import annotations

import asyncio
import signal
import time

from .helpers import eventually, open_client, recv_json, send_json, timeout, wait_closed

TICKET = {"type": "ticket_notification", "id": "restart-1", "ticket": {"id": 11, "title": "t"}}


async def test_ledger_survives_restart_with_new_server_instance_id(start_server):
    """After a restart on the same --db the entry is still there, the id is a duplicate,
    and the new process has a new server_instance_id."""
    first = start_server("--time-scale", "0.05")
    ws = await open_client(first)
    await send_json(ws, TICKET)
    assert (await recv_json(ws))["duplicate"] is False
    old_instance = ws.connected_frame["server_instance_id"]
    first.signal(signal.SIGTERM)
    await wait_closed(ws)
    assert await first.wait_exit() == 0

    second = start_server("--time-scale", "0.05", db=first.db)
    ws = await open_client(second)
    try:
        assert ws.connected_frame["server_instance_id"] != old_instance
        await send_json(ws, TICKET)
        assert (await recv_json(ws))["duplicate"] is True
        entries = (await second.get("/ledger"))["entries"]
        assert [(e["message_id"], e["deliveries"], e["key"]) for e in entries] == [
            ("restart-1", 2, "ticket:11")
        ]
        assert entries[0]["server_instance_id"] == old_instance
    finally:
        await ws.close()


async def test_ledger_reset_empties_the_ledger(start_server):
    """POST /ledger/reset removes every entry."""
    server = start_server()
    ws = await open_client(server)
    try:
        await send_json(ws, TICKET)
        await recv_json(ws)
        assert await asyncio.to_thread(server.http, "/ledger/reset", "POST") == {"removed": 1}
        assert (await server.get("/ledger"))["entries"] == []
    finally:
        await ws.close()


async def test_sigterm_sends_server_shutdown_then_closes_1012_and_exits_0(start_server):
    """SIGTERM drains: every client gets server_shutdown, then a 1012 close; the process exits 0."""
    server = start_server("--time-scale", "0.5")
    clients = [await open_client(server) for _ in range(3)]
    server.signal(signal.SIGTERM)
    for ws in clients:
        frames = await wait_closed(ws)
        assert [f["type"] for f in frames] == ["server_shutdown"]
        assert frames[0]["reconnect_after_ms"] == 500 and frames[0]["reason"]
        assert ws.close_code == 1012
    assert await server.wait_exit() == 0


async def test_no_shutdown_drain_drops_connections_without_close_frame(start_server):
    """With no_shutdown_drain, SIGTERM ends the process at once: no server_shutdown, no close frame."""
    server = start_server("--bugs", "no_shutdown_drain")
    ws = await open_client(server)
    server.signal(signal.SIGTERM)
    assert await wait_closed(ws) == []
    assert ws.close_code == 1006
    assert await server.wait_exit() == 0


async def test_stale_sweep_closes_idle_connection_1001(start_server):
    """An idle connection is closed with 1001 by the sweep and leaves active_connections."""
    server = start_server("--time-scale", "0.005")  # idle timeout 1.5 s, sweep every 0.3 s
    idle, busy = await open_client(server), await open_client(server)
    started = time.monotonic()
    try:
        async def keep_busy() -> None:
            while True:
                await send_json(busy, {"type": "ping", "id": "hb", "timestamp": 1})
                await recv_json(busy)
                await asyncio.sleep(0.2)

        heartbeat = asyncio.create_task(keep_busy())
        await wait_closed(idle, wait_s=5)
        assert idle.close_code == 1001
        assert time.monotonic() - started >= 1.5
        health = await eventually(
            lambda: _health_with(server, active_connections=1), wait_s=2
        )
        assert health, "the idle connection is still counted as active"
        assert not heartbeat.done(), "the connection that kept sending pings must stay open"
        heartbeat.cancel()
    finally:
        await busy.close()


async def test_no_stale_cleanup_keeps_idle_connection_forever(start_server):
    """With no_stale_cleanup an idle connection is never closed and stays in active_connections."""
    server = start_server("--time-scale", "0.005", "--bugs", "no_stale_cleanup")
    idle = await open_client(server)
    try:
        await asyncio.sleep(timeout(2.5))  # well past the 1.5 s idle timeout + one sweep
        assert (await server.get("/health"))["active_connections"] == 1
        await send_json(idle, {"type": "ping", "id": "still-here", "timestamp": 1})
        assert (await recv_json(idle))["type"] == "pong"
    finally:
        await idle.close()


async def _health_with(server, **expected):
    health = await server.get("/health")
    return health if all(health[k] == v for k, v in expected.items()) else None
