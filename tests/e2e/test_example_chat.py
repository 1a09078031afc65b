"""wschaos on an app it was not written for: examples/chat, a chat app with its own protocol
(`kind`/`msgId` frames confirmed by a `receipt`), its page and socket on one port, and no
wschaos code in it. Only examples/chat/targets/chat.yaml tells the harness how to drive it.

Both example scenarios pass on the app as it is; with its seeded bugs the same scenario fails
on the app's own frames: a receipted message re-sent (keep_acked) and stored twice (no_dedupe).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cli_process import run_cli

pytestmark = pytest.mark.e2e

SCENARIOS = "examples/chat/scenarios"
MESSAGES = f"{SCENARIOS}/messages-while-down-arrive-once.yaml"


def only_run_dir(report: Path) -> Path:
    (run_dir,) = [p for p in report.iterdir() if p.is_dir()]
    return run_dir


def test_both_example_scenarios_pass_on_the_chat_app(tmp_path):
    """Reconnect with backoff, the outbox drained once and in order, 20 protocol receipts."""
    result = run_cli("run", SCENARIOS, "--report", str(tmp_path), timeout=180)
    assert result.returncode == 0, result.stderr
    doc = json.loads((only_run_dir(tmp_path) / "results.json").read_text())
    outcomes = {s["name"]: s["outcome"] for s in doc["scenarios"]}
    assert outcomes == {"chat-network-drop-reconnects": "passed", "chat-messages-while-down-arrive-once": "passed"}
    checks = {c["name"]: c for s in doc["scenarios"] for c in s["checks"]}
    # 2 typed before the drop + 3 while down + 20 from the protocol client, each acked by a receipt
    assert checks["delivered_exactly_once"]["summary"] == "all 25 messages delivered exactly once, in order (25 acked)"
    assert checks["frames_seen"]["summary"].startswith("20 received 'receipt' frames"), checks["frames_seen"]


def test_seeded_chat_bugs_fail_on_the_apps_own_frames(tmp_path):
    """keep_acked re-sends receipted messages after the second drop; no_dedupe stores them again."""
    result = run_cli("run", MESSAGES, "--report", str(tmp_path), "--bugs", "keep_acked,no_dedupe", timeout=120)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    check = next(line for line in lines if "check delivered_exactly_once:" in line)
    assert re.fullmatch(r" +check delivered_exactly_once: 25 messages sent: 5 duplicated, 5 sent again wrongly", check), check
    evidence = (only_run_dir(tmp_path) / "results.json").read_text()
    assert re.search(r"resent after ack: b0 sent message [\w-]+ again at t=[\d.]+s after its ack arrived at t=[\d.]+s",
                     evidence), evidence[:2000]
    # the two messages typed before the first drop are re-sent twice, the three typed while down once
    assert len(re.findall(r"duplicated: msg:b0-post-message-\d+ appears 3 times in the server ledger", evidence)) == 2
    assert len(re.findall(r"duplicated: msg:b0-post-message-\d+ appears 2 times in the server ledger", evidence)) == 3
