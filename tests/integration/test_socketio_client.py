"""SocketIOClient (python-socketio underneath) against the real Socket.IO example server: the
same face as ProtocolClient, so LoadGroup counts its acks, and the journal reads the same."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness.drivers.process import ManagedProcess, ReadyProbe
from harness.drivers.protocol import LoadGroup
from harness.drivers.socketio_client import SocketIOClient
from harness.errors import InfrastructureError
from harness.journal import Journal, of_kind
from harness.tools import free_port

APP = Path(__file__).resolve().parents[2] / "examples" / "socketio"


@pytest.fixture
async def server_port():
    port = free_port()
    proc = ManagedProcess("server", [sys.executable, "server.py", str(port)], journal=Journal(), cwd=APP,
                          ready=ReadyProbe(http=f"http://127.0.0.1:{port}/debug/received"))
    await proc.start()
    try:
        yield port
    finally:
        await proc.stop()


async def test_an_event_with_an_ack_is_journaled_as_a_sent_frame_and_a_received_ack(server_port):
    """emit("note", payload) with the template's type as the event; its ack is a received `ack` frame with the id."""
    journal = Journal()
    client = SocketIOClient("p0", f"http://127.0.0.1:{server_port}/socket.io/", journal)
    try:
        await client.connect()
        await client.send_json({"type": "note", "id": "n1", "text": "hi"})
        ack = await client.wait_for(lambda m: m.get("type") == "ack", 5)
    finally:
        await client.close()
    assert ack == {"type": "ack", "id": "n1", "data": [{"ok": True, "id": "n1"}]}
    frames = [(e["dir"], e["type"], e["id"], e["socket"]) for e in of_kind(journal.events, "ws.frame")]
    assert frames == [("received", "welcome", None, "s1"), ("sent", "note", "n1", "s1"), ("received", "ack", "n1", "s1")]
    assert [e["kind"] for e in journal.events if e["kind"].startswith(("ws.attempt", "ws.open", "ws.close"))] == [
        "ws.attempt", "ws.open", "ws.close"]


async def test_a_load_group_counts_socketio_acks(server_port):
    """LoadGroup drives Socket.IO clients unchanged: every note acked, none lost."""
    journal = Journal()
    clients = [SocketIOClient(f"p{i}", f"http://127.0.0.1:{server_port}/", journal) for i in range(5)]
    summary = await LoadGroup(clients, journal, make_message=lambda c, i: {"type": "note", "id": f"{c}-{i}", "text": "x"},
                              messages_per_client=4, rate_per_s=50, close_clients=True).run()
    assert (summary.sent, summary.acked, summary.errors, summary.failed_connects) == (20, 20, 0, 0)


async def test_sending_before_connecting_says_what_to_do():
    """A send on a client that never connected is a clear harness error."""
    client = SocketIOClient("p0", "http://127.0.0.1:1/", Journal())
    with pytest.raises(InfrastructureError, match="Socket.IO client p0 is not connected: call connect\\(\\) first"):
        await client.send_json({"type": "note"})


async def test_a_refused_connection_is_an_oserror_naming_the_url():
    """Nothing listening: an OSError (what LoadGroup counts as a failed connect) naming the client and URL."""
    port = free_port()
    client = SocketIOClient("p0", f"http://127.0.0.1:{port}/", Journal(), open_timeout_s=1)
    with pytest.raises(OSError, match=f"Socket.IO client p0 could not connect to http://127.0.0.1:{port}/: "):
        await client.connect()
    await client.close()
