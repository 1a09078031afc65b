"""`wschaos browser-server`: one Playwright browser server on this machine, for trying
`--browser-server` out (a real browser host runs `playwright run-server` the same way).

    wschaos browser-server --port 3000            # prints the endpoint and the command that uses it

It is `python -m playwright run-server --unsafe` (shipped by the Python package: no Node to
install) as a `ManagedProcess`: its own process group, its output drained, ready when it prints
`Listening on ws://...`, stopped by SIGTERM then SIGKILL on the group. `--unsafe` lets clients send
Chromium flags and an executable, which wschaos needs (on this machine Playwright cannot download
its own browser, so wschaos sends the system Chromium's path). The server does not exit when its
stdin closes (Playwright 1.65): `stop()` (or Ctrl-C here) ends it.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from harness.drivers.process import ManagedProcess, ReadyProbe
from harness.journal import Journal

LISTENING = r"Listening on (ws://\S+)"


def browser_server_process(journal: Journal, *, host: str = "127.0.0.1", port: int = 0,
                           unsafe: bool = True, name: str = "browser-server") -> ManagedProcess:
    """A `playwright run-server` process; after `start()`, `endpoint(process)` is its ws:// address."""
    argv = [sys.executable, "-m", "playwright", "run-server", "--host", host, "--port", str(port)]
    return ManagedProcess(name, argv + (["--unsafe"] if unsafe else []), journal=journal,
                          ready=ReadyProbe(log_line=LISTENING), ready_timeout_s=30.0, stop_grace_s=5.0)


def endpoint(process: ManagedProcess) -> str:
    """The ws:// address a started server printed."""
    assert process.ready_match is not None, "start the browser server first"
    return process.ready_match.group(1)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("browser-server", help="run a Playwright browser server here (for trying --browser-server; "
                                              "see docs/distributed.md)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: reachable from other hosts; "
                                                       "default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")


def cmd_browser_server(args: argparse.Namespace) -> int:
    """Run the server in the foreground until Ctrl-C or SIGTERM."""
    from harness import tools
    from harness.errors import EXIT_HARNESS, EXIT_INTERRUPTED
    from harness.invocation import command

    async def serve() -> None:
        process = browser_server_process(Journal(), host=args.host, port=args.port)
        try:
            await process.start()
            url = endpoint(process)
            chromium = _chromium_or_none()
            exe = f" --browser-executable {chromium}" if chromium else ""
            print(f"browser server: {url} (Playwright {tools.playwright_version()}, --unsafe)\n"
                  f"use it:  {' '.join(command())} run scenarios/ --browser-server {url}{exe}\n"
                  "Ctrl-C stops it.", flush=True)
            await process.wait()
            print(f"the browser server exited with {process.returncode}", file=sys.stderr)
        finally:
            await process.stop()

    async def until_signal() -> None:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: task.cancel() if task else None)
        await serve()

    try:
        asyncio.run(until_signal())
    except (asyncio.CancelledError, KeyboardInterrupt):
        print("browser server stopped", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_HARNESS  # it exited by itself


def _chromium_or_none() -> str | None:
    """The system Chromium, for the printed command (a real browser host has its own browser)."""
    from harness.errors import SetupError
    from harness.tools import find_chromium

    try:
        return str(find_chromium())
    except SetupError:
        return None
