"""SocketTracker: joining Playwright's and the init script's views of a page's sockets (pure logic)."""

from __future__ import annotations

import asyncio

from harness.drivers.ws_tracker import FrameFormat, SocketTracker, frame_fields
from harness.journal import Journal, of_kind

URL = "ws://127.0.0.1:9/ws"


def kinds(journal: Journal) -> list[str]:
    """Event kinds in order."""
    return [e["kind"] for e in journal.events]


def test_frame_fields():
    """JSON objects give type/id; other text is kept, cut to 2000 characters."""
    assert frame_fields('{"type":"ack","id":"m1"}') == {"type": "ack", "id": "m1", "data": {"type": "ack", "id": "m1"}}
    assert frame_fields(b"[1,2]") == {"type": None, "id": None, "data": [1, 2]}
    assert frame_fields("x" * 3000)["data"] == "x" * 2000


def test_frame_fields_follow_the_targets_field_names():
    """An app whose frames say `kind`/`msgId` is journaled with the same `type`/`id` as the kanban app."""
    fmt = FrameFormat(type_field="kind", id_field="msgId")
    assert frame_fields('{"kind":"ack","msgId":"m1","id":7}', fmt) == {
        "type": "ack", "id": "m1", "data": {"kind": "ack", "msgId": "m1", "id": 7}}
    assert frame_fields('{"type":"ack","id":"m1"}', fmt)["type"] is None


def test_refused_attempt_has_no_open_or_close():
    """A socket that never opened is only an attempt in the journal."""
    journal = Journal()
    tracker = SocketTracker("b0", journal)
    tracker.page_event({"event": "attempt", "url": URL, "page_t": 1.0})
    tracker.created(1, URL)
    tracker.page_event({"event": "close", "url": URL, "code": 1006, "reason": "", "page_t": 1.1})
    tracker.playwright_closed(1)
    assert kinds(journal) == ["ws.attempt"]


def test_close_prefers_page_code_and_is_recorded_once():
    """The init script's close code is recorded once even if Playwright reports the end too."""
    journal = Journal()
    tracker = SocketTracker("b0", journal, close_wait_s=0.01)
    tracker.created(1, URL)
    tracker.page_event({"event": "open", "url": URL, "page_t": 1.0})
    tracker.frame(1, "received", '{"type":"connected"}')
    tracker.page_event({"event": "close", "url": URL, "code": 1012, "reason": "restart", "page_t": 2.0})
    tracker.playwright_closed(1)
    assert kinds(journal) == ["ws.open", "ws.frame", "ws.close"]
    close = next(of_kind(journal.events, "ws.close"))
    assert (close["socket"], close["code"], close["reason"]) == ("s1", 1012, "restart")


def test_page_events_before_socket_are_replayed():
    """An init-script open that arrives before Playwright's socket is applied when the socket appears."""
    journal = Journal()
    tracker = SocketTracker("b0", journal)
    tracker.page_event({"event": "open", "url": URL, "page_t": 1.0})
    assert tracker.created(7, URL) == "s1"
    assert kinds(journal) == ["ws.open"]


async def test_playwright_only_close_recorded_without_code():
    """If only Playwright reports the end, ws.close is recorded after the wait, without a code."""
    journal = Journal()
    tracker = SocketTracker("b0", journal, close_wait_s=0.05)
    tracker.created(1, URL)
    tracker.frame(1, "sent", '{"type":"ping","id":"p1"}')  # a frame proves the socket is open
    tracker.playwright_closed(1)
    await asyncio.sleep(0.1)
    close = next(of_kind(journal.events, "ws.close"))
    assert close == {"t": close["t"], "kind": "ws.close", "client": "b0", "socket": "s1"}


async def test_flush_closes_open_sockets():
    """flush() records a close for every socket still open when the client goes away."""
    journal = Journal()
    tracker = SocketTracker("b0", journal)
    tracker.created(1, URL)
    tracker.page_event({"event": "open", "url": URL, "page_t": 1.0})
    await tracker.flush()
    await tracker.flush()
    assert kinds(journal) == ["ws.open", "ws.close"]


def test_sequential_sockets_match_in_order():
    """Reconnects on the same URL are matched in creation order: s1 closes, s2 opens."""
    journal = Journal()
    tracker = SocketTracker("b0", journal)
    tracker.created(1, URL)
    tracker.page_event({"event": "open", "url": URL})
    tracker.page_event({"event": "close", "url": URL, "code": 1006, "reason": ""})
    tracker.created(2, URL)
    tracker.page_event({"event": "open", "url": URL})
    assert [(e["kind"], e["socket"]) for e in journal.events] == [("ws.open", "s1"), ("ws.close", "s1"), ("ws.open", "s2")]
