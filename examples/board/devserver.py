"""A dev server like Vite's, for the board's front end: it serves index.html and the ES modules in
src/, and keeps its own WebSocket (`/__hmr`, the hot-reload channel) that greets every page with
{"type": "connected"} and pings it now and then. Like Vite it answers 404 on `/` to a request
that does not accept text/html. The port is fixed unless given: `python devserver.py [PORT]`.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse

HERE = Path(__file__).parent
app = FastAPI()


@app.get("/")
def index(request: Request):
    if "text/html" not in request.headers.get("accept", ""):
        return PlainTextResponse("", status_code=404)  # what Vite does
    return HTMLResponse((HERE / "index.html").read_text(encoding="utf-8"))


@app.get("/src/{name}")
def module(name: str):
    path = HERE / "src" / name
    if not path.is_file() or path.suffix != ".js":
        return PlainTextResponse("not found", status_code=404)
    return FileResponse(path, media_type="text/javascript", headers={"Cache-Control": "no-store"})


@app.websocket("/__hmr")
async def hmr(ws: WebSocket) -> None:
    await ws.accept()
    try:
        await ws.send_json({"type": "connected"})
        while True:
            await asyncio.sleep(5)
            await ws.send_json({"type": "ping"})
    except (WebSocketDisconnect, RuntimeError):
        pass


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]) if len(sys.argv) > 1 else 5173, log_level="warning")
