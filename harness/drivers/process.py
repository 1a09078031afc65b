"""One class owns a subprocess: `ManagedProcess`.

It starts the program in its own session (so the whole process group can be signalled),
drains stdout/stderr continuously into the journal (`proc.log`) and a bounded tail, waits
for readiness by probe (TCP connect, HTTP 2xx, or a log line regex; never a fixed sleep),
and stops by SIGTERM -> grace -> SIGKILL on the process group. Any error about the process
carries its last output lines.

    async with ManagedProcess("server", argv, journal=j, ready=ReadyProbe(log_line=r"port=(\\d+)")) as p:
        port = int(p.ready_match.group(1))
"""

from __future__ import annotations

import asyncio
import collections
import os
import re
import signal
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Sequence

from harness.aio import within
from harness.drivers import reaper
from harness.errors import ProcessError
from harness.journal import Journal

_LINE_LIMIT = 1 << 20  # a log line longer than 1 MiB is cut, not fatal


@dataclass(frozen=True)
class ReadyProbe:
    """How to tell that a process is ready: exactly one of `tcp`, `http`, `log_line`."""

    tcp: tuple[str, int] | None = None
    http: str | None = None
    log_line: str | None = None  # regex searched in every stdout/stderr line
    interval_s: float = 0.05

    def __post_init__(self) -> None:
        given = [x for x in (self.tcp, self.http, self.log_line) if x is not None]
        if len(given) > 1:
            raise ValueError("ReadyProbe takes one of tcp=, http=, log_line=, not several")

    def describe(self) -> str:
        """Human text for error messages."""
        if self.tcp:
            return f"TCP {self.tcp[0]}:{self.tcp[1]}"
        if self.http:
            return f"HTTP {self.http}"
        if self.log_line:
            return f"a log line matching {self.log_line!r}"
        return "start"


async def _tcp_ok(host: str, port: int) -> bool:
    try:
        _, writer = await within(1.0, asyncio.open_connection(host, port))
    except (OSError, asyncio.TimeoutError):
        return False
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass
    return True


#: Sent with every HTTP readiness request: what a browser sends when it opens a page. Dev
#: servers (Vite) answer 404 on `/` to a request that does not accept `text/html`.
BROWSER_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en-US,en;q=0.9",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 wschaos",
}
_EXCERPT = 200


