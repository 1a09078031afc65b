"""The board's API server: a small card board over one WebSocket. It knows nothing about wschaos.

    page -> server  {"type": "hello", "project": NAME}
    server -> page  {"type": "welcome", "instance": ID, "cards": [...]}    ID changes per process
    page -> server  {"type": "add_card", "id": ID, "title": TITLE}
    server -> page  {"type": "receipt", "id": ID}              once the card is stored (once per id)
                    {"type": "card", "card": {...}}             to every other open socket
    server -> page  {"type": "ping", "t": SECONDS}              every 2 s; the page answers {"type": "pong"}

`GET /debug/cards` lists the stored cards: {"cards": [{"type": "add_card", "id", "title"}]}.

Run it: `python server.py 8002` (the page dials ws://localhost:8002/ws, hard-coded).
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid

import uvicorn
from fastapi import FastAPI, WebSocket, WebSocketDisconnect

INSTANCE = uuid.uuid4().hex[:12]
PING_EVERY_S = 2.0

app = FastAPI()
cards: dict[str, dict] = {}
sockets: set[WebSocket] = set()


@app.get("/debug/cards")
def stored() -> dict:
    return {"cards": [{"type": "add_card", **card} for card in cards.values()]}


@app.websocket("/ws")
async def board(ws: WebSocket) -> None:
    await ws.accept()
    sockets.add(ws)
    pinger = asyncio.create_task(_ping(ws))
    try:
        while True:
            msg = await ws.receive_json()
            await _handle(ws, msg)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        pinger.cancel()
        sockets.discard(ws)


async def _handle(ws: WebSocket, msg: dict) -> None:
    kind = msg.get("type")
    if kind == "hello":
        await ws.send_json({"type": "welcome", "instance": INSTANCE, "cards": list(cards.values())})
    elif kind == "add_card" and isinstance(msg.get("id"), str):
        fresh = msg["id"] not in cards
        if fresh:
            cards[msg["id"]] = {"id": msg["id"], "title": str(msg.get("title", ""))}
        await ws.send_json({"type": "receipt", "id": msg["id"]})
        if fresh:
            for other in list(sockets - {ws}):
                try:
                    await other.send_json({"type": "card", "card": cards[msg["id"]]})
                except Exception:
                    pass


async def _ping(ws: WebSocket) -> None:
    while True:
        await asyncio.sleep(PING_EVERY_S)
        await ws.send_json({"type": "ping", "t": time.time()})


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8002
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="info")
