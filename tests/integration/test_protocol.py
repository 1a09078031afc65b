"""Protocol clients and load groups against a tiny websockets ack server."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.server import ServerConnection, serve

from harness.drivers.protocol import LoadGroup, ProtocolClient, acked_by
from harness.journal import Journal, of_kind
from harness.tools import free_port


async def test_send_and_wait_for_ack(ws_ack_server, scaled):
    """send_json is acked, wait_for finds the ack, and the whole exchange is journaled."""
    journal = Journal()
    async with ProtocolClient("p0", ws_ack_server, journal) as client:
        await client.send_json({"type": "ping", "id": "m1"})
        ack = await client.wait_for(lambda m: m.get("id") == "m1", scaled(5))
        assert ack == {"type": "ack", "id": "m1"}
        again = await client.wait_for(lambda m: m.get("id") == "m1", 0.01)  # already received
        assert again is ack
    kinds = [e["kind"] for e in journal.events]
    assert kinds == ["client.open", "ws.attempt", "ws.open", "ws.frame", "ws.frame", "ws.close", "client.close"]
    sent, received = of_kind(journal.events, "ws.frame")
    assert (sent["dir"], sent["type"], sent["id"], sent["socket"]) == ("sent", "ping", "m1", "s1")
    assert (received["dir"], received["type"], received["data"]) == ("received", "ack", {"type": "ack", "id": "m1"})
    assert next(of_kind(journal.events, "ws.close"))["code"] == 1000


async def test_server_close_code_recorded(ws_ack_server, scaled):
    """A close initiated by the server is recorded with its code and reason."""
    journal = Journal()
    client = await ProtocolClient("p0", ws_ack_server, journal).connect()
    await client.send_json({"type": "close", "code": 4002, "reason": "go away"})
    for _ in range(100):
        if not client.connected:
            break
        await asyncio.sleep(0.02)
    close = next(of_kind(journal.events, "ws.close"))
    assert (close["code"], close["reason"], close["socket"]) == (4002, "go away", "s1")
    await client.close()
    await client.close()  # idempotent
    assert len(list(of_kind(journal.events, "ws.close"))) == 1


async def test_reconnect_gets_new_socket_id(ws_ack_server):
    """Connecting again after a close opens socket s2."""
    journal = Journal()
    client = ProtocolClient("p0", ws_ack_server, journal)
    await client.connect()
    await client.close()
    await client.connect()
    await client.close()
    assert [e["socket"] for e in of_kind(journal.events, "ws.open")] == ["s1", "s2"]


async def test_wait_for_timeout(ws_ack_server):
    """wait_for raises TimeoutError when nothing matches in time."""
    async with ProtocolClient("p0", ws_ack_server, Journal()) as client:
        with pytest.raises(asyncio.TimeoutError):
            await client.wait_for(lambda m: False, 0.2)


async def test_non_json_frame_is_kept_as_text(ws_ack_server, scaled):
    """A frame that is not JSON is journaled as text."""
    journal = Journal()
    async with ProtocolClient("p0", ws_ack_server, journal) as client:
        await client.conn.send("not json")
        await client.wait_for(lambda m: m.get("type") == "error", scaled(5))
    received = [e for e in of_kind(journal.events, "ws.frame") if e["dir"] == "received"]
    assert received[0]["type"] == "error"


async def test_send_before_connect_is_refused():
    """Sending on a client that never connected says what to do."""
    client = ProtocolClient("p0", "ws://127.0.0.1:1/ws", Journal())
    with pytest.raises(Exception, match="^protocol client p0 is not connected: call connect\\(\\) first$"):
        await client.send_json({"type": "ping"})


def test_only_loopback():
    """A non-loopback URL is refused before any traffic."""
    with pytest.raises(ValueError, match="^protocol clients only connect to loopback, got 'ws://example.com/ws'"):
        ProtocolClient("p0", "ws://example.com/ws", Journal())


def fresh(names, url_for, journal, record_frames=False):
    """Protocol clients that are not connected yet (the group connects them)."""
    return [ProtocolClient(n, url_for(n), journal, record_frames=record_frames) for n in names]


async def test_load_group_counts_sent_and_acked(ws_ack_server, scaled):
    """200 clients x 3 messages are all sent and acked; one load.summary is recorded."""
    journal = Journal()
    clients = fresh([f"p{i}" for i in range(200)], lambda name: f"{ws_ack_server}/?client_id={name}", journal)
    group = LoadGroup(
        clients, journal, make_message=lambda client, i: {"type": "ticket_notification", "id": f"{client}-{i}"},
        messages_per_client=3, rate_per_s=50, connect_concurrency=50, timeout_s=scaled(30), group="burst",
        close_clients=True,
    )
    summary = await group.run()
    assert (summary.sent, summary.acked, summary.errors, summary.failed_connects) == (600, 600, 0, 0)
    event = next(of_kind(journal.events, "load.summary"))
    assert {k: event[k] for k in ("group", "clients", "sent", "acked", "errors", "failed_connects")} == {
        "group": "burst", "clients": 200, "sent": 600, "acked": 600, "errors": 0, "failed_connects": 0}
    assert not list(of_kind(journal.events, "ws.frame"))  # these clients do not journal frames
    assert not any(c.connected for c in clients)  # close_clients: the group closed what it opened


async def test_load_group_failed_connects(scaled):
    """Clients that cannot connect are counted as failed connects, not errors."""
    port = free_port()
    journal = Journal()
    group = LoadGroup(fresh(["a", "b"], lambda name: f"ws://127.0.0.1:{port}/", journal), journal,
                      make_message=lambda c, i: {"id": i}, timeout_s=scaled(10))
    summary = await group.run()
    assert (summary.sent, summary.failed_connects, summary.errors) == (0, 2, 0)
    assert next(of_kind(journal.events, "load.summary"))["failed_connects"] == 2


async def test_load_group_is_bounded_in_time(ws_ack_server):
    """A group that would take too long stops at timeout_s and still records its summary."""
    journal = Journal()
    group = LoadGroup(fresh(["slow"], lambda name: ws_ack_server, journal), journal,
                      make_message=lambda c, i: {"type": "x", "id": i}, messages_per_client=1000,
                      rate_per_s=10, timeout_s=0.5, close_clients=True)
    summary = await group.run()
    assert 1 <= summary.sent < 20
    assert summary.duration_s < 2
    assert next(of_kind(journal.events, "load.summary"))["sent"] == summary.sent


async def pong_handler(conn: ServerConnection) -> None:
    """Answer a ping with a pong and anything else with an ack (like the reference server)."""
    async for raw in conn:
        message = json.loads(raw)
        reply = "pong" if message.get("type") == "ping" else "ack"
        await conn.send(json.dumps({"type": reply, "id": message.get("id")}))


async def test_load_group_counts_the_reply_the_rule_names(scaled):
    """Pings are answered by pongs: with the pong rule they count, with the ack rule they do not."""
    async with serve(pong_handler, "127.0.0.1", 0, ping_interval=None) as server:
        url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        results = []
        for rule in (acked_by("pong"), acked_by("ack")):
            journal = Journal()
            group = LoadGroup(fresh(["a", "b"], lambda name: url, journal), journal,
                              make_message=lambda c, i: {"type": "ping", "id": f"{c}-{i}"}, messages_per_client=3,
                              rate_per_s=0, reply_for=rule, ack_timeout_s=0.3, timeout_s=scaled(10),
                              close_clients=True)
            summary = await group.run()
            results.append((summary.sent, summary.acked, summary.errors))
    assert results == [(6, 6, 0), (6, 0, 0)]


async def test_load_group_counts_a_lost_connection_as_error(ws_ack_server, scaled):
    """A client whose connection closes before its replies came is an error, and the group does not wait out the deadline."""
    journal = Journal()
    group = LoadGroup(fresh(["a"], lambda name: ws_ack_server, journal), journal,
                      make_message=lambda c, i: {"type": "close", "code": 4000, "id": i}, messages_per_client=1,
                      ack_timeout_s=scaled(30), timeout_s=scaled(60), close_clients=True)
    summary = await group.run()
    assert (summary.sent, summary.acked, summary.errors, summary.failed_connects) == (1, 0, 1, 0)
    assert summary.duration_s < scaled(10)


async def test_load_group_uses_connected_clients_and_leaves_them_open(ws_ack_server, scaled):
    """Clients already connected are used as they are and stay open (the scenario owns them); frames are journaled."""
    journal = Journal()
    client = await ProtocolClient("p0", ws_ack_server, journal).connect()
    try:
        summary = await LoadGroup([client], journal, make_message=lambda c, i: {"type": "t", "id": f"m{i}"},
                                  messages_per_client=2, rate_per_s=0, timeout_s=scaled(10)).run()
        assert (summary.sent, summary.acked) == (2, 2)
        assert client.connected
        frames = [(e["dir"], e["type"], e["id"]) for e in of_kind(journal.events, "ws.frame")]
        assert sorted(frames) == [("received", "ack", "m0"), ("received", "ack", "m1"),
                                  ("sent", "t", "m0"), ("sent", "t", "m1")]
    finally:
        await client.close()


async def test_load_group_leaves_older_objects_to_the_gc_only_while_it_runs(ws_ack_server, scaled):
    """While groups run, objects older than the first are out of the GC's collections; all are back when the last ends."""
    import gc

    assert gc.get_freeze_count() == 0
    frozen_while_sending = []

    def message(client, i):
        frozen_while_sending.append(gc.get_freeze_count() > 0)
        return {"type": "t", "id": f"{client}-{i}"}

    journal = Journal()
    groups = [LoadGroup(fresh([name], lambda n: ws_ack_server, journal), journal, make_message=message,
                        messages_per_client=3, rate_per_s=20 * (k + 1), timeout_s=scaled(10), close_clients=True)
              for k, name in enumerate(["a", "b"])]
    summaries = await asyncio.gather(*(g.run() for g in groups))  # overlapping: the first to end must not unfreeze
    assert [(s.sent, s.acked) for s in summaries] == [(3, 3), (3, 3)]
    assert frozen_while_sending == [True] * 6
    assert gc.get_freeze_count() == 0