def _http_ok_sync(url: str) -> tuple[bool, str]:
    """(ready, what the last try saw): `HTTP 404: <body excerpt>` or the connection error."""
    request = urllib.request.Request(url, headers=BROWSER_HEADERS)
    try:
        with urllib.request.urlopen(request, timeout=1.0) as resp:
            return 200 <= resp.status < 300, f"HTTP {resp.status}"
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}: {_excerpt(exc)}"
    except (OSError, urllib.error.URLError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return False, f"no answer ({reason})"


def _excerpt(resp: urllib.error.HTTPError) -> str:
    try:
        body = resp.read(4 * _EXCERPT).decode("utf-8", errors="replace")
    except OSError:
        return "(body unreadable)"
    text = " ".join(body.split())
    return repr(text[:_EXCERPT] + ("..." if len(text) > _EXCERPT else "")) if text else "(empty body)"


class ManagedProcess:
    """A subprocess with readiness, journaled output, and group-wide stop/kill/pause/resume."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        journal: Journal,
        cwd: str | Path | None = None,
        env: dict[str, str] | None = None,
        ready: ReadyProbe | None = None,
        ready_timeout_s: float = 10.0,
        stop_grace_s: float = 5.0,
        tail_lines: int = 50,
    ) -> None:
        """`env` adds to (and overrides) the current environment; `ready=None` means ready once spawned."""
        self.name = name
        self.argv = [str(a) for a in argv]
        self.journal = journal
        self.cwd = str(cwd) if cwd is not None else None
        self.env = {**os.environ, **(env or {})}
        self.ready = ready or ReadyProbe()
        self.ready_timeout_s = ready_timeout_s
        self.stop_grace_s = stop_grace_s
        self.tail: collections.deque[str] = collections.deque(maxlen=tail_lines)
        self.ready_match: re.Match[str] | None = None
        self._last_seen = ""  # what the last HTTP readiness try saw, for the not-ready error
        self.paused = False
        self.exited_at: float | None = None  # time.monotonic() when the last process's exit was seen
        self._proc: asyncio.subprocess.Process | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._exited: asyncio.Event = asyncio.Event()
        self._line_seen: asyncio.Event = asyncio.Event()
        self._pattern = re.compile(self.ready.log_line) if self.ready.log_line else None
        self._cleaned = False

    # -- state ---------------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        """Pid of the current (or last) process, None before the first start."""
        return self._proc.pid if self._proc else None

    @property
    def returncode(self) -> int | None:
        """Exit status of the last process (negative = killed by that signal), None while running."""
        return self._proc.returncode if self._proc else None

    @property
    def running(self) -> bool:
        """True between a start and the process's exit."""
        return self._proc is not None and not self._exited.is_set()

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> "ManagedProcess":
        """Spawn the process and wait until the probe says it is ready; ProcessError otherwise."""
        if self.running:
            return self
        self.tail.clear()
        self.ready_match = None
        self.paused = False
        self.exited_at = None
        self._cleaned = False
        self._exited = asyncio.Event()
        self._line_seen = asyncio.Event()
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *self.argv, cwd=self.cwd, env=self.env, stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                start_new_session=True, limit=_LINE_LIMIT,
            )
        except OSError as exc:
            raise ProcessError(f"{self.name} could not start ({' '.join(self.argv)}): {exc}") from exc
        reaper.register(self._proc.pid, self.name)
        self.journal.record("proc.start", name=self.name, pid=self._proc.pid, argv=self.argv)
        started = self.journal.now()
        proc = self._proc
        self._tasks = [
            asyncio.create_task(self._drain(proc.stdout, "stdout")),
            asyncio.create_task(self._drain(proc.stderr, "stderr")),
        ]
        self._tasks.append(asyncio.create_task(self._watch_exit(proc, self._exited, list(self._tasks))))
        try:
            await self._wait_ready()
        except BaseException:
            await self._signal_stop(graceful=False, how="kill")
            raise
        self.journal.record("proc.ready", name=self.name, pid=proc.pid, after_s=round(self.journal.now() - started, 6))
        return self

    async def _wait_ready(self) -> None:
        try:
            await within(self.ready_timeout_s, self._poll_ready())
        except asyncio.TimeoutError:
            last = f"; last answer: {self._last_seen}" if self._last_seen else ""
            raise ProcessError(
                f"{self.name} was not ready after {self.ready_timeout_s:g}s (waiting for {self.ready.describe()}){last}",
                list(self.tail),
            ) from None

    async def _poll_ready(self) -> None:
        while True:
            if self._exited.is_set():
                await asyncio.sleep(0.05)  # let the drains catch the last lines
                raise ProcessError(
                    f"{self.name} exited with code {self.returncode} before it was ready", list(self.tail)
                )
            if await self._probe_once():
                return
            waiters = [asyncio.ensure_future(self._exited.wait()), asyncio.ensure_future(self._line_seen.wait())]
            try:
                await asyncio.wait(waiters, timeout=self.ready.interval_s, return_when=asyncio.FIRST_COMPLETED)
            finally:  # also when the readiness deadline cancels us here: no waiter left pending
                for w in waiters:
                    w.cancel()
            self._line_seen.clear()

    async def _probe_once(self) -> bool:
        if self.ready.tcp:
            return await _tcp_ok(*self.ready.tcp)
        if self.ready.http:
            ok, self._last_seen = await asyncio.to_thread(_http_ok_sync, self.ready.http)
            return ok
        if self._pattern:
            return self.ready_match is not None
        return True

    async def _drain(self, stream: asyncio.StreamReader | None, which: str) -> None:
        if stream is None:
            return
        while True:
            try:
                raw = await stream.readline()
            except ValueError:  # line over the limit: take what is buffered
                raw = await stream.read(_LINE_LIMIT)
            if not raw:
                return
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            self.tail.append(line)
            self.journal.record("proc.log", name=self.name, stream=which, line=line)
            if self._pattern and self.ready_match is None:
                self.ready_match = self._pattern.search(line)
                self._line_seen.set()

    async def _watch_exit(self, proc: asyncio.subprocess.Process, exited: asyncio.Event, drains: list[asyncio.Task[None]]) -> None:
        returncode = await proc.wait()
        self.exited_at = time.monotonic()
        # A grandchild may hold the pipes open: do not wait for the drains forever.
        await asyncio.wait(drains, timeout=1.0)
        exited.set()
        self.journal.record("proc.exit", name=self.name, pid=proc.pid, returncode=returncode)

    async def stop(self) -> None:
        """SIGTERM the process group, SIGKILL after `stop_grace_s`; idempotent."""
        await self._signal_stop(graceful=True, how="graceful")

    async def kill(self) -> None:
        """SIGKILL the process group at once; idempotent."""
        await self._signal_stop(graceful=False, how="kill")

    close = stop

    async def _signal_stop(self, *, graceful: bool, how: Literal["graceful", "kill", "crash"]) -> None:
        proc = self._proc
        if proc is None or self._cleaned:
            return
        if self.running:
            self.journal.record("proc.stop", name=self.name, pid=proc.pid, how=how)
            if self.paused and graceful:
                reaper.kill_group(proc.pid, signal.SIGCONT)  # a stopped process cannot handle SIGTERM
            # A kill leaves a frozen process frozen: SIGKILL works on it, and it must not get to
            # run (answer a queued message, say) between a SIGCONT and the SIGKILL.
            self.paused = False
            if graceful:
                reaper.kill_group(proc.pid, signal.SIGTERM)
                try:
                    await within(self.stop_grace_s, asyncio.shield(self._exited.wait()))
                except asyncio.TimeoutError:
                    pass
        # The leader is gone or must go; either way nothing of its group may outlive us.
        reaper.kill_group(proc.pid, signal.SIGKILL)
        await self._exited.wait()
        reaper.unregister(proc.pid)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        self._cleaned = True

    async def pause(self) -> None:
        """SIGSTOP the process group (the process freezes: no I/O, no timers)."""
        if self.running and not self.paused:
            reaper.kill_group(self._proc.pid, signal.SIGSTOP)  # type: ignore[union-attr]  # running: started
            self.paused = True
            self.journal.record("proc.pause", name=self.name, pid=self._proc.pid)  # type: ignore[union-attr]

    async def resume(self) -> None:
        """SIGCONT the process group."""
        if self.running and self.paused:
            reaper.kill_group(self._proc.pid, signal.SIGCONT)  # type: ignore[union-attr]  # running: started
            self.paused = False
            self.journal.record("proc.resume", name=self.name, pid=self._proc.pid)  # type: ignore[union-attr]

    async def restart(self, mode: Literal["graceful", "crash"] = "graceful") -> None:
        """Stop (gracefully, or SIGKILL for `crash`) and start again, waiting for readiness."""
        if mode not in ("graceful", "crash"):
            raise ValueError(f"unknown restart mode {mode!r}: expected 'graceful' or 'crash'")
        await self._signal_stop(graceful=mode == "graceful", how=mode)
        await self.start()

    async def wait(self, timeout_s: float | None = None) -> int | None:
        """Wait for the process to exit by itself; returns its exit status."""
        await within(timeout_s, self._exited.wait())
        return self.returncode

    async def __aenter__(self) -> "ManagedProcess":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
