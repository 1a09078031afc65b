"""Simulated ADW workflows: a trigger yields `status_update` broadcasts, one per stage."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("kanban.workflows")

# (status, progress) of each stage; one workflow step passes between consecutive stages.
STAGES = (("started", 0), ("running", 25), ("running", 50), ("running", 75), ("completed", 100))

Broadcast = Callable[[dict[str, Any]], Awaitable[int]]


def new_adw_id() -> str:
    return f"adw-{uuid.uuid4().hex[:8]}"


class WorkflowRunner:
    """Runs workflows as background tasks and can cancel them all at shutdown."""

    def __init__(self, broadcast: Broadcast, step_s: float) -> None:
        self._broadcast = broadcast
        self._step_s = step_s
        self._tasks: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def start(self, adw_id: str, ticket_id: Any, workflow: str) -> None:
        task = asyncio.create_task(self._run(adw_id, ticket_id, workflow), name=adw_id)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    async def _run(self, adw_id: str, ticket_id: Any, workflow: str) -> None:
        for index, (status, progress) in enumerate(STAGES):
            if index:
                await asyncio.sleep(self._step_s)
            await self._broadcast({
                "type": "status_update", "adw_id": adw_id, "ticket_id": ticket_id,
                "workflow": workflow, "status": status, "progress": progress,
            })

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("workflow %s aborted: %r", task.get_name(), task.exception())

    async def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=1.0)
