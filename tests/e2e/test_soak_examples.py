"""`wschaos soak` on apps it was not written for, with their targets as written: examples/chat (probes, a ledger in
SQLite, a protocol) and examples/board (no probes, a ledger in memory). Both pass; a seeded bug of each fails the
night, naming what did not hold. One minute of app time each (seed 7: a browser-offline round, then a blackhole), at
the apps' own time scale (1): about six minutes in all, so the two seeded-bug nights are `nightly` (make nightly).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_process import run_cli

pytestmark = pytest.mark.e2e

CHAT = "examples/chat/targets/chat.yaml"
BOARD = "examples/board/targets/board.yaml"


def soak(tmp_path: Path, target: str, *extra: str):
    result = run_cli("soak", "--duration", "1m", "--seed", "7", "--target", target, "--report", str(tmp_path),
                     "--quiet", *extra, timeout=240)
    (run_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    return result, run_dir


@pytest.mark.parametrize("target", [CHAT, BOARD])
def test_the_soak_passes_on_the_example_app(tmp_path, target):
    """Exit 0; the work is the app's own (its action, its protocol message from p0); soak.html is written."""
    result, run_dir = soak(tmp_path, target)
    assert result.returncode == 0, result.stdout + result.stderr
    (night,) = run_dir.glob("scenarios/soak-*")
    described = json.loads((night / "soak.json").read_text())
    assert described["rounds"] and described["target_file"].endswith(target.split("/")[-1])
    doc = json.loads((run_dir / "results.json").read_text())
    checks = {c["name"]: c["status"] for c in doc["scenarios"][0]["checks"]}
    assert checks["delivered_exactly_once"] == "passed" and checks["reconnected"] == "passed"
    assert "drift over the night" in (night / "soak.html").read_text()
    assert checks["dead_link"] == "passed"  # the night has a blackhole: each page noticed it
    if target == BOARD:
        assert "the gate waits for connected pages only" in described["skipped"][0]


@pytest.mark.nightly
def test_a_seeded_bug_of_chat_fails_the_night_and_names_what_did_not_hold(tmp_path):
    """keep_acked (receipted messages stay in the outbox): exit 1, the queue gate or a check named."""
    result, _ = soak(tmp_path, CHAT, "--bugs", "keep_acked")
    assert result.returncode == 1, result.stdout + result.stderr
    said = result.stdout + result.stderr
    assert "queue_length == 0" in said or "check delivered_exactly_once" in said


@pytest.mark.nightly
def test_board_s_seeded_bug_fails_the_night_on_the_dead_link(tmp_path):
    """no_heartbeat (the page never notices a silent link): exit 1, dead_link named."""
    result, _ = soak(tmp_path, BOARD, "--bugs", "no_heartbeat")
    assert result.returncode == 1, result.stdout + result.stderr
    said = result.stdout + result.stderr
    assert "check dead_link: " in said and "stayed 'connected' on a dead link" in said
