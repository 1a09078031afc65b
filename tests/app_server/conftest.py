"""Fixtures for the reference server tests: real `python -m app.server` processes on port 0.

Every process is started in its own session and killed (whole group) in the finalizer,
also when a test fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import ServerProcess


@pytest.fixture
def start_server(tmp_path_factory):
    """Factory: start_server(*args, db=None) -> a listening ServerProcess, killed at teardown."""
    started: list[ServerProcess] = []

    def start(*args: str, db: Path | None = None) -> ServerProcess:
        workdir = tmp_path_factory.mktemp("kanban")
        server = ServerProcess(workdir, list(args), db or workdir / "ledger.sqlite3")
        started.append(server)
        server.wait_listening()
        return server

    yield start
    for server in started:
        server.kill()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory):
    """One fixed (bug-free) server for tests that do not stop or reconfigure it."""
    workdir = tmp_path_factory.mktemp("kanban-shared")
    server = ServerProcess(
        workdir, ["--time-scale", "0.05", "--rate-limit", "3"], workdir / "ledger.sqlite3"
    )
    try:
        server.wait_listening()
        yield server
    finally:
        server.kill()
