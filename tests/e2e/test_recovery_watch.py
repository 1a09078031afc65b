"""No pass without evidence: the run watches a disconnection still open after the last step
until the client reconnects or its limit passes, and a disruption the steps never lifted is
not judged, so such a scenario never passes (real app, real Toxiproxy, real Chromium)."""

from __future__ import annotations

import json
from pathlib import Path

from cli_process import only_run_dir, run_cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios"
LIFTED = str(FIXTURES / "steps-end-after-lifted-down.yaml")


def _journal(report: Path, name: str) -> list[dict]:
    path = only_run_dir(report) / "scenarios" / name / "journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_client_that_reconnects_after_the_steps_end_passes(tmp_path):
    """The fixed app reconnects within its backoff after the lift: the watch sees it, exit 0."""
    result = run_cli("run", LIFTED, "--report", str(tmp_path), "--quiet", timeout=120)
    assert result.returncode == 0, result.stderr
    events = _journal(tmp_path, "steps-end-after-lifted-down")
    watch = [e for e in events if e["kind"] in ("recovery.watch", "recovery.end")]
    assert [e["kind"] for e in watch] == ["recovery.watch", "recovery.end"]
    assert watch[1]["recovered"] == ["b0"] and watch[1]["still_disconnected"] == []
    assert [e["kind"] for e in events][-1] == "run.end"
    assert sum(e["kind"] == "run.end" for e in events) == 1


def test_a_client_that_gave_up_fails_though_the_steps_ended_early(tmp_path):
    """`max5_attempts` gives up during the cut: after the lift it never reconnects, so once its
    limit passes under the watch the check fails (it used to pass: "not late yet"), exit 1."""
    result = run_cli("run", LIFTED, "--bugs", "max5_attempts", "--report", str(tmp_path), "--quiet", timeout=120)
    assert result.returncode == 1, result.stderr
    assert "check reconnected: 1 problem reconnecting within" in result.stderr
    assert "still not connected when the scenario ended" in result.stderr


def test_a_server_never_started_again_is_not_a_pass(tmp_path):
    """The steps stop the server and never start it: reconnected cannot judge, exit 4 (inconclusive)."""
    result = run_cli("run", str(FIXTURES / "server-stopped-for-good.yaml"), "--report", str(tmp_path), "--quiet",
                     timeout=120)
    assert result.returncode == 4, result.stderr
    assert "check reconnected could not be judged" in result.stderr
    assert "the steps never lifted what disconnected it (the server stopped at t=" in result.stderr
    doc = json.loads((only_run_dir(tmp_path) / "results.json").read_text())
    [check] = doc["scenarios"][0]["checks"]
    assert (doc["outcome"], check["status"], check["passed"]) == ("inconclusive", "not_judged", False)
