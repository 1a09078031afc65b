"""Helpers for the reference server tests: a server subprocess and small client utilities.

Waits scale with WSCHAOS_TIMEOUT_FACTOR (default 1).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_FACTOR = float(os.environ.get("WSCHAOS_TIMEOUT_FACTOR", "1"))


def timeout(seconds: float) -> float:
    """A wait budget scaled by WSCHAOS_TIMEOUT_FACTOR."""
    return seconds * TIMEOUT_FACTOR


class ServerProcess:
    """One reference-server subprocess; output goes to files so pipes never fill."""

    def __init__(self, workdir: Path, args: list[str], db: Path) -> None:
        self.db = db
        self.stdout_path = workdir / "stdout.log"
        self.stderr_path = workdir / "stderr.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.server", "--port", "0", "--db", str(db), *args],
            cwd=REPO,
            stdout=self.stdout_path.open("w"),
            stderr=self.stderr_path.open("w"),
            start_new_session=True,
        )
        self.port = 0

    def output(self) -> str:
        return self.stdout_path.read_text() + self.stderr_path.read_text()

    def wait_listening(self) -> None:
        deadline = time.monotonic() + timeout(15)
        while time.monotonic() < deadline:
            for line in self.stdout_path.read_text().splitlines():
                if line.startswith("KANBAN_LISTENING port="):
                    self.port = int(line.split("=", 1)[1])
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"server did not print KANBAN_LISTENING; output:\n{self.output()[-3000:]}")

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/trigger"

    def http(self, path: str, method: str = "GET") -> Any:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method)
        with urllib.request.urlopen(request, timeout=timeout(5)) as response:
            return json.loads(response.read())

    async def get(self, path: str) -> Any:
        return await asyncio.to_thread(self.http, path)

    def signal(self, sig: int = signal.SIGTERM) -> None:
        self.proc.send_signal(sig)

    async def wait_exit(self) -> int:
        return await asyncio.to_thread(self.proc.wait, timeout(10))

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout(10))


async def open_client(server: ServerProcess, client_id: str = "test") -> ClientConnection:
    """Connect and consume the `connected` frame (kept on `ws.connected_frame`)."""
    ws = await asyncio.wait_for(
        connect(f"{server.ws_url}?client_id={client_id}", max_size=None), timeout(5)
    )
    ws.connected_frame = await recv_json(ws)  # type: ignore[attr-defined]
    assert ws.connected_frame["type"] == "connected"  # type: ignore[attr-defined]
    return ws


async def recv_json(ws: ClientConnection, wait_s: float = 5) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout(wait_s)))


async def recv_type(ws: ClientConnection, kind: str, wait_s: float = 5) -> dict[str, Any]:
    """Skip frames until one of type ``kind`` arrives."""
    deadline = time.monotonic() + timeout(wait_s)
    while True:
        frame = await recv_json(ws, max(0.01, deadline - time.monotonic()) / TIMEOUT_FACTOR)
        if frame["type"] == kind:
            return frame


async def send_json(ws: ClientConnection, frame: dict[str, Any]) -> None:
    await ws.send(json.dumps(frame))


async def wait_closed(ws: ClientConnection, wait_s: float = 5) -> list[dict[str, Any]]:
    """Read (and return) every remaining frame until the connection is closed.

    Reading matters: a client that stops reading never processes the close frame.
    """
    frames: list[dict[str, Any]] = []

    async def drain() -> None:
        try:
            async for text in ws:
                frames.append(json.loads(text))
        except ConnectionClosed:
            pass

    await asyncio.wait_for(drain(), timeout(wait_s))
    return frames


async def eventually(probe, wait_s: float = 5, every_s: float = 0.05):
    """Poll the async ``probe`` until it returns something truthy; returns that value."""
    deadline = time.monotonic() + timeout(wait_s)
    while True:
        value = await probe()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(every_s)
