"""Runs the app under uvicorn on a pre-bound socket, with the server's own signal handling.

Why not plain ``uvicorn.run``:
- port 0: we bind the socket ourselves, so the chosen port is known and printed as
  ``KANBAN_LISTENING port=N`` once uvicorn is accepting connections;
- shutdown: uvicorn's own shutdown sends 1012 at once and re-raises the signal (exit -15).
  The fix asks for a drain (``server_shutdown`` frame, close 1012, grace) and exit 0,
  and the ``no_shutdown_drain`` bug for an abrupt exit with no close frame at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Iterator

import uvicorn

from .app import create_app
from .state import KanbanServer

log = logging.getLogger("kanban.server")
LISTENING_LINE = "KANBAN_LISTENING port={port}"


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


class KanbanUvicorn(uvicorn.Server):
    """uvicorn.Server that announces its port and drains before it shuts down."""

    def __init__(self, config: uvicorn.Config, kanban: KanbanServer, sock: socket.socket) -> None:
        super().__init__(config)
        self.kanban = kanban
        self.sock = sock
        self._stopping: asyncio.Task[None] | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            print(LISTENING_LINE.format(port=self.sock.getsockname()[1]), flush=True)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)
        try:
            yield
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)

    def _on_signal(self, sig: int) -> None:
        log.info("received %s", signal.Signals(sig).name)
        if self.kanban.config.has_bug("no_shutdown_drain"):
            self._exit_abruptly()
        if self._stopping is None:
            self._stopping = asyncio.create_task(self._drain_then_exit())
        else:  # a second signal: stop waiting
            self.force_exit = True
            self.should_exit = True

    def _exit_abruptly(self) -> None:
        # The original server: no notice, no close frame. The kernel closes every socket
        # when the process ends, so clients see the TCP connection vanish (code 1006).
        for server in self.servers:
            server.close()
        os._exit(0)

    async def _drain_then_exit(self) -> None:
        for server in self.servers:  # stop accepting first: reconnects go elsewhere
            server.close()
        try:
            await self.kanban.drain()
        finally:
            self.should_exit = True
            # uvicorn waits for every transport to close; one stuck behind a peer that
            # stopped reading (a blackholed proxy) would hold the exit forever.
            delay_s = max(self.kanban.config.shutdown_grace_s, 0.5) + 1.0
            asyncio.get_running_loop().call_later(delay_s, self._abort_stragglers)

    def _abort_stragglers(self) -> None:
        for protocol in list(self.server_state.connections):
            transport = getattr(protocol, "transport", None)
            if transport is not None:
                transport.abort()


def serve(kanban: KanbanServer) -> int:
    """Run until a signal; returns the process exit code."""
    config = kanban.config
    try:
        sock = bind_socket(config.host, config.port)
    except OSError as exc:
        print(f"error: cannot listen on {config.host}:{config.port}: {exc.strerror}; "
              "pick another --port, or --port 0 for a free one", file=sys.stderr)
        return 1
    uv_config = uvicorn.Config(
        create_app(kanban),
        # Protocol pings off: the app heartbeat and the stale sweep are what is under test.
        ws_ping_interval=None,
        ws_ping_timeout=None,
        ws_max_size=max(config.max_message_bytes, 1),
        timeout_graceful_shutdown=max(config.shutdown_grace_s, 0.5),
        log_level="info",
        lifespan="on",
    )
    server = KanbanUvicorn(uv_config, kanban, sock)
    server.run(sockets=[sock])
    return 0 if server.started else 1
