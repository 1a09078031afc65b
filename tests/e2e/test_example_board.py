"""wschaos on an app as real front ends are built: examples/board, served by a dev server with its
own hot-reload WebSocket, a socket URL hard-coded to ws://localhost:8002/ws, its state in an ES
module (no window global) and a set-up form whose validation fails now and then. No wschaos code
in it. The same four scenarios pass with a target that declares no probes (state from the app
socket) and with one that reads the module through import(); the seeded bug no_heartbeat (the
page never notices a dead link) fails the blackhole scenario on dead_link.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_process import run_cli

pytestmark = pytest.mark.e2e

SCENARIOS = "examples/board/scenarios"
PROBED = "examples/board/targets/board-probed.yaml"
NAMES = {"board-network-drop-reconnects", "board-server-restart-reconnects", "board-dead-link-detected",
         "board-cards-while-down-arrive-once"}


def only_run_dir(report: Path) -> Path:
    (run_dir,) = [p for p in report.iterdir() if p.is_dir()]
    return run_dir


def journal(run_dir: Path, scenario: str) -> list[dict]:
    path = run_dir / "scenarios" / scenario / "journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("target", [None, PROBED], ids=["no-probes", "probes"])
def test_every_board_scenario_passes_with_and_without_probes(tmp_path, target):
    """Network drop, server restart, blackhole detection and the outbox pass on both targets, in
    two lanes (verdicts must not change with lanes; 44 s instead of 68 s a target)."""
    extra = ["--target", target] if target else []
    result = run_cli("run", SCENARIOS, "--report", str(tmp_path), "-j", "2", *extra, timeout=300)
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path)
    doc = json.loads((run_dir / "results.json").read_text())
    assert {s["name"]: s["outcome"] for s in doc["scenarios"]} == {n: "passed" for n in NAMES}
    checks = {c["name"]: c for s in doc["scenarios"] for c in s["checks"]}
    assert checks["dead_link"]["metrics"]["detection_s"] < 10
    assert checks["delivered_exactly_once"]["summary"].startswith("all 15 messages delivered exactly once")
    events = journal(run_dir, "board-dead-link-detected")
    # the dev server's hot-reload socket is seen, set aside, and its {"type": "connected"} never counted
    assert [e["url"].endswith("/__hmr") for e in events if e["kind"] == "ws.ignored"] == [True]
    assert not [e for e in events if e["kind"] == "ws.frame" and e.get("type") == "connected"]
    assert [e["passed"] for e in events if e["kind"] == "client.setup"][-1] is True
    probes = [e for e in events if e["kind"] == "probe" and (e["values"] or {}).get("state")]
    assert bool(probes) == bool(target)  # the probed target read the module through import()


def test_no_heartbeat_bug_fails_the_dead_link_scenario(tmp_path):
    """A page that never notices a dead link stays 'connected' until the blackhole is removed."""
    result = run_cli("run", f"{SCENARIOS}/dead-link-detected.yaml", "--report", str(tmp_path),
                     "--bugs", "no_heartbeat", timeout=120)
    assert result.returncode == 1, result.stderr
    assert "check dead_link: 1 client stayed 'connected' on a dead link longer than 10s" in result.stderr
    assert "still 'connected' when the fault ended" in result.stderr
