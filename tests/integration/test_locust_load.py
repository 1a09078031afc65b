"""`load: {engine: locust}`: a real Locust master and worker processes against the reference app,
through the scenario's proxies; judged by the same checks as the in-process generator; every
Locust process ends with the run, even when the run is killed."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_process import FACTOR, marked_processes, only_run_dir, run_cli, wschaos
from spawned import end, spawn
from harness.tools import free_port

# find_spec, never import: importing Locust monkey-patches this process with gevent.
pytestmark = pytest.mark.skipif(importlib.util.find_spec("locust") is None,
                                reason="the optional extra wschaos[locust] is not installed")

SCENARIO = """\
name: {name}
description: Load on Locust through the scenario's proxies.
target: kanban
seed: 1
time_scale: 1.0
clients: {{protocol: 2}}
steps:
{steps}
checks:
{checks}
"""


def scenario(tmp_path: Path, name: str, steps: str, checks: str) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(SCENARIO.format(name=name, steps=steps, checks=checks), encoding="utf-8")
    return str(path)


def journal(report: Path) -> list[dict]:
    path = next(only_run_dir(report).glob("scenarios/*/journal.jsonl"))
    return [json.loads(line) for line in path.read_text().splitlines()]


def checks_of(report: Path) -> dict[str, str]:
    doc = json.loads((only_run_dir(report) / "results.json").read_text())
    return {c["name"]: c["status"] for c in doc["scenarios"][0]["checks"]}


def test_a_load_on_two_locust_workers_is_journaled_and_judged(tmp_path):
    """200 users on a master and 2 worker processes: every ping answered (load_replies passes),
    the master's totals arrive as load.interval events ending in a final one, load.summary says
    `locust`, and the master and both workers were started and stopped by the run."""
    path = scenario(tmp_path, "locust-pings", "  - load: {engine: locust, users: 200, workers: 2, messages: 3, "
                    "rate: 10, message: ping}\n    clients: protocol", "  - load_replies: {rtt_p95: 5s}")
    result = run_cli("run", path, "--report", str(tmp_path / "r"), "--quiet", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    events = journal(tmp_path / "r")
    intervals = [e for e in events if e["kind"] == "load.interval"]
    assert intervals and intervals[-1]["final"] and intervals[-1]["answered"] == 600
    (summary,) = [e for e in events if e["kind"] == "load.summary"]
    assert (summary["engine"], summary["clients"], summary["sent"], summary["acked"]) == ("locust", 200, 600, 600)
    started = {e["name"] for e in events if e["kind"] == "proc.start"}
    stopped = {e["name"] for e in events if e["kind"] in ("proc.stop", "proc.exit")}
    assert {"locust-master", "locust-worker-1", "locust-worker-2"} <= started & stopped


def test_a_fault_on_a_proxy_reaches_the_locust_users_behind_it(tmp_path):
    """With p0's proxy down, the Locust users dealt to p0 cannot connect and those on p1 are
    answered: load_replies fails naming the failed connections."""
    steps = ("  - down: {}\n    clients: p0\n"
             "  - load: {engine: locust, users: 40, workers: 1, messages: 2, rate: 10, message: ping}\n"
             "    clients: protocol")
    path = scenario(tmp_path, "locust-behind-down", steps, "  - load_replies")
    result = run_cli("run", path, "--report", str(tmp_path / "r"), "--quiet", timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert checks_of(tmp_path / "r") == {"load_replies": "failed"}
    (summary,) = [e for e in journal(tmp_path / "r") if e["kind"] == "load.summary"]
    assert summary["failed_connects"] == 20 and summary["acked"] == summary["sent"] == 40


def test_keyed_messages_from_locust_users_are_audited_against_the_ledger(tmp_path):
    """Tickets sent by Locust users come back as `action` events of the client whose proxy carried
    them, so delivered_exactly_once checks them against the server's ledger like any others."""
    steps = ("  - load: {engine: locust, users: 10, workers: 2, messages: 2, rate: 5, message: ticket}\n"
             "    clients: protocol")
    path = scenario(tmp_path, "locust-tickets", steps, "  - delivered_exactly_once: {clients: protocol}\n"
                    "  - load_replies")
    result = run_cli("run", path, "--report", str(tmp_path / "r"), "--quiet", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    actions = [e for e in journal(tmp_path / "r") if e["kind"] == "action"]
    assert len(actions) == 20 and {a["client"] for a in actions} == {"p0", "p1"}
    assert checks_of(tmp_path / "r") == {"delivered_exactly_once": "passed", "load_replies": "passed"}


def test_sigkill_during_a_locust_load_leaves_no_locust_process(tmp_path):
    """SIGKILL of the run while Locust is loading: its watchdog kills the master and the workers
    (and everything else the run started) within 10 s."""
    steps = ("  - load: {engine: locust, users: 20, workers: 2, messages: 200, rate: 5, message: ping}\n"
             "    clients: protocol")
    path = scenario(tmp_path, "locust-killed", steps, "  - load_replies")
    with wschaos("run", path, "--report", str(tmp_path / "r"), "--quiet") as proc:
        deadline = time.monotonic() + 60 * FACTOR
        while not any("locust" in cmd and "--worker" in cmd for _, cmd in marked_processes(proc.mark)):
            assert time.monotonic() < deadline and proc.poll() is None, "the Locust workers never started"
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
        deadline = time.monotonic() + 10 * FACTOR
        while [p for p, _ in marked_processes(proc.mark) if p != proc.pid] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [c for p, c in marked_processes(proc.mark) if p != proc.pid] == []


def test_a_worker_from_another_host_gets_the_locustfile_and_the_load_from_the_master(tmp_path):
    """`remote_workers: 1`: the master waits for a worker that knows nothing but the master's
    address (`locust -f - --worker`, no wschaos file, no spec), which downloads the locustfile and
    receives the load with its spawn message; the load is shared with the local worker."""
    port = free_port()
    steps = ("  - load: {engine: locust, users: 40, workers: 1, remote_workers: 1, master_port: %d, messages: 2, "
             "rate: 10, message: ping}\n    clients: protocol" % port)
    path = scenario(tmp_path, "locust-remote-worker", steps, "  - load_replies")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WSCHAOS")}
    elsewhere = spawn([sys.executable, "-m", "locust", "-f", "-", "--worker", "--master-host", "127.0.0.1",
                       "--master-port", str(port), "--loglevel", "WARNING"], cwd=tmp_path, env=env,
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        result = run_cli("run", path, "--report", str(tmp_path / "r"), "--quiet", timeout=120)
    finally:
        end(elsewhere)
    assert result.returncode == 0, result.stdout + result.stderr
    intervals = [e for e in journal(tmp_path / "r") if e["kind"] == "load.interval"]
    assert intervals[-1]["workers"] == 2 and intervals[-1]["answered"] == 80
