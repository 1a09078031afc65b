"""Chromium and the Playwright driver as processes: how they are started, with which flags, and
whether they are still alive.

Playwright starts a Node driver (a child of this process) which launches Chromium (its child).
wschaos starts the driver in a session of its own (Ctrl-C in a terminal must not kill it under
the harness) and keeps the driver's process object, so when Chromium or the driver dies
mid-scenario the harness can say which one and how, instead of reading "browser has been closed"
as the app's failure.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import StrOrBytesPath

#: The Playwright drivers this process started, newest last (a `BrowserSession` takes the one its
#: `async_playwright().start()` made).
drivers: list[asyncio.subprocess.Process] = []


class _AsyncioStartingSessions:
    """`asyncio` as Playwright's driver launcher sees it, except that the Node driver (and the
    Chromium it starts) get a session of their own. Ctrl-C in a terminal signals the whole
    foreground process group; without this the driver died under the harness, which then
    could not close its browser cleanly. The driver still exits when the harness does: it
    stops when its stdin closes."""

    def __getattr__(self, name: str) -> object:
        return getattr(asyncio, name)

    @staticmethod
    async def create_subprocess_exec(
            *args: StrOrBytesPath, **kwargs: Any,  # Playwright's keywords, passed unread to asyncio's typed ones
    ) -> asyncio.subprocess.Process:
        kwargs.setdefault("start_new_session", True)
        proc = await asyncio.create_subprocess_exec(*args, **kwargs)
        drivers.append(proc)
        del drivers[:-16]  # a long test session starts many; only the newest are asked about
        return proc


def _driver_in_own_session() -> None:
    try:
        from playwright._impl import transport
    except ImportError:  # a Playwright layout we do not know: keep its default
        return
    if getattr(transport, "asyncio", None) is asyncio:
        transport.asyncio = _AsyncioStartingSessions()  # type: ignore[assignment,attr-defined]  # stands in for the module


_driver_in_own_session()

CHROMIUM_ARGS = (
    "--no-sandbox",  # root in a container
    "--disable-gpu",
    # On a closed network Chromium otherwise keeps trying to reach outside hosts.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)


#: Chromium features wschaos switches off, on top of the ones Playwright does. Each browser
#: context is a window, and Chromium 15x preloads the omnibox's popup (a WebUI page,
#: chrome://omnibox-popup.top-chrome/) in a renderer of its own for every window: one extra
#: process start and about 0.06 CPU-s per context, for a popup headless pages never show.
#: (6 contexts: 13 renderers and 1.19 s with it, 7 and 0.84 s without; bench/pages.py.)
DISABLED_FEATURES = ("WebUIOmniboxPopup", "WebUIOmniboxFullPopup", "WebUIOmniboxAimPopup", "PreloadTopChromeWebUI")
_FEATURES_SWITCH = "--disable-features="
#: Playwright's own `--disable-features` value, read from the first browser this process launched
#: (Chromium honours only the last such switch, so wschaos's must repeat Playwright's).
playwright_disabled: list[str] | None = None


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process, from /proc (empty where there is none)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if entry.isdigit():
            try:  # the parent pid is the 2nd field after the parenthesised command name
                parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    return parents


def browser_process(driver_pid: int) -> tuple[int, list[str]] | None:
    """The Chromium main process the driver `driver_pid` launched (the one speaking over
    `--remote-debugging-pipe`, not a renderer or helper), with its argv; None if not found."""
    for pid, parent in _parents().items():
        if parent != driver_pid:
            continue
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if "--remote-debugging-pipe" in argv and not any(a.startswith("--type=") for a in argv):
            return pid, argv
    return None


def learn_playwright_features(argv: list[str]) -> bool:
    """Remember Playwright's `--disable-features` from a launched browser's argv; True if it
    lacks some of ours (the browser should then be launched again with `chromium_args()`)."""
    global playwright_disabled
    found = [a for a in argv if a.startswith(_FEATURES_SWITCH)]
    playwright_disabled = found[-1][len(_FEATURES_SWITCH):].split(",") if found else []
    return any(f not in playwright_disabled for f in DISABLED_FEATURES)


def chromium_args() -> list[str]:
    """CHROMIUM_ARGS, plus one `--disable-features` holding Playwright's list and DISABLED_FEATURES
    once Playwright's list is known (before that: none, so Playwright's own stands)."""
    if playwright_disabled is None:
        return list(CHROMIUM_ARGS)
    merged = playwright_disabled + [f for f in DISABLED_FEATURES if f not in playwright_disabled]
    return [*CHROMIUM_ARGS, _FEATURES_SWITCH + ",".join(merged)]


def exit_words(returncode: int | None) -> str:
    """`with signal 9 (SIGKILL)` / `with code 2` / `` (unknown)."""
    if returncode is None:
        return ""
    if returncode < 0:
        import signal

        try:
            return f"with signal {-returncode} ({signal.Signals(-returncode).name})"
        except ValueError:
            return f"with signal {-returncode}"
    return f"with code {returncode}"


def quiet_lost_driver(loop: asyncio.AbstractEventLoop) -> None:
    """When the Playwright driver dies, Playwright leaves futures failed with "Connection closed
    while reading from the driver" that nobody awaits, and asyncio prints each as "Future
    exception was never retrieved" with a traceback. The harness names the dead driver itself
    (`BrowserSession.gone`); this keeps those lines off the user's terminal, and hands every
    other unhandled exception to the handler that was there before."""
    previous = loop.get_exception_handler()
    if getattr(previous, "quiets_lost_driver", False):
        return

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if exc is not None and "Connection closed while reading from the driver" in str(exc):
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    handler.quiets_lost_driver = True  # type: ignore[attr-defined]  # marks it, so it is installed once
    loop.set_exception_handler(handler)
