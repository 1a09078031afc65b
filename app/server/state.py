"""Everything one server process owns: config, identity, ledger, connections, workflows."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any

from .config import ServerConfig
from .connections import ConnectionManager
from .ledger import Ledger
from .protocol import shutdown_frame
from .workflows import WorkflowRunner

log = logging.getLogger("kanban.server")


class KanbanServer:
    """The reference server's state; the FastAPI app and uvicorn runner are built around it."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.instance_id = f"s-{uuid.uuid4().hex[:12]}"
        self.started_at = int(time.time() * 1000)
        self._started_mono = time.monotonic()
        self.ledger: Ledger | None = None
        self.manager = ConnectionManager(config)
        self.workflows = WorkflowRunner(self.manager.broadcast, config.workflow_step_s)
        self.messages_accepted = 0
        self.duplicates_refused = 0
        self.sessions = 0  # handlers still running, for the shutdown drain
        self.shutting_down = False
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Open the ledger and start the stale sweep (unless ``no_stale_cleanup``)."""
        self.ledger = Ledger(self.config.db)
        if not self.config.has_bug("no_stale_cleanup"):
            self._sweeper = asyncio.create_task(self.manager.run_sweeper(), name="stale-sweep")

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        await self.workflows.cancel_all()
        if self.ledger is not None:
            self.ledger.close()
            self.ledger = None

    async def drain(self) -> None:
        """Shutdown drain: tell every client, close them with 1012, wait for them to go.

        The whole drain is bounded by the grace, however slow or dead the peers are.
        """
        self.shutting_down = True
        grace_s = self.config.shutdown_grace_s
        deadline = time.monotonic() + grace_s
        frame = shutdown_frame("server shutting down", self.config.reconnect_after_ms)
        log.info("draining %d connection(s), grace %.3fs", len(self.manager), grace_s)
        try:
            await asyncio.wait_for(self.manager.close_all(1012, "server shutdown", frame), grace_s)
        except asyncio.TimeoutError:
            log.warning("drain grace over before every close frame was sent")
        while self.sessions and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await self.workflows.cancel_all()

    def health(self) -> dict[str, Any]:
        return {
            "status": "draining" if self.shutting_down else "ok",
            "server_instance_id": self.instance_id,
            "started_at": self.started_at,
            "uptime_s": round(time.monotonic() - self._started_mono, 3),
            "active_connections": len(self.manager),
            "messages_accepted": self.messages_accepted,
            "duplicates_refused": self.duplicates_refused,
            "time_scale": self.config.time_scale,
            "bugs": sorted(self.config.bugs),
        }
