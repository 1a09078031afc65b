"""Static file server for the reference Kanban client: `python -m app.client --port N`.

Serves app/client/static/ with no caching (a page reload always gets the current files),
prints `KANBAN_CLIENT_LISTENING port=N` once listening (port 0 picks a free port), keeps
quiet otherwise, and exits 0 on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import functools
import signal
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"


class QuietHandler(SimpleHTTPRequestHandler):
    """Static files, never cached, no per-request log lines."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".css": "text/css",
        ".html": "text/html; charset=utf-8",
    }

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store, max-age=0")
        self.send_header("Pragma", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):
            pass  # the browser went away mid-request: not worth a traceback


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.client", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port, 0 = pick a free one (default 8080)")
    args = parser.parse_args(argv)

    handler = functools.partial(QuietHandler, directory=str(STATIC_DIR))
    try:
        server = Server((args.host, args.port), handler)
    except OSError as err:
        print(f"cannot listen on {args.host}:{args.port}: {err}; pick another --port (0 = any free one)", file=sys.stderr)
        return 3

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, name="static-server", daemon=True)
    thread.start()
    print(f"KANBAN_CLIENT_LISTENING port={server.server_address[1]}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
