"""Message faults on the real thing: a page's socket in each bundled app (reference, chat, board),
routed through Playwright, and protocol clients; what they acted on is in the journal and the
report, and nothing of a fault is left once its `for:` ended."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_process import run_cli

pytestmark = pytest.mark.e2e

FIXTURES = "tests/fixtures/message-faults"


def run_dir(report: Path) -> Path:
    (found,) = [p for p in report.iterdir() if p.is_dir()]
    return found


def journal(run: Path, scenario: str) -> list[dict]:
    path = run / "scenarios" / scenario / "journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def actions(events: list[dict]) -> list[str]:
    return [e["action"] for e in events if e["kind"] == "message.fault"]


def test_reference_page_and_protocol_client(tmp_path):
    """On the reference app: a page's acks dropped for a window, then none touched; a protocol
    client's ack dropped, duplicated, a malformed frame injected and its socket closed (4000)."""
    result = run_cli("run", f"{FIXTURES}/kanban-page.yaml", f"{FIXTURES}/kanban-protocol.yaml",
                     "--report", str(tmp_path), timeout=120)
    assert result.returncode == 0, result.stderr
    run = run_dir(tmp_path)
    page = journal(run, "mf-kanban-drop-window-ends")
    (end,) = [e for e in page if e["kind"] == "message.rule_end"]
    assert end["why"] == "reverted"
    acted = [e for e in page if e["kind"] == "message.fault" and e["fault"] == "drop"]
    assert acted and all(e["action"] == "dropped" and e["t"] <= end["t"] for e in acted)
    teardown = next(e["t"] for e in page if e["kind"] == "run.teardown")
    later_acks = [e for e in page if e["kind"] == "ws.frame" and e["dir"] == "received" and e["type"] == "ack"
                  and end["t"] < e["t"] < teardown]
    assert later_acks, "no ack reached the page after the fault's window"
    assert actions(page)[-1] == "injected"
    protocol = journal(run, "mf-kanban-protocol-client")
    assert actions(protocol) == ["dropped", "duplicated", "injected", "closed"]
    assert next(e for e in protocol if e["kind"] == "ws.close")["code"] == 4000
    html = (run / "index.html").read_text()
    assert html.count('<table class="messages">') == 2
    assert '<tr data-action="dropped">' in html and '<tr data-action="closed">' in html
    assert 'data-key="marker:msg_dropped"' in html and 'data-key="marker:msg_closed"' in html


def test_chat_page(tmp_path):
    """On the chat app (its own `kind`/`msgId` vocabulary): a lost receipt and a reconnect, late
    receipts, an injected one; the message is stored once."""
    result = run_cli("run", "--target", "examples/chat/targets/chat.yaml", f"{FIXTURES}/chat-page.yaml",
                     "--report", str(tmp_path), timeout=120)
    assert result.returncode == 0, result.stderr
    events = journal(run_dir(tmp_path), "mf-chat-lost-receipt")
    assert actions(events)[0] == "closed" and "delayed" in actions(events) and actions(events)[-1] == "injected"
    closed = next(e for e in events if e["kind"] == "message.fault")
    assert (closed["type"], closed["delivered"], closed["code"]) == ("receipt", False, 1006)
    assert next(e for e in events if e["kind"] == "ws.close")["code"] == 1006  # the wire was cut too


def test_board_page(tmp_path):
    """On the board app (hard-coded socket URL, a dev server's hot-reload socket beside it): a lost
    receipt and a reconnect, then a receipt overtaken by the next; the hot-reload socket is not routed."""
    result = run_cli("run", "--target", "examples/board/targets/board.yaml", f"{FIXTURES}/board-page.yaml",
                     "--report", str(tmp_path), timeout=120)
    assert result.returncode == 0, result.stderr
    events = journal(run_dir(tmp_path), "mf-board-lost-receipt")
    assert actions(events) == ["closed", "held", "released"]
    assert any(e["kind"] == "ws.ignored" for e in events)
