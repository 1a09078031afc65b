"""The FastAPI application: `/ws/trigger` plus the HTTP endpoints the harness reads."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, WebSocket
from fastapi.middleware.cors import CORSMiddleware

from .session import serve_websocket
from .state import KanbanServer


def create_app(server: KanbanServer) -> FastAPI:
    """Build the ASGI app around ``server``; its lifespan opens and closes the ledger."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await server.start()
        try:
            yield
        finally:
            await server.stop()

    app = FastAPI(title="Kanban reference server", lifespan=lifespan)
    # The browser client is served from another port and fetches /health for latency.
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"])

    @app.websocket("/ws/trigger")
    async def ws_trigger(ws: WebSocket) -> None:
        await serve_websocket(server, ws)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return server.health()

    @app.get("/ledger")
    async def ledger() -> dict[str, Any]:
        assert server.ledger is not None
        return {"entries": server.ledger.entries()}

    @app.post("/ledger/reset")
    async def ledger_reset() -> dict[str, Any]:
        assert server.ledger is not None
        return {"removed": server.ledger.reset()}

    @app.get("/connections")
    async def connections() -> dict[str, Any]:
        return {"connections": [c.metadata() for c in server.manager.all()]}

    return app
