"""Run the `wschaos` command as a real subprocess and prove it leaves no process behind.

Every wschaos started here gets a unique WSCHAOS_TEST_MARK in its environment. The environment
is inherited by every descendant (the harness merges os.environ into the app's processes,
Playwright passes it to its driver and to Chromium), even by those that leave the process
group (ManagedProcess uses start_new_session) or are re-parented to init when their parent
dies, so scanning /proc/*/environ for the mark finds exactly what one test started, and
nothing the benchmark or another test runs. Whatever is found is reported and killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterator

from harness.tools import repo_root

REPO = repo_root()
_script = Path(sys.executable).with_name("wschaos")
WSCHAOS = [str(_script)] if _script.is_file() else [sys.executable, "-m", "harness.cli"]
MARK_VAR = "WSCHAOS_TEST_MARK"
FACTOR = float(os.environ.get("WSCHAOS_TIMEOUT_FACTOR", "1"))


def marked_processes(mark: str) -> list[tuple[int, str]]:
    """(pid, whole cmdline) of every live process whose environment carries `mark`. Never cut: a
    cut at 120 characters once hid `--worker` from a test when the clone's path was 6 longer."""
    needle = f"{MARK_VAR}={mark}".encode() + b"\0"
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if needle in Path(f"/proc/{entry}/environ").read_bytes():
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
                found.append((int(entry), cmdline.decode(errors="replace")))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def kill_marked(mark: str) -> list[tuple[int, str]]:
    """SIGKILL every process carrying `mark`; return what was still alive."""
    alive = marked_processes(mark)
    for pid, _ in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return alive


@contextlib.contextmanager
def wschaos(*args: str, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """Start `wschaos ARGS` in its own session (like a terminal job); everything it started dies afterwards."""
    mark = uuid.uuid4().hex
    proc = subprocess.Popen([*WSCHAOS, *args], cwd=REPO, env={**os.environ, **(env or {}), MARK_VAR: mark},
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    proc.mark = mark
    try:
        yield proc
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        kill_marked(mark)


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run `wschaos ARGS` to completion; fail the test if it outlives `timeout` or leaves processes behind."""
    with wschaos(*args, env=env) as proc:
        out, err = proc.communicate(timeout=timeout * FACTOR)
        leftovers = kill_marked(proc.mark)
    assert not leftovers, f"processes outlived `wschaos {' '.join(args)}`: {leftovers}"
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def only_run_dir(report: Path) -> Path:
    """The one run folder a single `wschaos run --report REPORT` wrote."""
    runs = [p for p in report.iterdir() if p.is_dir()]
    assert len(runs) == 1, runs
    return runs[0]


def wait_for_step(report: Path, proc: subprocess.Popen, timeout_s: float = 60) -> None:
    """Poll until a scenario journal records a started step (the run's processes are all up by then)."""
    deadline = time.monotonic() + timeout_s * FACTOR
    while time.monotonic() < deadline:
        if any('"step.start"' in j.read_text() for j in report.glob("*/scenarios/*/journal.jsonl")):
            return
        assert proc.poll() is None, f"wschaos exited early ({proc.returncode}): {proc.communicate()[1]}"
        time.sleep(0.1)
    raise AssertionError(f"no step started within {timeout_s}s")
