"""Reading JSON documents the system under test serves (health, ledger), off the event loop."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from harness.aio import within


async def fetch_json(url: str, timeout_s: float = 5.0) -> object:
    """GET a JSON document with a deadline; urllib is blocking, so it runs in a thread."""

    def get() -> object:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:
            return json.loads(resp.read().decode())

    return await within(timeout_s + 1, asyncio.to_thread(get))
