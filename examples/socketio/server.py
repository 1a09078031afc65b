"""A Socket.IO notes app that knows nothing about wschaos: python-socketio on uvicorn, the page
on the same port, the socket.io 4.8 client loaded from its CDN (docs/targets.md, "Targeting a
Socket.IO app as it is"; tested by tests/e2e/test_example_socketio.py).

    page -> server  emit("note", {id, text}, ack)   ack({ok: true, id}) once the note is stored
    page -> server  emit("watch")                     join the room of those who see every note
    server -> page  emit("welcome", {instance})      on every connect (instance changes per process)
                    emit("noted", {id, text})        to every other client in that room

`GET /debug/received` lists the stored notes: {"notes": [{"type": "note", "id", "text"}]}. Notes
are stored once per id, in memory. On SIGTERM (a deploy) the server first tells every connected
page that it closes their session (Socket.IO's server-side disconnect: the client's reason is
"io server disconnect", after which socket.io-client does NOT reconnect on its own), then stops.

Run it alone: `python server.py 8000` in this folder and open http://127.0.0.1:8000/ (the page
needs the CDN, or a browser that serves it from vendor/). `--time-scale 0.25` shortens the
heartbeat (ping every 5 s, 5 s to answer, times the scale); the page takes `?scale=` for its
reconnection delays and `?bugs=` for its seeded bugs (see index.html).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import uuid
from pathlib import Path
from typing import Any

import socketio
import uvicorn

HERE = Path(__file__).parent
INSTANCE = uuid.uuid4().hex[:12]
#: The app's heartbeat, before scaling: a ping every 5 s, 5 s for the pong (python-socketio's
#: defaults are 25 s and 20 s; a chat-like app wants a dead link noticed sooner).
PING_INTERVAL_S = 5.0
PING_TIMEOUT_S = 5.0

#: The room of the clients that asked to see everyone's notes (`emit("watch")`: the page does).
WATCHERS = "watchers"
notes: list[dict[str, str]] = []
seen: set[str] = set()


def make_server(scale: float) -> socketio.AsyncServer:
    sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*",
                               ping_interval=PING_INTERVAL_S * scale, ping_timeout=PING_TIMEOUT_S * scale)

    @sio.event
    async def connect(sid: str, environ: dict[str, Any]) -> None:
        await sio.emit("welcome", {"instance": INSTANCE}, to=sid)

    @sio.event
    async def watch(sid: str) -> None:
        await sio.enter_room(sid, WATCHERS)

    @sio.event
    async def note(sid: str, data: dict[str, str]) -> dict[str, object]:
        if data["id"] not in seen:
            seen.add(data["id"])
            notes.append({"type": "note", "id": data["id"], "text": data["text"]})
            await sio.emit("noted", data, room=WATCHERS, skip_sid=sid)
        return {"ok": True, "id": data["id"]}

    return sio


async def web(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The page and the ledger; everything else is 404."""
    if scope["type"] != "http":
        return
    path = scope["path"]
    status, kind, body = 200, b"text/html; charset=utf-8", b""
    if path == "/":
        body = (HERE / "index.html").read_bytes()
    elif path == "/debug/received":
        kind, body = b"application/json", json.dumps({"notes": notes}).encode()
    else:
        status, kind, body = 404, b"text/plain", b"not found"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind), (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})


class GoodbyeServer(uvicorn.Server):
    """uvicorn that closes every Socket.IO session before it stops on SIGTERM (a deploy)."""

    def __init__(self, config: uvicorn.Config, sio: socketio.AsyncServer) -> None:
        super().__init__(config)
        self.sio = sio
        self.leaving = False

    def handle_exit(self, sig: int, frame: Any) -> None:
        if sig != signal.SIGTERM or self.leaving:
            return super().handle_exit(sig, frame)
        self.leaving = True
        asyncio.get_event_loop().call_soon_threadsafe(lambda: asyncio.ensure_future(self.goodbye(sig, frame)))

    async def goodbye(self, sig: int, frame: Any) -> None:
        for sid in list(self.sio.manager.get_participants("/", None)):
            await self.sio.disconnect(sid[0], namespace="/")
        await asyncio.sleep(0.3)  # let the disconnect packets reach pages still on long-polling
        super().handle_exit(sig, frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", type=int)
    parser.add_argument("--time-scale", type=float, default=1.0)
    args = parser.parse_args()
    sio = make_server(args.time_scale)
    app = socketio.ASGIApp(sio, other_asgi_app=web)
    config = uvicorn.Config(app, host="127.0.0.1", port=args.port, log_level="info", lifespan="off")
    asyncio.run(GoodbyeServer(config, sio).serve())


if __name__ == "__main__":
    main()
