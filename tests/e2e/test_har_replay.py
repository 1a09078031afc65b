"""A HAR recorded from each bundled app (tests/fixtures/har, scripts/record_har.py), imported and
run: the recorded disconnect happens again and the client reconnects, in the report; the
reference app's recording, made with the server bug dedupe_per_connection, fails on that bug and
passes on the fixed server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_process import run_cli

pytestmark = pytest.mark.e2e

HAR = Path(__file__).parents[1] / "fixtures" / "har"
TARGETS = {"kanban": "kanban", "chat": "examples/chat/targets/chat.yaml", "board": "examples/board/targets/board.yaml"}


def imported(tmp_path: Path, name: str) -> Path:
    out = tmp_path / "scenarios" / f"{name}.yaml"
    result = run_cli("import", "har", str(HAR / f"{name}.har"), "--target", TARGETS[name], "-o", str(out))
    assert result.returncode == 0, result.stderr
    return out


def results(report: Path) -> dict:
    (run,) = [p for p in report.iterdir() if p.is_dir()]
    return json.loads((run / "results.json").read_text())


def test_each_recording_replays_its_disconnect_and_the_reconnection(tmp_path):
    """Reference, chat and board: each replay disconnects where the recording did, reconnects
    (`reconnected` passed, a second socket opened) and delivers its messages once."""
    files = [imported(tmp_path, name) for name in TARGETS]
    report = tmp_path / "report"
    result = run_cli("run", *map(str, files), "--report", str(report), timeout=180)
    assert result.returncode == 0, result.stderr
    for scenario in results(report)["scenarios"]:
        checks = {c["name"]: c for c in scenario["checks"]}
        assert checks["reconnected"]["status"] == "passed", scenario["name"]
        assert checks["reconnected"]["metrics"]["disconnections"] == 1, scenario["name"]
        assert checks["delivered_exactly_once"]["status"] == "passed", scenario["name"]
        journal = [json.loads(line) for line in (report / next(p.name for p in report.iterdir() if p.is_dir())
                                                 / scenario["journal"]).read_text().splitlines()]
        assert [e["socket"] for e in journal if e["kind"] == "ws.open"] == ["s1", "s2"], scenario["name"]


def test_the_field_bug_of_the_reference_recording_fails_again(tmp_path):
    """The kanban recording's trigger, re-sent after the stall, is processed twice with dedupe_per_connection."""
    report = tmp_path / "report"
    result = run_cli("run", str(imported(tmp_path, "kanban")), "--bugs", "dedupe_per_connection",
                     "--report", str(report), timeout=120)
    assert result.returncode == 1, result.stderr
    assert "duplicated: trigger:p0:T-1 appears 2 times in the server ledger (expected once)" in result.stderr
