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


def test_the_app_calling_close_is_journaled_with_its_socket():
    """close() on an open socket is `ws.closing` at once, named by the socket's id, before any close event."""
    journal = Journal()
    tracker = SocketTracker("b0", journal)
    tracker.created(1, URL)
    tracker.page_event({"event": "open", "url": URL, "sid": 1, "page_t": 1.0})
    tracker.page_event({"event": "closing", "url": URL, "sid": 1, "code": 4000, "reason": "pong timeout",
                        "page_t": 2.0})
    assert kinds(journal) == ["ws.open", "ws.closing"]
    closing = next(of_kind(journal.events, "ws.closing"))
    assert (closing["socket"], closing["code"], closing["reason"]) == ("s1", 4000, "pong timeout")


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


def sent_at(journal: Journal) -> list[tuple[str, int, float]]:
    """(socket, n, page_t) of every ws.sent_at, in order."""
    return [(e["socket"], e["n"], e["page_t"]) for e in of_kind(journal.events, "ws.sent_at")]


def test_sends_are_journaled_on_the_socket_their_open_matched():
    """A page `send` report becomes ws.sent_at with the journal socket id, its n and the page's clock."""
    journal = Journal()
    tracker = SocketTracker("b0", journal)
    tracker.created(1, URL)
    tracker.page_event({"event": "open", "url": URL, "sid": 1, "page_t": 100.0})
    tracker.page_event({"event": "send", "url": URL, "sid": 1, "n": 1, "page_t": 100.5})
    tracker.page_event({"event": "send", "url": URL, "sid": 1, "n": 2, "page_t": 102.0})
    assert kinds(journal) == ["ws.open", "ws.sent_at", "ws.sent_at"]
    assert sent_at(journal) == [("s1", 1, 100.5), ("s1", 2, 102.0)]
    assert next(of_kind(journal.events, "ws.sent_at")) == {
        "t": journal.events[1]["t"], "kind": "ws.sent_at", "client": "b0", "socket": "s1", "n": 1, "page_t": 100.5}


def test_sends_before_their_socket_are_replayed_after_its_open():
    """Reports that arrive before Playwright's socket wait for it, then follow their open."""
    journal = Journal()
    tracker = SocketTracker("b0", journal)
    tracker.page_event({"event": "open", "url": URL, "sid": 1, "page_t": 100.0})
    tracker.page_event({"event": "send", "url": URL, "sid": 1, "n": 1, "page_t": 100.5})
    assert kinds(journal) == []
    tracker.created(7, URL)
    assert kinds(journal) == ["ws.open", "ws.sent_at"]
    assert sent_at(journal) == [("s1", 1, 100.5)]


def test_sends_go_to_the_newer_socket_before_the_older_ones_close_is_reported():
    """The app dials s2 while s1 is still closing: s2's sends are stamped on s2, not on s1."""
    journal = Journal()
    tracker = SocketTracker("b0", journal)
    tracker.created(1, URL)
    tracker.page_event({"event": "open", "url": URL, "sid": 1, "page_t": 100.0})
    tracker.created(2, URL)
    tracker.page_event({"event": "open", "url": URL, "sid": 2, "page_t": 101.0})
    tracker.page_event({"event": "send", "url": URL, "sid": 2, "n": 1, "page_t": 101.1})
    tracker.page_event({"event": "send", "url": URL, "sid": 1, "n": 3, "page_t": 101.2})
    assert sent_at(journal) == [("s2", 1, 101.1), ("s1", 3, 101.2)]


def test_sends_after_a_reload_wait_for_the_new_pages_socket():
    """A reloaded page numbers its sockets from 1 again: its sends never land on the old socket."""
    journal = Journal()
    tracker = SocketTracker("b0", journal)
    tracker.created(1, URL)
    tracker.page_event({"event": "open", "url": URL, "sid": 1, "page_t": 100.0})
    tracker.page_event({"event": "open", "url": URL, "sid": 1, "page_t": 110.0})  # new page, no socket yet
    tracker.page_event({"event": "send", "url": URL, "sid": 1, "n": 1, "page_t": 110.5})
    assert sent_at(journal) == []
    tracker.created(2, URL)
    assert sent_at(journal) == [("s2", 1, 110.5)]
