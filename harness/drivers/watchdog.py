"""Processes a run starts die with it, even when wschaos itself is SIGKILLed.

Every run puts a mark in its own environment (`WSCHAOS_RUN=<pid>:<run id>`); every process it
starts (the app's server, the page server, toxiproxy-server, Playwright's driver and Chromium)
inherits it, as do their children. A tiny watchdog process holds the read end of a pipe whose
write end only wschaos has: when wschaos is gone, however it died, the pipe reads EOF and the
watchdog kills every process carrying the mark. A run that starts also ends what an earlier,
killed run left behind: processes whose mark names an owner that is no longer alive. Processes
are found by that mark only, never by name. On a toxiproxy-server the run did not start
(`--toxiproxy`), the watchdog also deletes the proxies named after the run (and no others).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Iterator

from harness.drivers import reaper

MARK_VAR = "WSCHAOS_RUN"

# Runs as `python -c`: block until the pipe closes, then kill everything with the mark.
_WATCHDOG = r"""
import os, signal, sys
mark = sys.argv[1].encode()
needle = b"WSCHAOS_RUN=" + mark + b"\0"
try:
    while os.read(0, 4096):
        pass
except OSError:
    pass
me = os.getpid()
for _ in range(3):
    found = False
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                if needle not in fh.read():
                    continue
            found = True
            os.kill(int(entry), signal.SIGCONT)
            os.kill(int(entry), signal.SIGKILL)
        except OSError:
            pass
    if not found:
        break
# A shared toxiproxy-server's proxies named after this run (argv: API URL, name prefix).
if len(sys.argv) > 3:
    import json, urllib.parse, urllib.request
    api, prefix = sys.argv[2].rstrip("/"), sys.argv[3]
    try:
        with urllib.request.urlopen(api + "/proxies", timeout=5) as resp:
            names = [n for n in json.load(resp) if n.startswith(prefix)]
        for name in names:
            req = urllib.request.Request(api + "/proxies/" + urllib.parse.quote(name), method="DELETE")
            try:
                urllib.request.urlopen(req, timeout=5).close()
            except OSError:
                pass
    except (OSError, ValueError):
        pass
"""


def marked(mark: str) -> list[int]:
    """Pids of live processes whose environment carries exactly this run mark."""
    needle = f"{MARK_VAR}={mark}".encode() + b"\0"
    return [pid for pid, env in _environs() if needle in env]


def orphans() -> dict[int, str]:
    """pid -> mark of live processes left by runs whose owner process is gone."""
    found = {}
    prefix = f"{MARK_VAR}=".encode()
    for pid, env in _environs():
        for item in env.split(b"\0"):
            if item.startswith(prefix):
                mark = item[len(prefix):].decode(errors="replace")
                owner = mark.split(":", 1)[0]
                if owner.isdigit() and not reaper.alive(int(owner)):
                    found[pid] = mark
    return found


def reap_orphans() -> dict[int, str]:
    """Kill what earlier, killed runs left behind; returns what was killed."""
    killed = orphans()
    for pid in killed:
        for sig in (signal.SIGCONT, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
    return killed


class Watchdog:
    """Marks this process's environment and starts the watchdog; `close` ends both (idempotent).

    `toxiproxy=(api_url, prefix)`: a toxiproxy-server the run did not start; when the run ends, or
    dies, the watchdog deletes the proxies there whose names start with `prefix` (this run's)."""

    def __init__(self, run_id: str, toxiproxy: tuple[str, str] | None = None) -> None:
        self.mark = f"{os.getpid()}:{run_id}"
        self.toxiproxy = toxiproxy
        self._previous = os.environ.get(MARK_VAR)
        self._proc: subprocess.Popen[bytes] | None = None
        self._write_fd: int | None = None

    def start(self) -> "Watchdog":
        os.environ[MARK_VAR] = self.mark
        read_fd, self._write_fd = os.pipe()
        env = {k: v for k, v in os.environ.items() if k != MARK_VAR}
        try:
            # Its own session: a Ctrl-C to the terminal's process group must not end it early.
            argv = [sys.executable, "-c", _WATCHDOG, self.mark, *(self.toxiproxy or ())]
            self._proc = subprocess.Popen(argv, stdin=read_fd, env=env, start_new_session=True, close_fds=True)
        finally:
            os.close(read_fd)
        os.set_inheritable(self._write_fd, False)
        return self

    def close(self) -> None:
        """Normal end: closing the pipe makes the watchdog sweep (nothing should be left) and exit."""
        if self._write_fd is not None:
            os.close(self._write_fd)
            self._write_fd = None
        if self._proc is not None:
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
            self._proc = None
        if os.environ.get(MARK_VAR) == self.mark:
            if self._previous is None:
                os.environ.pop(MARK_VAR, None)
            else:
                os.environ[MARK_VAR] = self._previous


def _environs() -> Iterator[tuple[int, bytes]]:
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            yield int(entry), Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:
            continue
