"""Which reply answers a `load` message: the target's `protocol.replies`, else pong for a ping, else the ack type."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from harness.steps.load import reply_type
from harness.target import load_target

ROOT = Path(__file__).resolve().parents[2]


def protocol(**extra):
    messages = {"ticket": {"kind": "ticket_notification"}, "ping": {"kind": "ping"}, "hb": {"kind": "heartbeat"}}
    return SimpleNamespace(**{"messages": messages, "type_field": "kind", "ack_type": "ok", "replies": {}, **extra})


def test_bundled_target_ping_is_answered_by_pong():
    """With the bundled Kanban target, a ping template is answered by pong and a ticket by ack."""
    proto = load_target(ROOT / "targets" / "kanban.yaml").protocol
    assert (reply_type(proto, "ping"), reply_type(proto, "ticket")) == ("pong", "ack")


def test_default_rule_reads_the_type_field():
    """Without `replies`, the template's own type (under the target's type_field) decides."""
    proto = protocol()
    assert [reply_type(proto, n) for n in ("ticket", "ping", "hb")] == ["ok", "pong", "ok"]


def test_target_replies_win():
    """A target's `protocol.replies` names the reply of a template, overriding the defaults."""
    proto = protocol(replies={"hb": "heartbeat_ack", "ping": "ok"})
    assert [reply_type(proto, n) for n in ("ticket", "ping", "hb")] == ["ok", "ok", "heartbeat_ack"]
