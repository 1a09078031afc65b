#!/usr/bin/env python3
"""Record the HAR files of tests/fixtures/har/: each bundled app used in a real Chromium page,
with a real disconnect, saved by Playwright's own HAR recorder (`record_har_path`, which keeps a
socket's frames in `_webSocketMessages`). No wschaos step is involved: the apps run as a user
would run them, the disconnect is done to the network or the server, and the page reconnects by
itself.

    kanban  the reference app, its server with the seeded bug dedupe_per_connection, timers x0.3:
            a ticket, then server-to-page traffic stalls (Toxiproxy `timeout` toxic downstream)
            while a workflow is triggered; the page gives up on the silent socket, the stall
            ends, it reconnects and re-sends the trigger, which the server runs a second time
    chat    examples/chat: two messages, the network path cut for 2 s (proxy disabled), one
            message typed while down, the page reconnects and sends it
    board   examples/board (dev server, hard-coded ws://localhost:8002/ws, set-up form): two
            cards, the socket server killed (SIGKILL) and started again, one card more

    .venv/bin/python scripts/record_har.py [kanban chat board] [--out tests/fixtures/har]

Needs toxiproxy-server and Chromium (`make setup`) and a free port 8002 (the board's).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, Awaitable, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.async_api import Page, async_playwright  # noqa: E402

from harness import tools  # noqa: E402
from harness.drivers.toxiproxy import Proxy, ToxiproxyServer  # noqa: E402
from harness.journal import Journal  # noqa: E402

PY = sys.executable


class App:
    """The processes of one recording, killed at the end whatever happens."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.tmp = Path(tempfile.mkdtemp(prefix="wschaos-har-"))

    def start(self, argv: list[str], cwd: Path, ready: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        self.procs.append(proc)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(urllib.request.Request(ready, headers={"Accept": "text/html"}), timeout=1)
                return proc
            except OSError as exc:
                if getattr(exc, "code", None):  # an HTTP error status: it answers
                    return proc
                time.sleep(0.1)
        raise SystemExit(f"{argv} did not answer {ready} within 20 s")

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


async def until(page: Page, js: str, timeout_s: float = 30) -> None:
    await page.wait_for_function(js, timeout=timeout_s * 1000, polling=100)


async def kanban(page: Page, app: App, proxy: Proxy, open_page: Callable[[str], Awaitable[None]]) -> None:
    web = tools.free_port()
    app.start([PY, "-m", "app.client", "--port", str(web)], ROOT, f"http://127.0.0.1:{web}/")
    await open_page(f"http://127.0.0.1:{web}/?ws=ws://127.0.0.1:{proxy.port}/ws/trigger&time_scale=0.3"
                    "&client_id=web-7f3a&min_timer_ms=1000")
    await until(page, "window.kanbanDebug && kanbanDebug.snapshot().state === 'connected'")
    await page.fill("[data-testid=new-ticket-title]", "Fix the login page")
    await page.click("[data-testid=add-ticket-button]")
    await until(page, "kanbanDebug.tickets.list().every(t => t.synced)")
    await asyncio.sleep(1.0)
    stall = await proxy.add_toxic("timeout", "downstream", {"timeout": 0}, name="stall")
    await page.click("[data-testid=trigger-workflow-button]")
    await until(page, "kanbanDebug.snapshot().state !== 'connected'")
    await proxy.remove_toxic(stall)  # the stall ends (Toxiproxy closes what it held); the page reconnects
    await until(page, "kanbanDebug.snapshot().state === 'connected' && kanbanDebug.snapshot().queueLength === 0")
    await until(page, "[...document.querySelectorAll('[data-testid=workflow-status]')].some(e => /completed/i.test(e.textContent))")
    await asyncio.sleep(1.0)


async def chat(page: Page, app: App, proxy: Proxy, open_page: Callable[[str], Awaitable[None]]) -> None:
    await open_page(f"http://127.0.0.1:{proxy.port}/")
    snapshot = "window.chatDebug && chatDebug.snapshot()"
    await until(page, f"{snapshot}.state === 'connected'")
    for text in ("hello from the train", "the tunnel is coming"):
        await page.fill("#message-input", text)
        await page.press("#message-input", "Enter")
        await asyncio.sleep(0.6)
    await until(page, f"{snapshot}.outbox.length === 0")
    await proxy.disable()
    await until(page, f"{snapshot}.state !== 'connected'")
    await page.fill("#message-input", "typed in the tunnel")
    await page.press("#message-input", "Enter")
    await asyncio.sleep(2.0)
    await proxy.enable()
    await until(page, f"{snapshot}.state === 'connected' && {snapshot}.outbox.length === 0")
    await asyncio.sleep(1.0)


async def board(page: Page, app: App, proxy: Proxy, open_page: Callable[[str], Awaitable[None]]) -> None:
    here, dev = ROOT / "examples" / "board", tools.free_port()
    app.start([PY, "devserver.py", str(dev)], here, f"http://localhost:{dev}/")
    server = app.start([PY, "server.py", "8002"], here, "http://127.0.0.1:8002/debug/cards")
    await open_page(f"http://localhost:{dev}/")
    for _ in range(10):  # the set-up form's validation fails now and then, as a user would see
        await page.fill("#project-name", "roadmap")
        await page.click("#create-project")
        if await page.locator("#board").is_visible():
            break
        await asyncio.sleep(0.3)
    state = "import('/src/store.js').then((m) => m.store.state)"
    await page.wait_for_function(f"{state}.then((s) => s === 'connected')", timeout=20000, polling=100)
    for title in ("Draft the release notes", "Book the venue"):
        await page.fill("#card-title", title)
        await page.click("#add-card")
        await asyncio.sleep(0.5)
    await until(page, "document.querySelectorAll('#cards li.pending').length === 0")
    app.kill(server)  # the socket server crashes
    await page.wait_for_function(f"{state}.then((s) => s !== 'connected')", timeout=20000, polling=100)
    await asyncio.sleep(1.5)
    app.start([PY, "server.py", "8002"], here, "http://127.0.0.1:8002/debug/cards")
    await page.wait_for_function(f"{state}.then((s) => s === 'connected')", timeout=30000, polling=100)
    await page.fill("#card-title", "Send the invitations")
    await page.click("#add-card")
    await until(page, "document.querySelectorAll('#cards li.pending').length === 0")
    await asyncio.sleep(1.0)


async def record(name: str, out: Path) -> None:
    """Run one app's recording into `out/<name>.har`."""
    app = App()
    async with AsyncExitStack() as stack:
        stack.callback(app.close)
        toxiproxy = await stack.enter_async_context(ToxiproxyServer(tools.find_toxiproxy(), Journal()))
        upstream = {"kanban": tools.free_port(), "chat": tools.free_port(), "board": 8002}[name]
        if name == "kanban":
            app.start([PY, "-m", "app.server", "--port", str(upstream), "--db", str(app.tmp / "ledger.sqlite3"),
                       "--time-scale", "0.3", "--bugs", "dedupe_per_connection"], ROOT,
                      f"http://127.0.0.1:{upstream}/health")
        elif name == "chat":
            app.start([PY, "-m", "uvicorn", "chat:app", "--host", "127.0.0.1", "--port", str(upstream)],
                      ROOT / "examples" / "chat", f"http://127.0.0.1:{upstream}/",
                      env={"CHAT_DB": str(app.tmp / "chat.sqlite3")})
        proxy = await toxiproxy.create_proxy(f"har-{name}", f"127.0.0.1:{upstream}")
        pw = await stack.enter_async_context(async_playwright())
        browser = await pw.chromium.launch(executable_path=str(tools.find_chromium()), args=["--no-sandbox"])
        stack.push_async_callback(browser.close)
        target = out / f"{name}.har"
        context = await browser.new_context(record_har_path=str(target))
        page = await context.new_page()

        async def open_page(url: str) -> None:
            await page.goto(url)

        steps: dict[str, Callable[..., Awaitable[Any]]] = {"kanban": kanban, "chat": chat, "board": board}
        await steps[name](page, app, proxy, open_page)
        await context.close()  # writes the HAR
    print(f"{target}: {target.stat().st_size} bytes")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("apps", nargs="*", default=["kanban", "chat", "board"])
    ap.add_argument("--out", type=Path, default=ROOT / "tests" / "fixtures" / "har")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.apps:
        asyncio.run(record(name, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
