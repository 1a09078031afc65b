"""What `wschaos init` can learn from an app instead of asking: which process serves a port
(its command line and folder, from /proc), and which WebSocket URLs its page opens (the page
loaded in the system Chromium, its sockets watched).

    listening_process(8000)                  -> Listener(argv=[...], cwd=...) | None
    await page_websockets(url, timeout_s)    -> ["ws://127.0.0.1:8000/ws"]
    await websockets_of_command(argv, ...)   -> (page URL, socket URLs): the command started on a
                                                free port, its page loaded, then stopped

Everything here is best effort: what cannot be found is None or empty, and init asks for it.
"""

from __future__ import annotations

import asyncio
import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from harness import tools
from harness.drivers.process import ManagedProcess, ReadyProbe
from harness.errors import WschaosError
from harness.journal import Journal

PORT = "{port.server}"
SOCKET_WAIT_S = 5.0    # how long a loaded page is watched for its first WebSocket


@dataclass(frozen=True)
class Listener:
    """The process that listens on a TCP port: its argv and working folder."""

    pid: int
    argv: tuple[str, ...]
    cwd: Path


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes in LISTEN state (0A) on `port`, IPv4 and IPv6 (/proc/net/tcp*)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def listening_process(port: int) -> Listener | None:
    """The process listening on `port` on this machine (Linux: /proc), or None if none can be read."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    wanted = {f"socket:[{i}]" for i in inodes}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fds = os.listdir(f"/proc/{entry}/fd")
            if not any(_readlink(f"/proc/{entry}/fd/{fd}") in wanted for fd in fds):
                continue
            raw = Path(f"/proc/{entry}/cmdline").read_bytes()
            cwd = Path(os.readlink(f"/proc/{entry}/cwd"))
        except OSError:  # gone meanwhile, or another user's
            continue
        argv = tuple(a.decode(errors="replace") for a in raw.split(b"\0") if a)
        return Listener(int(entry), argv, cwd) if argv else None
    return None


def _readlink(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return ""


def answers_http(url: str, timeout_s: float = 2.0) -> bool:
    """Whether something answers `url` over HTTP (any status: a 404 still means a server is there)."""
    request = urllib.request.Request(url, headers={"Accept": "text/html,*/*"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


async def page_websockets(url: str, wait_s: float = SOCKET_WAIT_S) -> list[str]:
    """The WebSocket URLs the page at `url` opens within `wait_s` of loading, in order (the system
    Chromium, headless); empty when it opens none or cannot be loaded."""
    from harness.drivers.browser import BrowserSession

    seen: list[str] = []
    first = asyncio.Event()

    def opened(ws: object) -> None:
        seen.append(str(getattr(ws, "url", "")))
        first.set()

    async with BrowserSession(tools.find_chromium()) as session:
        assert session.browser is not None
        page = await session.browser.new_page()
        page.on("websocket", opened)
        try:
            await page.goto(url, wait_until="load", timeout=wait_s * 4 * 1000)
            await asyncio.wait_for(first.wait(), wait_s)
            await asyncio.sleep(0.5)  # a second socket opened right after the first is the app's too, maybe
        except Exception:  # noqa: BLE001 - a page that does not load, or opens no socket: nothing found
            pass
        finally:
            await page.close()
    return list(dict.fromkeys(seen))


def fill_for_start(argv: Sequence[str], port: int) -> list[str]:
    """A target's server argv made runnable now: `{port.server}` -> `port`, `{python}` -> this interpreter."""
    return [a.replace(PORT, str(port)).replace("{python}", sys.executable) for a in argv]


async def websockets_of_command(argv: Sequence[str], cwd: Path, page: str,
                                ready_timeout_s: float = 30.0) -> tuple[list[str], int]:
    """Start the server `argv` (with `{port.server}`) on a free port in `cwd`, wait until `page`
    answers, load it, stop the server: (the socket URLs its page opened, the port it ran on).
    WschaosError (with the server's last lines) when it does not start."""
    port = tools.free_port()
    url = page.replace(PORT, str(port))
    server = ManagedProcess("server", fill_for_start(argv, port), journal=Journal(), cwd=cwd,
                            ready=ReadyProbe(http=url), ready_timeout_s=ready_timeout_s)
    try:
        await server.start()
        return await page_websockets(url), port
    finally:  # SIGTERM, then SIGKILL on its group, however this ends (a failed start included)
        await server.stop()


def describe_failure(exc: WschaosError) -> str:
    """One line for init's output from a failed temporary start."""
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
