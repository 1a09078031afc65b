"""A small chat app that knows nothing about wschaos: the example of docs/targets.md
("Testing your own app"), tested end to end by tests/e2e/test_example_chat.py.

Its protocol is its own, not the kanban app's: the message type is `kind`, the id is `msgId`,
and a stored message is confirmed with a `receipt`:

    page -> server  {"kind": "say", "msgId": ID, "text": TEXT}
    server -> page  {"kind": "receipt", "msgId": ID}          once the message is stored
                    {"kind": "said", "text": TEXT}             to every other open socket
                    {"kind": "welcome", "instance": ID}        on connect (ID changes per process)
    page -> server  {"kind": "ping", "msgId": ID}  ->  {"kind": "pong", "msgId": ID}

`GET /debug/received` lists the stored messages: {"messages": [{"kind": "say", "msgId", "text"}]}.
Messages are stored once per `msgId` in SQLite (`CHAT_DB`, default in memory). The page and the
socket share one port.

Run it alone: `python -m uvicorn chat:app --port 8000` in this folder, open http://127.0.0.1:8000/.
Seeded bug for the harness's own tests: `CHAT_BUGS=no_dedupe` stores a re-sent message again.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse

PAGE = (Path(__file__).parent / "index.html").read_text(encoding="utf-8")
BUGS = set(filter(None, os.environ.get("CHAT_BUGS", "").split(",")))
INSTANCE = uuid.uuid4().hex[:12]

db = sqlite3.connect(os.environ.get("CHAT_DB", ":memory:"), check_same_thread=False)
db.execute("PRAGMA journal_mode=WAL")
db.execute("CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, msg_id TEXT, text TEXT)")
db.commit()



@asynccontextmanager
async def lifespan(_: FastAPI):
    yield
    db.close()  # a clean stop folds the WAL back into the database file


app = FastAPI(lifespan=lifespan)
sockets: set[WebSocket] = set()


@app.get("/")
def page() -> HTMLResponse:
    return HTMLResponse(PAGE)


@app.get("/debug/received")
def received() -> dict:
    rows = db.execute("SELECT msg_id, text FROM messages ORDER BY seq").fetchall()
    return {"messages": [{"kind": "say", "msgId": m, "text": t} for m, t in rows]}


def store(msg_id: str, text: str) -> None:
    """Keep a message once per msgId (unless the no_dedupe bug is on); committed before the receipt."""
    seen = db.execute("SELECT 1 FROM messages WHERE msg_id = ?", (msg_id,)).fetchone()
    if not seen or "no_dedupe" in BUGS:
        db.execute("INSERT INTO messages (msg_id, text) VALUES (?, ?)", (msg_id, text))
        db.commit()


@app.websocket("/ws")
async def chat(ws: WebSocket) -> None:
    await ws.accept()
    sockets.add(ws)
    try:
        await ws.send_json({"kind": "welcome", "instance": INSTANCE})
        while True:
            try:
                frame = json.loads(await ws.receive_text())
            except ValueError:
                continue
            if not isinstance(frame, dict):
                continue
            if frame.get("kind") == "ping":
                await ws.send_json({"kind": "pong", "msgId": frame.get("msgId")})
            elif frame.get("kind") == "say" and isinstance(frame.get("msgId"), str):
                text = str(frame.get("text", ""))[:500]
                store(frame["msgId"], text)
                await ws.send_json({"kind": "receipt", "msgId": frame["msgId"]})
                for other in list(sockets - {ws}):
                    try:
                        await other.send_json({"kind": "said", "text": text})
                    except Exception:  # a peer that just went away
                        sockets.discard(other)
    except WebSocketDisconnect:
        pass
    finally:
        sockets.discard(ws)
