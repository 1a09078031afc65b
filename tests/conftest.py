"""Shared test helpers: one timeout factor, real loopback servers on port 0."""

from __future__ import annotations

import asyncio
import json
import os
from typing import AsyncIterator

import pytest
import pytest_asyncio
from websockets.asyncio.server import ServerConnection, serve

pytest_plugins = ["pytester"]  # the wschaos plugin's fixtures are tested in an inner pytest run

TIMEOUT_FACTOR = float(os.environ.get("WSCHAOS_TIMEOUT_FACTOR", "1"))
# Every real run of the suite (in-process or a `wschaos` subprocess, which inherits it) checks
# each journal event against harness/events.py; an undeclared kind or field makes it an error.
os.environ.setdefault("WSCHAOS_STRICT_EVENTS", "1")


#: Tests marked `nightly` run only when this is set (`make nightly`): the README's test command
#: stays well under 30 minutes on 2 cores.
NIGHTLY = os.environ.get("WSCHAOS_NIGHTLY", "") not in ("", "0")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the `nightly` tests, saying how to run them, unless WSCHAOS_NIGHTLY=1."""
    if NIGHTLY:
        return
    skip = pytest.mark.skip(reason="nightly: run with WSCHAOS_NIGHTLY=1 (make nightly does)")
    for item in items:
        if item.get_closest_marker("nightly"):
            item.add_marker(skip)


def timeout_s(seconds: float) -> float:
    """`seconds` scaled by $WSCHAOS_TIMEOUT_FACTOR (slow CI machines set it above 1)."""
    return seconds * TIMEOUT_FACTOR


@pytest.fixture
def scaled():
    """The timeout scaler, as a fixture for tests that prefer injection."""
    return timeout_s


class TcpEcho:
    """An asyncio TCP echo server on 127.0.0.1:<port 0>."""

    def __init__(self) -> None:
        self.server: asyncio.base_events.Server | None = None
        self.port = 0
        self.writers: set[asyncio.StreamWriter] = set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.add(writer)
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self.writers.discard(writer)
            writer.close()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@pytest_asyncio.fixture(loop_scope="session")
async def tcp_echo() -> AsyncIterator[TcpEcho]:
    """A TCP echo server for proxy tests."""
    echo = TcpEcho()
    echo.server = await asyncio.start_server(echo._handle, "127.0.0.1", 0)
    echo.port = echo.server.sockets[0].getsockname()[1]
    try:
        yield echo
    finally:
        echo.server.close()
        for writer in list(echo.writers):
            writer.close()
        await echo.server.wait_closed()


async def ack_handler(conn: ServerConnection) -> None:
    """Answer every JSON message with `{"type":"ack","id":...}`; `{"type":"close"}` closes with the given code."""
    async for raw in conn:
        try:
            message = json.loads(raw)
        except ValueError:
            await conn.send(json.dumps({"type": "error", "code": "invalid_json"}))
            continue
        if message.get("type") == "close":
            await conn.close(message.get("code", 1000), message.get("reason", ""))
            return
        await conn.send(json.dumps({"type": "ack", "id": message.get("id")}))


@pytest_asyncio.fixture(loop_scope="session")
async def ws_ack_server() -> AsyncIterator[str]:
    """A websockets server that acks every message; yields `ws://127.0.0.1:PORT`."""
    async with serve(ack_handler, "127.0.0.1", 0, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}"
