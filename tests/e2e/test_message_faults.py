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


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """The four fixtures (reference page and protocol client, chat page, board page) in one run."""
    report = tmp_path_factory.mktemp("message-faults")
    result = run_cli("run", FIXTURES, "--report", str(report), timeout=180)
    assert result.returncode == 0, result.stderr
    return run_dir(report)


def journal(run: Path, scenario: str) -> list[dict]:
    path = run / "scenarios" / scenario / "journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def actions(events: list[dict]) -> list[str]:
    return [e["action"] for e in events if e["kind"] == "message.fault"]


def test_a_page_fault_leaves_no_interception_after_its_for_ends(run):
    """Acks to the reference page dropped for a `for:` window: when it ends the rule is reverted,
    nothing is acted on after it, later acks reach the page (its queue drained, the scenario
    passed), and an injected frame is handed over."""
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


def test_protocol_client_and_the_report(run):
    """A protocol client's ack dropped, one duplicated, a malformed frame injected, its socket closed
    (4000) as the trigger's ack came; every scenario's frames are in the report, marked on the lanes."""
    protocol = journal(run, "mf-kanban-protocol-client")
    assert actions(protocol) == ["dropped", "duplicated", "injected", "closed"]
    assert next(e for e in protocol if e["kind"] == "ws.close")["code"] == 4000
    html = (run / "index.html").read_text()
    assert html.count('<table class="messages">') == 4
    assert '<tr data-action="dropped">' in html and '<tr data-action="closed">' in html
    assert 'data-key="marker:msg_dropped"' in html and 'data-key="marker:msg_closed"' in html


def test_chat_page(run):
    """On the chat app (its own `kind`/`msgId` vocabulary): a lost receipt and a reconnect, late
    receipts, an injected one; the message is stored once."""
    events = journal(run, "mf-chat-lost-receipt")
    assert actions(events)[0] == "closed" and "delayed" in actions(events) and actions(events)[-1] == "injected"
    closed = next(e for e in events if e["kind"] == "message.fault")
    assert (closed["type"], closed["delivered"], closed["code"]) == ("receipt", False, 1006)
    assert next(e for e in events if e["kind"] == "ws.close")["code"] == 1006  # the wire was cut too


def test_board_page(run):
    """On the board app (hard-coded socket URL, a dev server's hot-reload socket beside it): a lost
    receipt and a reconnect, then a receipt overtaken by the next; the hot-reload socket is not routed."""
    events = journal(run, "mf-board-lost-receipt")
    assert actions(events) == ["closed", "held", "released"]
    assert any(e["kind"] == "ws.ignored" for e in events)
