"""The harness's own trouble is never the app's failure: when Chromium, the Playwright driver or
toxiproxy-server dies mid-scenario, that scenario ends as `error` (exit 3) with the part named,
the report is still written, the dead part is started again for the next scenario, and no
process is left behind."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from cli_process import FACTOR, kill_marked, marked_processes, only_run_dir, wait_for_step, wschaos

LONG = "scenarios/idle-five-minutes-stays-connected.yaml"
SHORT = "scenarios/connects-on-load.yaml"


def victim(mark: str, part: str) -> int:
    """The pid of the run's Chromium main process, Playwright driver, or toxiproxy-server."""
    procs = marked_processes(mark)
    for pid, _ in procs:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if part == "chromium" and b"--remote-debugging-pipe" in argv and not any(a.startswith(b"--type=") for a in argv):
            return pid
        if part == "driver" and b"run-driver" in argv:
            return pid
        if part == "toxiproxy" and Path(argv[0].decode()).name == "toxiproxy-server":
            return pid
    raise AssertionError(f"no {part} among the run's processes: {procs}")


@pytest.mark.parametrize("part, named", [
    ("chromium", r"Chromium \(pid \d+\) exited or was killed"),
    ("driver", r"the Playwright driver \(pid \d+\) exited with signal 9 \(SIGKILL\), so Chromium could no longer be driven"),
    ("toxiproxy", r"toxiproxy-server \(pid \d+\) exited with signal 9 \(SIGKILL\)"),
])
def test_a_part_killed_mid_scenario_is_an_error_naming_it(tmp_path, part, named):
    """SIGKILL of one shared part during a scenario: that scenario is an error naming the part,
    the next scenario runs on a restarted one and passes, exit 3, reports written, nothing left."""
    with wschaos("run", LONG, SHORT, "--report", str(tmp_path), "--quiet") as proc:
        wait_for_step(tmp_path, proc)
        os.kill(victim(proc.mark, part), signal.SIGKILL)
        _, err = proc.communicate(timeout=120 * FACTOR)
        leftovers = kill_marked(proc.mark)
    assert proc.returncode == 3, err
    assert not leftovers, leftovers
    assert "Traceback" not in err and "never retrieved" not in err, err
    doc = json.loads((only_run_dir(tmp_path) / "results.json").read_text())
    first, second = doc["scenarios"]
    assert first["outcome"] == "error", first
    import re
    assert re.match(named + r" \(gone since t=[\d.]+s\); the scenario could not be judged$", first["error"]), first["error"]
    assert first["checks"] == []
    assert second["outcome"] == "passed", second
    assert doc["outcome"] == "error" and doc["flaky"] == {}
    assert first["error"] in (only_run_dir(tmp_path) / "index.html").read_text()


def test_no_loopback_is_named_before_anything_starts(tmp_path):
    """In a network namespace whose loopback is down, the run says so at once (exit 3), instead of
    waiting for Toxiproxy to time out and printing asyncio's 'Task was destroyed' noise."""
    import shutil
    import subprocess
    import sys

    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a network namespace here: {probe.stderr.strip()}")
    cli = Path(sys.executable).with_name("wschaos")
    result = subprocess.run(["unshare", "-n", str(cli), "run", SHORT, "--report", str(tmp_path)],
                            capture_output=True, text=True, timeout=60 * FACTOR)
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip() == (
        "wschaos: the loopback interface does not work (connecting to a listener on 127.0.0.1 failed: Network is "
        "unreachable): wschaos runs the app, Toxiproxy and the browser over loopback; bring it up "
        "(`ip link set lo up`) or run where it is up")
    assert list(tmp_path.iterdir()) == []
