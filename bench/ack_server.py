#!/usr/bin/env python3
"""A bare `websockets` server for the load benchmark: a ping is answered by a pong, anything else by an ack.

Prints `PORT <n>` once listening; runs until killed. Loopback only.
"""

from __future__ import annotations

import asyncio
import json

from common import raise_fd_limit
from websockets.asyncio.server import serve


async def answer(conn) -> None:
    async for raw in conn:
        message = json.loads(raw)
        reply = "pong" if message.get("type") == "ping" else "ack"
        await conn.send(json.dumps({"type": reply, "id": message.get("id")}))


async def main() -> None:
    raise_fd_limit()
    async with serve(answer, "127.0.0.1", 0, ping_interval=None, max_size=None, backlog=4096) as server:
        print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
