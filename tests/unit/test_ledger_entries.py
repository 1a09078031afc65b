"""The target's ledger document -> journal entries: keys from the target's templates, ids named `message_id`."""

from __future__ import annotations

from harness.runner import ledger_entries
from harness.target import Ledger


def test_kanban_ledger_entries_get_keys_and_drop_the_payload():
    """The reference app's shape: `entries`, `type`, `message_id`, the key read from the payload."""
    spec = Ledger(url="http://x/ledger", keys={"ticket_notification": "ticket:{payload.ticket.title}"})
    doc = {"entries": [{"seq": 1, "type": "ticket_notification", "message_id": "m-1",
                        "payload": {"ticket": {"title": "T one"}}},
                       {"seq": 2, "type": "other", "message_id": "m-2", "key": "own-key"}]}
    assert ledger_entries(doc, spec) == [
        {"seq": 1, "type": "ticket_notification", "message_id": "m-1", "key": "ticket:T one"},
        {"seq": 2, "type": "other", "message_id": "m-2", "key": "own-key"},
    ]


def test_an_apps_own_field_names_are_mapped():
    """The chat example's shape: `messages`, `kind`, `msgId`; the id is also journaled as `message_id`."""
    spec = Ledger(url="http://x/debug/received", entries="messages", type_field="kind", id_field="msgId",
                  keys={"say": "msg:{text}"})
    doc = {"messages": [{"kind": "say", "msgId": "a1", "text": "hello"}]}
    assert ledger_entries(doc, spec) == [
        {"kind": "say", "msgId": "a1", "text": "hello", "key": "msg:hello", "message_id": "a1"}]


def test_entries_path_can_be_empty_when_the_document_is_the_list():
    spec = Ledger(url="http://x/", entries="", keys={"say": "msg:{text}"})
    assert ledger_entries([{"type": "say", "text": "x"}], spec) == [
        {"type": "say", "text": "x", "key": "msg:x", "message_id": None}]
