"""A small app wschaos was not written for, as a user's project would hold it: one `websockets`
server serving its page at `/` and its socket at `/ws` on one port, the port as its only
argument; the page shows its state in `#status` and reconnects with a doubling delay.

`write_tiny_app(folder)` writes `app.py` there (tests write it into tmp_path, never into the
repository), so `wschaos init` meets it as it would meet a user's app.
"""

from __future__ import annotations

from pathlib import Path

APP = '''\
"""tiny: a page and a WebSocket on one port (python app.py PORT)."""
import asyncio
import sys
from http import HTTPStatus

from websockets.asyncio.server import serve

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>tiny</title></head>
<body><h1>tiny</h1><p>status: <span id="status">connecting</span></p>
<script>
let delay = 250;
function connect() {
  const ws = new WebSocket(`ws://${location.host}/ws`);
  ws.onopen = () => { delay = 250; document.getElementById("status").textContent = "connected"; ws.send("hello"); };
  ws.onclose = () => {
    document.getElementById("status").textContent = "reconnecting";
    setTimeout(connect, delay);
    delay = Math.min(delay * 2, 2000);
  };
}
connect();
</script></body></html>
"""


async def echo(ws):
    async for message in ws:
        await ws.send(f"echo {message}")


def page(connection, request):
    if request.path == "/ws":
        return None
    if request.path == "/":
        response = connection.respond(HTTPStatus.OK, PAGE)
        response.headers["Content-Type"] = "text/html; charset=utf-8"
        return response
    return connection.respond(HTTPStatus.NOT_FOUND, "not found\\n")


async def main(port):
    async with serve(echo, "127.0.0.1", port, process_request=page) as server:
        print(f"tiny listening on {port}", flush=True)
        await server.serve_forever()


asyncio.run(main(int(sys.argv[1])))
'''


def write_tiny_app(folder: Path) -> Path:
    """Write the tiny app's `app.py` into `folder`; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "app.py"
    path.write_text(APP, encoding="utf-8")
    return path
