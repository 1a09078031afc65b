"""The bundled Socket.IO example app (examples/socketio/server.py) as a real process: notes are
acked and stored once, and a SIGTERM (a deploy) closes every session from the server first."""

from __future__ import annotations

import asyncio
import json
import sys
import urllib.request
from pathlib import Path

import socketio

from harness.drivers.process import ManagedProcess, ReadyProbe
from harness.journal import Journal
from harness.tools import free_port

APP = Path(__file__).resolve().parents[2] / "examples" / "socketio"


def server(port: int) -> ManagedProcess:
    return ManagedProcess("server", [sys.executable, "server.py", str(port), "--time-scale", "0.25"],
                          journal=Journal(), cwd=APP, ready=ReadyProbe(http=f"http://127.0.0.1:{port}/debug/received"))


def ledger(port: int) -> list[dict[str, str]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/debug/received", timeout=5) as reply:
        return json.loads(reply.read())["notes"]


async def test_a_note_is_acked_and_stored_once_over_polling_then_websocket(scaled):
    """The client's defaults (polling, then the upgrade) reach the app; a note sent twice is stored once."""
    port = free_port()
    proc = server(port)
    client = socketio.AsyncClient(reconnection=False)
    try:
        await proc.start()
        await client.connect(f"http://127.0.0.1:{port}", wait_timeout=scaled(5))
        note = {"id": "n-1", "text": "hello"}
        first = await client.call("note", note, timeout=scaled(5))
        again = await client.call("note", note, timeout=scaled(5))
        assert first == again == {"ok": True, "id": "n-1"}
        assert ledger(port) == [{"type": "note", "id": "n-1", "text": "hello"}]
    finally:
        await client.disconnect()
        await proc.stop()


async def test_sigterm_closes_every_session_from_the_server_first(scaled):
    """A deploy tells each connected client that the server closed its session (`io server disconnect`)."""
    port = free_port()
    proc = server(port)
    client = socketio.AsyncClient(reconnection=False)
    reasons: list[str] = []
    client.on("disconnect", lambda reason=None: reasons.append(str(reason)))
    try:
        await proc.start()
        await client.connect(f"http://127.0.0.1:{port}", transports=["websocket"], wait_timeout=scaled(5))
        await proc.stop()
        for _ in range(int(scaled(50))):
            if reasons:
                break
            await asyncio.sleep(0.1)
        assert reasons == [socketio.AsyncClient.reason.SERVER_DISCONNECT]
    finally:
        await client.disconnect()
        await proc.stop()
