"""Engine.IO sessions read from canned page reports (harness/engineio.py) and the socket view
the checks read from them (harness/connection.py)."""

from __future__ import annotations

from harness.connection import connection_of
from harness.engineio import EngineTracker, Packet, parse_payload
from harness.events import check_event

BASE = "http://127.0.0.1:4000/socket.io/?EIO=4&transport="
OPEN = '0{"sid":"S1","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'


def http(rid, phase, t, **fields):
    return {"event": "http", "phase": phase, "rid": rid, "page_t": t, **fields}


def feed(tracker, *reports):
    return [e for r in reports for e in tracker.feed(r)]


def kinds(events):
    return [(e["kind"], e.get("reason") or e.get("packet") or e.get("transport")) for e in events]


def opened_on_polling(tracker):
    return feed(tracker, http(1, "start", 10.0, method="GET", url=BASE + "polling&t=a", body=None),
                http(1, "end", 10.1, status=200, body=OPEN + "\x1e" + "40"))


def test_payloads_split_on_the_record_separator():
    """A long-polling body holds several packets; binary ones count as messages."""
    assert parse_payload("2\x1e40\x1ebAQID") == [Packet("2", ""), Packet("4", "0"), Packet("4", "bAQID")]


def test_a_polling_handshake_is_an_attempt_and_opens_a_session():
    """The GET without sid is the attempt; its `0{...}` answer opens the session with its timers."""
    events = opened_on_polling(EngineTracker("b0"))
    assert kinds(events) == [("eio.attempt", "polling"), ("eio.open", "polling")]
    assert (events[1]["session"], events[1]["ping_interval_s"], events[1]["ping_timeout_s"]) == ("S1", 25.0, 20.0)
    assert all(check_event({"t": 1.0, **e}) == [] for e in events)


def test_an_upgrade_moves_the_session_and_the_probe_is_not_an_attempt():
    """The WebSocket with the session's sid is a probe; the client's `5` upgrades the session."""
    tracker = EngineTracker("b0")
    opened_on_polling(tracker)
    ws = BASE + "websocket&sid=S1"
    events = feed(tracker, {"event": "attempt", "url": ws, "sid": 1, "page_t": 10.2},
                  {"event": "eio.ws", "url": ws, "sid": 1, "dir": "sent", "data": "2probe", "page_t": 10.2},
                  {"event": "eio.ws", "url": ws, "sid": 1, "dir": "received", "data": "3probe", "page_t": 10.3},
                  {"event": "eio.ws", "url": ws, "sid": 1, "dir": "sent", "data": "5", "page_t": 10.3},
                  {"event": "eio.ws", "url": ws, "sid": 1, "dir": "received", "data": "2", "page_t": 35.3},
                  {"event": "eio.ws", "url": ws, "sid": 1, "dir": "sent", "data": "3", "page_t": 35.3})
    assert kinds(events) == [("eio.upgrade", "websocket"), ("eio.heartbeat", "ping"), ("eio.heartbeat", "pong")]


def test_the_client_giving_its_websocket_up_closes_the_session_then():
    """A ping timeout is the app's close() on the session's socket, long before the socket's close event."""
    tracker = EngineTracker("b0")
    opened_on_polling(tracker)
    ws = BASE + "websocket&sid=S1"
    feed(tracker, {"event": "attempt", "url": ws, "sid": 1, "page_t": 10.2},
         {"event": "eio.ws", "url": ws, "sid": 1, "dir": "sent", "data": "5", "page_t": 10.3})
    closing = feed(tracker, {"event": "closing", "url": ws, "sid": 1, "page_t": 55.0})
    later = feed(tracker, {"event": "close", "url": ws, "sid": 1, "code": 1006, "page_t": 80.0})
    assert kinds(closing) == [("eio.close", "the client closed its transport")] and closing[0]["page_t"] == 55.0
    assert later == []


def test_a_refused_handshake_fails_and_a_restarted_server_forgets_the_session():
    """A handshake with no answer is `eio.fail`; a poll answered 400 closes the session."""
    tracker = EngineTracker("b0")
    opened_on_polling(tracker)
    events = feed(tracker, http(2, "start", 11.0, method="GET", url=BASE + "polling&t=b&sid=S1", body=None),
                  http(2, "end", 11.5, status=400, body='{"code":1,"message":"Session ID unknown"}'),
                  http(3, "start", 12.0, method="GET", url=BASE + "polling&t=c", body=None),
                  http(3, "end", 12.01, status=0, body="", error="error"))
    assert kinds(events) == [("eio.close", "the server does not know the session (HTTP 400)"),
                             ("eio.attempt", "polling"), ("eio.fail", "polling")]
    assert events[-1]["error"] == "no answer (refused, reset or unreachable)" and events[-1]["attempt"] == 1


def test_server_and_client_close_packets_end_the_session():
    """`1` in a poll's answer is the server's close; `1` in a POST is the client's."""
    tracker = EngineTracker("b0")
    opened_on_polling(tracker)
    server = feed(tracker, http(2, "start", 11.0, method="GET", url=BASE + "polling&sid=S1", body=None),
                  http(2, "end", 11.2, status=200, body="2\x1e1"))
    assert kinds(server) == [("eio.heartbeat", "ping"), ("eio.close", "the server closed the session")]
    other = EngineTracker("b1")
    opened_on_polling(other)
    client = feed(other, http(2, "start", 11.0, method="POST", url=BASE + "polling&sid=S1", body="3\x1e1"))
    assert kinds(client) == [("eio.heartbeat", "pong"), ("eio.close", "the client closed the session")]


def test_checks_read_sessions_as_sockets_and_skip_the_raw_sockets():
    """For a Socket.IO client, attempts, opens and closes come from its sessions; its WebSocket events are left out."""
    tracker = EngineTracker("b0")
    events = [{"t": 0.1, **e} for e in opened_on_polling(tracker)]
    events += [{"t": 0.2, "kind": "ws.attempt", "client": "b0", "url": BASE + "websocket&sid=S1", "page_t": 10.2},
               {"t": 0.3, "kind": "ws.open", "client": "b0", "socket": "s1", "url": BASE + "websocket&sid=S1"}]
    events += [{"t": 5.0, **e} for e in feed(tracker, http(9, "start", 15.0, method="GET", url=BASE + "polling&t=z",
                                                          body=None), http(9, "end", 15.1, status=0, error="error"))]
    view = connection_of(events, "b0", "ws.attempt", "ws.open", "ws.close")
    assert [(e["kind"], e.get("socket")) for e in view] == [
        ("ws.attempt", None), ("ws.open", "S1"), ("ws.attempt", None), ("ws.close", "fail-1")]
    assert view[-1]["page_t"] == 15.1
