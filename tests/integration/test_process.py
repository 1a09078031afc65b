"""ManagedProcess against real child processes."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from harness.drivers import reaper
from harness.drivers.process import ManagedProcess, ReadyProbe
from harness.errors import ProcessError
from harness.journal import Journal, of_kind
from harness.tools import free_port

PY = sys.executable

LISTENER = """
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen()
print(f"KANBAN_LISTENING port={s.getsockname()[1]}", flush=True)
while True:
    time.sleep(0.05)
"""

IGNORES_TERM = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
while True:
    time.sleep(0.05)
"""

COUNTER = """
import time
i = 0
print("ready", flush=True)
while True:
    i += 1
    print(f"tick {i}", flush=True)
    time.sleep(0.02)
"""


def alive(pid: int) -> bool:
    """True if `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


async def test_ready_by_log_line_captures_port(scaled):
    """A log_line probe waits for the line and exposes the captured port."""
    journal = Journal()
    proc = ManagedProcess("server", [PY, "-c", LISTENER], journal=journal,
                          ready=ReadyProbe(log_line=r"KANBAN_LISTENING port=(\d+)"), ready_timeout_s=scaled(10))
    async with proc:
        port = int(proc.ready_match.group(1))
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.close()
    kinds = [e["kind"] for e in journal.events if e["kind"] != "proc.log"]
    assert kinds == ["proc.start", "proc.ready", "proc.stop", "proc.exit"]
    log = next(of_kind(journal.events, "proc.log"))
    assert log["line"] == f"KANBAN_LISTENING port={port}" and log["stream"] == "stdout"


async def test_ready_by_tcp_probe(scaled):
    """A tcp probe is satisfied once the port accepts connections."""
    port = free_port()
    code = f"import socket,time; time.sleep(0.3); s=socket.socket(); s.bind(('127.0.0.1',{port})); s.listen(); time.sleep(30)"
    async with ManagedProcess("server", [PY, "-c", code], journal=Journal(),
                              ready=ReadyProbe(tcp=("127.0.0.1", port)), ready_timeout_s=scaled(10)) as proc:
        assert proc.running


async def test_ready_by_http_probe(scaled):
    """An http probe is satisfied by a 2xx answer."""
    port = free_port()
    argv = [PY, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    async with ManagedProcess("static", argv, journal=Journal(), cwd="/",
                              ready=ReadyProbe(http=f"http://127.0.0.1:{port}/"), ready_timeout_s=scaled(10)) as proc:
        assert proc.running


async def test_early_exit_raises_with_log_tail(scaled):
    """A process that dies before ready raises ProcessError carrying its last lines."""
    code = "import sys; print('loading config'); print('bad port', file=sys.stderr); sys.exit(3)"
    proc = ManagedProcess("server", [PY, "-c", code], journal=Journal(),
                          ready=ReadyProbe(tcp=("127.0.0.1", free_port())), ready_timeout_s=scaled(10))
    with pytest.raises(ProcessError) as info:
        await proc.start()
    assert str(info.value).startswith("server exited with code 3 before it was ready\nlast output:\n  ")
    assert sorted(info.value.log_tail) == ["bad port", "loading config"]


async def test_ready_timeout_raises_and_kills(scaled):
    """A process that never becomes ready is killed and reported with the probe it missed."""
    journal = Journal()
    proc = ManagedProcess("server", [PY, "-c", "import time; print('hi', flush=True); time.sleep(30)"],
                          journal=journal, ready=ReadyProbe(log_line="never"), ready_timeout_s=0.5)
    with pytest.raises(ProcessError) as info:
        await proc.start()
    assert str(info.value) == "server was not ready after 0.5s (waiting for a log line matching 'never')\nlast output:\n  hi"
    assert not alive(proc.pid)
    assert next(of_kind(journal.events, "proc.stop"))["how"] == "kill"


async def test_missing_binary_raises_process_error():
    """A program that cannot be spawned raises ProcessError naming it."""
    proc = ManagedProcess("server", ["/nonexistent/wschaos-bin"], journal=Journal())
    with pytest.raises(ProcessError, match=r"^server could not start \(/nonexistent/wschaos-bin\): "):
        await proc.start()


async def test_stop_escalates_to_sigkill(scaled):
    """A process ignoring SIGTERM is SIGKILLed after the grace period."""
    journal = Journal()
    proc = ManagedProcess("server", [PY, "-c", IGNORES_TERM], journal=journal,
                          ready=ReadyProbe(log_line="ready"), ready_timeout_s=scaled(10), stop_grace_s=0.3)
    await proc.start()
    await proc.stop()
    assert proc.returncode == -9
    assert [e["how"] for e in of_kind(journal.events, "proc.stop")] == ["graceful"]
    await proc.stop()  # idempotent
    assert len(list(of_kind(journal.events, "proc.exit"))) == 1


async def test_stop_kills_whole_group(scaled):
    """Stopping kills the children the process spawned too (process group)."""
    code = ("import subprocess,sys,time; c=subprocess.Popen([sys.executable,'-c','import time; time.sleep(30)']);"
            "print(f'child={c.pid}', flush=True); time.sleep(30)")
    proc = ManagedProcess("server", [PY, "-c", code], journal=Journal(),
                          ready=ReadyProbe(log_line=r"child=(\d+)"), ready_timeout_s=scaled(10))
    async with proc:
        child = int(proc.ready_match.group(1))
        assert alive(child)
    for _ in range(50):
        if not alive(child):
            break
        await asyncio.sleep(0.02)
    assert not alive(child)


async def test_pause_and_resume(scaled):
    """pause() freezes the output, resume() lets it continue."""
    journal = Journal()
    async with ManagedProcess("server", [PY, "-c", COUNTER], journal=journal,
                              ready=ReadyProbe(log_line="ready"), ready_timeout_s=scaled(10)) as proc:
        await asyncio.sleep(0.1)
        await proc.pause()
        await asyncio.sleep(0.1)  # lines already in the pipe drain
        frozen = len(proc.tail)
        await asyncio.sleep(0.3)
        assert len(proc.tail) == frozen
        await proc.resume()
        await asyncio.sleep(0.3)
        assert len(proc.tail) > frozen
    assert [e["kind"] for e in of_kind(journal.events, "proc.pause", "proc.resume")] == ["proc.pause", "proc.resume"]


async def test_stop_while_paused(scaled):
    """A paused process still stops gracefully (SIGCONT is sent before SIGTERM)."""
    async with ManagedProcess("server", [PY, "-c", COUNTER], journal=Journal(),
                              ready=ReadyProbe(log_line="ready"), ready_timeout_s=scaled(10), stop_grace_s=2) as proc:
        await proc.pause()
    assert proc.returncode == -15


async def test_kill_while_paused_does_not_let_it_run(scaled, monkeypatch):
    """Killing a frozen process kills it frozen: SIGKILL without a SIGCONT first (so it cannot answer anything)."""
    import signal as sig

    from harness.drivers import process as process_module

    sent: list[int] = []
    real = process_module.reaper.kill_group
    monkeypatch.setattr(process_module.reaper, "kill_group", lambda pgid, s: sent.append(s) or real(pgid, s))
    proc = ManagedProcess("server", [PY, "-c", COUNTER], journal=Journal(),
                          ready=ReadyProbe(log_line="ready"), ready_timeout_s=scaled(10))
    async with proc:
        await proc.pause()
        await proc.kill()
    assert proc.returncode == -9
    assert sent == [sig.SIGSTOP, sig.SIGKILL]


async def test_restart_graceful_and_crash(scaled):
    """restart() gives a new pid each time and records how the old one stopped."""
    journal = Journal()
    proc = ManagedProcess("server", [PY, "-c", LISTENER], journal=journal,
                          ready=ReadyProbe(log_line=r"port=(\d+)"), ready_timeout_s=scaled(10))
    async with proc:
        first = proc.pid
        await proc.restart("graceful")
        second = proc.pid
        await proc.restart("crash")
        assert len({first, second, proc.pid}) == 3
        assert not alive(first) and not alive(second)
        with pytest.raises(ValueError, match="unknown restart mode 'soft': expected 'graceful' or 'crash'"):
            await proc.restart("soft")  # type: ignore[arg-type]
    hows = [e["how"] for e in of_kind(journal.events, "proc.stop")]
    assert hows == ["graceful", "crash", "graceful"]
    assert len(list(of_kind(journal.events, "proc.ready"))) == 3


async def test_start_again_after_stop_and_kill(scaled):
    """A stopped or killed process can be started again."""
    proc = ManagedProcess("server", [PY, "-c", LISTENER], journal=Journal(),
                          ready=ReadyProbe(log_line="port="), ready_timeout_s=scaled(10))
    await proc.start()
    await proc.kill()
    assert proc.returncode == -9
    await proc.start()
    assert proc.running
    await proc.stop()
    assert not proc.running


async def test_exit_after_ready_is_journaled(scaled):
    """A process that exits on its own records proc.exit with its code."""
    journal = Journal()
    proc = ManagedProcess("server", [PY, "-c", "print('up', flush=True); import time; time.sleep(0.2)"],
                          journal=journal, ready=ReadyProbe(log_line="up"), ready_timeout_s=scaled(10))
    async with proc:
        assert await proc.wait(scaled(5)) == 0
    exit_event = next(of_kind(journal.events, "proc.exit"))
    assert exit_event["returncode"] == 0 and not list(of_kind(journal.events, "proc.stop"))


async def test_no_group_left_registered(scaled):
    """After stop, the safety-net registry no longer holds the group."""
    async with ManagedProcess("server", [PY, "-c", LISTENER], journal=Journal(),
                              ready=ReadyProbe(log_line="port="), ready_timeout_s=scaled(10)) as proc:
        assert proc.pid in reaper.live_groups()
    assert proc.pid not in reaper.live_groups()


REAPER_SCRIPT = """
import subprocess, sys, time
from harness.drivers import reaper
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True)
reaper.register(child.pid, "stray")
print(child.pid, flush=True)
if sys.argv[1] == "wait":
    time.sleep(30)
"""


async def _reaper_child(mode: str) -> tuple[asyncio.subprocess.Process, int]:
    proc = await asyncio.create_subprocess_exec(PY, "-c", REAPER_SCRIPT, mode, cwd=str(Path(__file__).parents[2]),
                                                stdout=asyncio.subprocess.PIPE)
    line = await asyncio.wait_for(proc.stdout.readline(), 10)
    return proc, int(line)


async def wait_dead(pid: int, timeout_s: float) -> bool:
    """Poll until `pid` is gone (or a zombie)."""
    for _ in range(int(timeout_s / 0.02)):
        if not alive(pid):
            return True
        await asyncio.sleep(0.02)
    return False


async def test_reaper_kills_groups_at_exit(scaled):
    """A harness that exits without stopping its processes still takes them down (atexit)."""
    proc, child = await _reaper_child("exit")
    assert await proc.wait() == 0
    assert await wait_dead(child, scaled(5))


async def test_reaper_kills_groups_on_sigterm(scaled):
    """A harness killed by SIGTERM takes its processes down and still dies of SIGTERM."""
    proc, child = await _reaper_child("wait")
    assert alive(child)
    proc.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(proc.wait(), scaled(10)) == -signal.SIGTERM
    assert await wait_dead(child, scaled(5))
