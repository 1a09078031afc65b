"""Resource sampling for drift detection: server memory and file descriptors, page JS heaps.

    async with ResourceSampler(ctx, interval_s=5.0):
        ...  # every 5 s (real time) a `resources` event lands in the journal

Each sample reads the system-under-test process (`ctx.server.pid`) from /proc: `VmRSS` of
/proc/<pid>/status and the entries of /proc/<pid>/fd, and each browser page's used JS heap
(CDP `Runtime.getHeapUsage`, precise; else `performance.memory.usedJSHeapSize`, which Chromium
rounds and refreshes rarely). A value it cannot read is null. Sampling must never break a run:
every failure is swallowed, and recorded once per source as `harness.error`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from harness.aio import stop_task, within
from harness.events import JSONObject

if TYPE_CHECKING:
    from playwright.async_api import Page

    from harness.context import RunContext
    from harness.drivers.browser import BrowserClient

HEAP_JS = "performance.memory ? performance.memory.usedJSHeapSize : null"
PAGE_TIMEOUT_S = 2.0


def read_rss_kb(pid: int, proc: Path = Path("/proc")) -> Optional[int]:
    """Resident set size of `pid` in kB (VmRSS of /proc/<pid>/status); None if unreadable."""
    for line in (proc / str(pid) / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None  # a zombie has no VmRSS line


def count_fds(pid: int, proc: Path = Path("/proc")) -> int:
    """How many file descriptors `pid` has open (entries of /proc/<pid>/fd)."""
    return len(os.listdir(proc / str(pid) / "fd"))


def count_sockets(pid: int, proc: Path = Path("/proc")) -> int:
    """How many of `pid`'s file descriptors are sockets (listeners and connections)."""
    folder = proc / str(pid) / "fd"
    count = 0
    for name in os.listdir(folder):
        try:
            count += os.readlink(folder / name).startswith("socket:")
        except OSError:  # closed meanwhile
            continue
    return count


class ResourceSampler:
    """Records a `resources` event every `interval_s` real seconds until closed; idempotent close."""

    def __init__(self, ctx: RunContext, interval_s: float = 5.0) -> None:
        if interval_s <= 0:
            raise ValueError(f"interval_s must be above 0, got {interval_s:g}")
        self.ctx = ctx
        self.interval_s = interval_s
        self._task: Optional[asyncio.Task[None]] = None
        self._reported: set[str] = set()

    async def __aenter__(self) -> "ResourceSampler":
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def start(self) -> None:
        """Begin sampling in the background (the first sample is taken at once)."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="wschaos-resource-sampler")

    async def close(self) -> None:
        """Stop sampling; safe to call twice or without `start`."""
        task, self._task = self._task, None
        await stop_task(task)

    async def _loop(self) -> None:
        while True:
            try:
                await self.sample()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - sampling is evidence, never a reason to stop
                self._error("sample", exc)
            await asyncio.sleep(self.interval_s)

    async def sample(self) -> JSONObject:
        """Take one sample and record it as a `resources` event."""
        pid, rss, fds, sockets = self._server()
        pages = {name: await self._page_heap(name, client) for name, client in self.ctx.browsers.items()}
        return self.ctx.journal.record("resources", server_pid=pid, server_rss_kb=rss, server_fds=fds,
                                       server_sockets=sockets, harness_rss_kb=self._own_rss(), pages=pages,
                                       interval_s=self.interval_s)

    def _server(self) -> tuple[Optional[int], Optional[int], Optional[int], Optional[int]]:
        server = self.ctx.server
        if server is None or not server.running or server.pid is None:
            return None, None, None, None  # stopped (e.g. `server: stop` for 30s): no reading, no error
        try:
            return server.pid, read_rss_kb(server.pid), count_fds(server.pid), count_sockets(server.pid)
        except (OSError, ValueError, IndexError) as exc:
            self._error("server", exc)
            return server.pid, None, None, None

    def _own_rss(self) -> Optional[int]:
        try:
            return read_rss_kb(os.getpid())
        except (OSError, ValueError, IndexError) as exc:
            self._error("harness", exc)
            return None

    async def _page_heap(self, name: str, client: BrowserClient) -> Optional[int]:
        page = client.page
        if page is None or client.asleep:
            return None  # closed or frozen (`browser: sleep`): a frozen page does not answer
        try:
            return await within(PAGE_TIMEOUT_S, self._heap(client, page))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - navigating, reloading, closed meanwhile
            self._error(f"page {name}", exc)
            return None

    async def _heap(self, client: BrowserClient, page: Page) -> Optional[int]:
        context = client.context
        if context is not None:
            with contextlib.suppress(Exception):
                cdp = await context.new_cdp_session(page)
                try:
                    return int((await cdp.send("Runtime.getHeapUsage"))["usedSize"])
                finally:
                    with contextlib.suppress(Exception):
                        await cdp.detach()
        value = await page.evaluate(HEAP_JS)
        return None if value is None else int(value)

    def _error(self, source: str, exc: BaseException) -> None:
        """Record the first failure of each source; later ones would only repeat it."""
        if source in self._reported:
            return
        self._reported.add(source)
        with contextlib.suppress(Exception):
            self.ctx.journal.record("harness.error", error=f"resource sampling ({source}) failed: "
                                    f"{type(exc).__name__}: {exc}; later failures of it are not recorded")
