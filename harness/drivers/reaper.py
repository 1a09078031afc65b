"""Safety net: kill every process group the harness started when the interpreter goes away.

`ManagedProcess` stops its process properly; this registry only matters when that did not
happen (a hard error, an unhandled exception in teardown, SIGTERM from CI). At interpreter
exit (atexit) and on SIGTERM, every still-registered group gets SIGCONT + SIGKILL.
"""

from __future__ import annotations

import atexit
import os
import signal
import threading
from pathlib import Path
from types import FrameType

_groups: dict[int, str] = {}  # pgid -> name, for every live group we started
_lock = threading.Lock()
_installed = False
_previous_sigterm: object = None


def register(pgid: int, name: str) -> None:
    """Remember a live process group so it is killed if the harness dies."""
    _install()
    with _lock:
        _groups[pgid] = name


def unregister(pgid: int) -> None:
    """Forget a group that was stopped properly."""
    with _lock:
        _groups.pop(pgid, None)


def live_groups() -> dict[int, str]:
    """Snapshot of the registered groups (pgid -> name)."""
    with _lock:
        return dict(_groups)


def kill_all() -> None:
    """SIGKILL every registered group; safe to call more than once."""
    with _lock:
        groups = list(_groups)
        _groups.clear()
    for pgid in groups:
        kill_group(pgid, signal.SIGCONT)
        kill_group(pgid, signal.SIGKILL)


def kill_group(pgid: int, sig: int) -> bool:
    """Send `sig` to a process group; False if the group is already gone."""
    try:
        os.killpg(pgid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    kill_all()
    previous = _previous_sigterm
    if callable(previous):
        previous(signum, frame)
        return
    # Default disposition: die of SIGTERM as we would have without the hook.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def _install() -> None:
    global _installed, _previous_sigterm
    if _installed:
        return
    _installed = True
    atexit.register(kill_all)
    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be set from the main thread
    previous = signal.getsignal(signal.SIGTERM)
    if previous is not signal.SIG_DFL:
        # Someone owns SIGTERM already (e.g. `wschaos run` cancels the run on it and tears down
        # in order); killing everything first would pull the ground from under that teardown.
        return
    _previous_sigterm = previous if callable(previous) else None
    signal.signal(signal.SIGTERM, _on_sigterm)


def alive(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie, dead but not yet reaped, is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return state not in ("Z", "X")
