"""Helper processes a test starts itself (a browser server, an outside toxiproxy-server, a Locust
worker), each in its own process group, ended with the test run however it ends.

A test stops what it starts in a `finally`; that does not cover a Ctrl-C that lands while a
fixture is still setting up (the second of two browser servers was starting: the first one
was never handed to the fixture's `finally` and outlived the run). Every process started here
is also remembered until it is waited for, and whatever is still alive when the test process
exits (normally, or after a KeyboardInterrupt) has its group killed.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
from typing import Any

_LIVE: dict[int, subprocess.Popen[Any]] = {}


def spawn(argv: list[str], **kwargs: Any) -> subprocess.Popen[Any]:
    """`subprocess.Popen(argv, **kwargs)` in a new session, ended by `end` or at exit at the latest."""
    proc: subprocess.Popen[Any] = subprocess.Popen(argv, start_new_session=True, **kwargs)
    _LIVE[proc.pid] = proc
    return proc


def end(proc: subprocess.Popen[Any]) -> None:
    """SIGKILL the process's group if it still runs, and reap it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()
    _LIVE.pop(proc.pid, None)


@atexit.register
def end_all() -> None:
    """Whatever a test started here and did not end (an interrupted set-up)."""
    for proc in list(_LIVE.values()):
        end(proc)
