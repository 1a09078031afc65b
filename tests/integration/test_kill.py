"""Kills and repeated interrupts: no process of the run survives, and a readable result remains."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

from cli_process import FACTOR, marked_processes, only_run_dir, run_cli, wait_for_step, wschaos

LONG = "scenarios/idle-five-minutes-stays-connected.yaml"
SHORT = "scenarios/connects-on-load.yaml"


def others(proc: subprocess.Popen) -> list[tuple[int, str]]:
    """Marked processes other than wschaos itself."""
    return [(pid, cmd) for pid, cmd in marked_processes(proc.mark) if pid != proc.pid]


def gone_within(proc: subprocess.Popen, seconds: float) -> list[tuple[int, str]]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and others(proc):
        time.sleep(0.2)
    return others(proc)


def test_sigkill_leaves_no_process_and_a_readable_result(tmp_path):
    """SIGKILL of a running `wschaos run` (an OOM kill, a CI hard kill): within 10 s nothing it
    started is alive, results.json lists the running scenario as interrupted and the next as
    skipped, and `wschaos report` renders the run."""
    with wschaos("run", LONG, SHORT, "--report", str(tmp_path), "--quiet") as proc:
        wait_for_step(tmp_path, proc)
        assert len(others(proc)) >= 4  # toxiproxy, the app's two processes, Playwright, Chromium...
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
        leftovers = gone_within(proc, 10)
    assert not leftovers, f"still alive 10 s after SIGKILL: {leftovers}"
    run_dir = only_run_dir(tmp_path)
    doc = json.loads((run_dir / "results.json").read_text())
    assert doc["outcome"] == "interrupted"
    assert [(s["name"], s["outcome"]) for s in doc["scenarios"]] == [
        ("idle-five-minutes-stays-connected", "interrupted"), ("connects-on-load", "skipped")]
    result = run_cli("report", str(run_dir))
    assert result.returncode == 0, result.stderr
    assert "idle-five-minutes-stays-connected" in (run_dir / "index.html").read_text()


def test_two_interrupts_in_a_row_exit_130_quickly(tmp_path):
    """A second Ctrl-C half a second after the first is never lost: exit 130 within 15 s,
    nothing left alive, the scenarios that never ran listed as skipped."""
    with wschaos("run", LONG, SHORT, "scenarios/server-restart-reconnects.yaml", "--report", str(tmp_path), "--quiet") as proc:
        wait_for_step(tmp_path, proc)
        t0 = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=30 * FACTOR)
        took = time.monotonic() - t0
        leftovers = gone_within(proc, 5)
    assert proc.returncode == 130, err
    assert took < 15 * FACTOR, f"took {took:.1f}s to stop after two interrupts\n{err}"
    assert not leftovers, leftovers
    assert "Traceback" not in err, err
    doc = json.loads((only_run_dir(tmp_path) / "results.json").read_text())
    assert [s["outcome"] for s in doc["scenarios"]] == ["interrupted", "skipped", "skipped"]
    junit = (only_run_dir(tmp_path) / "junit.xml").read_text()
    assert junit.count("<skipped") == 2


def test_a_new_run_ends_what_a_killed_run_left(tmp_path):
    """Processes whose run mark names a dead owner are killed when the next run starts (found
    by the mark only): simulated with a sleeper marked by a pid that no longer exists."""
    dead = subprocess.Popen(["true"])
    dead.wait()
    env = {**os.environ, "WSCHAOS_RUN": f"{dead.pid}:old-run"}
    sleeper = subprocess.Popen(["sleep", "300"], env=env, start_new_session=True)
    try:
        result = run_cli("run", SHORT, "--report", str(tmp_path), "--quiet", timeout=90)
        assert result.returncode == 0, result.stderr
        assert sleeper.wait(timeout=5) == -signal.SIGKILL
        infra = (only_run_dir(tmp_path) / "infra.jsonl").read_text()
        assert '"kind":"harness.reaped"' in infra and f"{dead.pid}:old-run" in infra
    finally:
        if sleeper.poll() is None:
            sleeper.kill()
