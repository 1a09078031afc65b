"""The two servers the load generator is measured against, each in its own process (loopback only).

- `ack`: bench/ack_server.py, a bare `websockets` server that answers a ping with a pong and
  does nothing else. It costs about what the generator costs per message, so on two cores the
  generator is the bottleneck: the strict measure of the harness's own overhead.
- `app`: the bundled reference app's real server (`python -m app.server`, `/ws/trigger`), the
  set-up of issue 9's baseline. It does much more per message than the generator, so it is the
  bottleneck; what matters there is that the generator keeps up with it.

    with start("app") as url:   # ws://127.0.0.1:PORT/ws/trigger
        ...
"""

from __future__ import annotations

import contextlib
import resource
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Iterator

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent  # the app served is always this checkout's: only the generator is compared
SERVERS = ("ack", "app")


def _raise_fd_limit() -> None:
    """In the server's process: 5,000 connections need more than the usual 1,024 descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@contextlib.contextmanager
def start(server: str) -> Iterator[str]:
    """Run `server` (`ack` or `app`) until the block ends; yields its WebSocket URL."""
    if server == "ack":
        cmd, marker = [sys.executable, str(BENCH / "ack_server.py")], "PORT "
    elif server == "app":
        db = Path(tempfile.mkdtemp(prefix="wschaos-bench-app-")) / "ledger.sqlite3"
        cmd = [sys.executable, "-m", "app.server", "--port", "0", "--db", str(db), "--time-scale", "1"]
        marker = "KANBAN_LISTENING port="
    else:
        raise ValueError(f"unknown server {server!r}: known: {', '.join(SERVERS)}")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            preexec_fn=_raise_fd_limit)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # the server prints its port once it accepts connections
            if line.startswith(marker):
                port = int(line[len(marker):].split()[0])
                break
        else:
            raise RuntimeError(f"{' '.join(cmd)} exited (code {proc.wait()}) before it printed {marker.strip()!r}")
        threading.Thread(target=proc.stdout.read, daemon=True).start()  # a full pipe would stall the server
        yield f"ws://127.0.0.1:{port}" + ("/ws/trigger" if server == "app" else "")
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
