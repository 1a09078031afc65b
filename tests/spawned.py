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
import contextlib
import os
import signal
import subprocess
import time
import urllib.request
from typing import Any, Iterator

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


@contextlib.contextmanager
def outside_toxiproxy(factor: float = 1.0) -> Iterator[str]:
    """A toxiproxy-server wschaos did not start, on a free loopback port, once its API answers:
    its URL (`http://127.0.0.1:<port>`). Ended with the block."""
    from harness.tools import find_toxiproxy, free_port

    port = free_port()
    proc = spawn([str(find_toxiproxy()), "-host", "127.0.0.1", "-port", str(port)],
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10 * factor
        while not _answers(url):
            assert time.monotonic() < deadline, "toxiproxy-server did not answer"
            time.sleep(0.05)
        yield url
    finally:
        end(proc)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/version", timeout=1):
            return True
    except OSError:
        return False
