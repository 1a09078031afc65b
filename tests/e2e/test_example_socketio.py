"""wschaos on a Socket.IO app as it is (examples/socketio): polling first then the upgrade, the
client from its CDN served from a vendored file, no probes. Every scenario passes on the app;
each seeded bug fails its scenario on the same journal evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_process import run_cli

pytestmark = pytest.mark.e2e

SCENARIOS = Path("examples/socketio/scenarios")


def results(report: Path) -> dict:
    (run_dir,) = [p for p in report.iterdir() if p.is_dir()]
    return json.loads((run_dir / "results.json").read_text())


def journal(report: Path, scenario: str) -> list[dict]:
    (path,) = [p for p in report.rglob("journal.jsonl") if p.parent.name == scenario]
    return [json.loads(line) for line in path.read_text().splitlines()]


def checks_of(doc: dict, scenario: str) -> dict[str, dict]:
    return {c["name"]: c for s in doc["scenarios"] if s["name"] == scenario for c in s["checks"]}


def test_every_socketio_scenario_passes_on_the_app_as_it_is(tmp_path):
    """A cut of every transport reconnects with the app's randomized backoff (polling attempts counted), notes
    typed while down arrive once, a deploy's server-side close is rejoined, a dead link is noticed at the
    client's ping timeout, and every ping is answered."""
    result = run_cli("run", str(SCENARIOS), "--report", str(tmp_path), timeout=240)
    assert result.returncode == 0, result.stderr
    doc = results(tmp_path)
    assert {s["outcome"] for s in doc["scenarios"]} == {"passed"} and len(doc["scenarios"]) == 6
    drop = checks_of(doc, "socketio-network-drop-reconnects")
    assert drop["backoff"]["summary"].endswith("fit randomized jitter: min(5s, 1s x 2^(n-1) x 0.5..1.5)")
    assert drop["backoff"]["metrics"]["intervals"] >= 4
    # the cut is a cut of every transport: each polling handshake during it fails, none opens a session
    events = journal(tmp_path, "socketio-network-drop-reconnects")
    start, end = (next(e["t"] for e in events if e["kind"] == k) for k in ("fault.apply", "fault.revert"))
    during = [e for e in events if start < e["t"] < end and e["kind"].startswith("eio.")]
    attempts = [e for e in during if e["kind"] == "eio.attempt"]
    assert len(attempts) >= 4 and {e["transport"] for e in attempts} == {"polling"}
    assert [e["kind"] for e in during].count("eio.fail") >= len(attempts) - 1 and "eio.open" not in {e["kind"] for e in during}
    assert next(e for e in during if e["kind"] == "eio.close")["reason"].startswith("transport")
    dead = checks_of(doc, "socketio-dead-link-detected")["dead_link"]
    # timed from when the client gave the session up: ping interval + timeout is 2.5 s at time_scale 0.25
    assert "(its socket closed)" in dead["evidence"][0] and dead["metrics"]["detection_s"] < 3.0, dead


def test_each_seeded_bug_fails_its_scenario(tmp_path):
    """fixed_delay fails backoff, no_rejoin never reconnects after the deploy, clear_buffer loses the notes typed while down."""
    files = [str(SCENARIOS / f"{n}.yaml") for n in
             ("network-drop-reconnects", "server-deploy-rejoins", "notes-while-down-arrive-once")]
    result = run_cli("run", *files, "--report", str(tmp_path), "--bugs", "fixed_delay,no_rejoin,clear_buffer",
                     timeout=180)
    assert result.returncode == 1, result.stderr
    doc = results(tmp_path)
    failed = {s["name"]: [c["name"] for c in s["checks"] if c["status"] == "failed"] for s in doc["scenarios"]}
    assert failed == {"socketio-network-drop-reconnects": ["backoff"],
                      "socketio-server-deploy-rejoins": ["reconnected"],
                      "socketio-notes-while-down-arrive-once": ["delivered_exactly_once"]}
    notes = checks_of(doc, "socketio-notes-while-down-arrive-once")["delivered_exactly_once"]
    assert notes["summary"] == "5 messages sent: 3 lost"
