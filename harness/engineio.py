"""Engine.IO (the transport under Socket.IO) read from what a page sent and received. Pure.

A Socket.IO client does not keep one WebSocket: each connection is an Engine.IO *session* that
opens with an HTTP long-polling handshake (`GET /socket.io/?EIO=4&transport=polling`, answered
`0{"sid": ..., "pingInterval": ..., "pingTimeout": ..., "upgrades": ["websocket"]}`), then
usually upgrades to a WebSocket (`...&transport=websocket&sid=...`: `2probe`/`3probe`, then `5`).
The server pings (`2`), the client answers (`3`); either side may close (`1`). Every
reconnection starts with a new handshake. So the app's connection is the session, not a socket.

`EngineTracker` turns the page's reports (its init scripts: each Engine.IO HTTP request with its
body and answer, each Engine.IO WebSocket's attempt, control packets and close, each `close()`
the app called) into the session's story, as journal events:

    eio.attempt    a handshake began (a polling GET without sid, or a WebSocket without sid)
    eio.fail       a handshake failed (refused, an HTTP error, no open packet)
    eio.open       the server opened a session (its sid, transport, ping interval and timeout)
    eio.upgrade    the session moved to a WebSocket
    eio.heartbeat  a ping received or a pong sent, on the session's transport
    eio.close      the session ended, and why: the server closed it, the client closed it or
                   abandoned its transport (a ping timeout: the moment it gave the link up),
                   the server no longer knew it (HTTP 400 after a restart), a transport error

Each event carries the page's clock (`page_t`) of the report it came from. Only Engine.IO 4
payloads (packets separated by `\\x1e`, Socket.IO 3 and 4) are read; binary packets count as
messages.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import NamedTuple

from harness.events import JSON, JSONObject

#: Packet types of Engine.IO 4 by their first character.
OPEN, CLOSE, PING, PONG, MESSAGE, UPGRADE, NOOP = "0", "1", "2", "3", "4", "5", "6"
SEPARATOR = "\x1e"


class Packet(NamedTuple):
    """One Engine.IO packet: its type character and the rest of its text."""

    type: str
    data: str


def parse_payload(body: str) -> list[Packet]:
    """The packets of one HTTP long-polling body (Engine.IO 4: separated by `\\x1e`)."""
    return [Packet(p[0], p[1:]) if p[0] != "b" else Packet(MESSAGE, p) for p in body.split(SEPARATOR) if p]


def query(url: str) -> dict[str, str]:
    """The URL's query as a dict (first value of each name)."""
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).items()}


def is_engineio(url: object) -> bool:
    """Whether a URL is an Engine.IO endpoint (its query names the protocol revision, `EIO=`)."""
    return isinstance(url, str) and "EIO" in query(url)


Event = JSONObject  # `{"kind": ..., "client": ..., fields}` for `Journal.record_built`


@dataclass
class Session:
    """One Engine.IO session as the page lived it."""

    sid: str
    transport: str
    open: bool = True
    socket: JSON = None  # the page's number of the WebSocket carrying it, once upgraded


@dataclass
class _Request:
    method: str
    url: str
    sid: str | None


@dataclass
class EngineTracker:
    """One page's Engine.IO sessions, from its reports (see the module docstring)."""

    client: str
    sessions: dict[str, Session] = field(default_factory=dict)
    requests: dict[JSON, _Request] = field(default_factory=dict)
    sockets: dict[JSON, str | None] = field(default_factory=dict)  # page socket number -> session sid
    fails: int = 0

    def feed(self, report: JSONObject) -> list[Event]:
        """The journal events one page report means (none for most)."""
        kind = report.get("event")
        if kind == "http":
            return self._http(report)
        if not is_engineio(report.get("url")):
            return []
        handler = {"attempt": self._ws_attempt, "eio.ws": self._ws_packet, "closing": self._ws_closing,
                   "close": self._ws_close}.get(str(kind))
        return handler(report) if handler else []

    def lost(self, page_t: float | None) -> list[Event]:
        """The page went away (a reload): its open sessions end with it."""
        out = [self._close(s, "the page unloaded", page_t) for s in self.sessions.values() if s.open]
        self.requests.clear()
        self.sockets.clear()
        return out

    # -- HTTP long-polling -------------------------------------------------------------------
    def _http(self, report: JSONObject) -> list[Event]:
        if report.get("phase") == "start":
            url = str(report.get("url"))
            req = _Request(str(report.get("method")), url, query(url).get("sid"))
            self.requests[report.get("rid")] = req
            if req.sid is None and req.method == "GET":
                return [{"kind": "eio.attempt", "client": self.client, "transport": "polling", "url": url,
                         "page_t": report.get("page_t")}]
            session = self.sessions.get(req.sid or "")
            if session is not None and req.method == "POST" and isinstance(report.get("body"), str):
                return self._packets(session, parse_payload(report["body"]), "sent", report.get("page_t"))
            return []
        ended = self.requests.pop(report.get("rid")) if report.get("rid") in self.requests else None
        if ended is None:
            return []
        if ended.sid is None:
            return self._handshake(ended, report)
        return self._answered(ended, report)

    def _handshake(self, req: _Request, report: JSONObject) -> list[Event]:
        page_t, body = report.get("page_t"), report.get("body")
        packets = parse_payload(body) if report.get("status") == 200 and isinstance(body, str) else []
        if not packets or packets[0].type != OPEN:
            return [self._fail("polling", _why(report), page_t)]
        opened = self._open(packets[0].data, "polling", req.url, page_t)
        if opened is None:
            return [self._fail("polling", "the open packet was not JSON with a sid", page_t)]
        return [opened, *self._packets(self.sessions[opened["session"]], packets[1:], "received", page_t)]

    def _answered(self, req: _Request, report: JSONObject) -> list[Event]:
        """A poll (GET) or a send (POST) on a session came back."""
        session = self.sessions.get(req.sid or "")
        if session is None or not session.open:
            return []
        page_t, status = report.get("page_t"), report.get("status")
        if status == 400:
            return [self._close(session, "the server does not know the session (HTTP 400)", page_t)]
        if status != 200:
            if session.socket is not None or report.get("error") == "abort":
                return []  # upgraded (the old poll ends), or the client ended it itself
            return [self._close(session, f"transport error ({_why(report)})", page_t)]
        body = report.get("body")
        if req.method != "GET" or not isinstance(body, str):
            return []
        return self._packets(session, parse_payload(body), "received", page_t)

    # -- WebSocket ---------------------------------------------------------------------------
    def _ws_attempt(self, report: JSONObject) -> list[Event]:
        url = str(report.get("url"))
        sid = query(url).get("sid")
        self.sockets[report.get("sid")] = sid
        if sid is not None:
            return []  # an upgrade probe of an open session, not a connection attempt
        return [{"kind": "eio.attempt", "client": self.client, "transport": "websocket", "url": url,
                 "page_t": report.get("page_t")}]

    def _ws_packet(self, report: JSONObject) -> list[Event]:
        sock, data, page_t = report.get("sid"), str(report.get("data") or ""), report.get("page_t")
        if not data:
            return []
        sid = self.sockets.get(sock)
        if sid is None and data[0] == OPEN and report.get("dir") == "received":
            opened = self._open(data[1:], "websocket", str(report.get("url")), page_t)
            if opened is not None:
                self.sockets[sock] = opened["session"]
                self.sessions[opened["session"]].socket = sock
                return [opened]
        session = self.sessions.get(sid or "")
        if session is None or not session.open:
            return []
        if data == UPGRADE and report.get("dir") == "sent":
            session.socket, session.transport = sock, "websocket"
            return [{"kind": "eio.upgrade", "client": self.client, "session": session.sid, "transport": "websocket",
                     "page_t": page_t}]
        if session.socket != sock:
            return []  # the probe's own ping/pong (`2probe`, `3probe`)
        return self._packets(session, [Packet(data[0], data[1:])], str(report.get("dir")), page_t)

    def _ws_closing(self, report: JSONObject) -> list[Event]:
        session = self._carried_by(report.get("sid"))
        if session is None:
            return []
        return [self._close(session, "the client closed its transport", report.get("page_t"))]

    def _ws_close(self, report: JSONObject) -> list[Event]:
        sock = report.get("sid")
        if sock in self.sockets and self.sockets[sock] is None:
            del self.sockets[sock]  # a handshake WebSocket that never opened a session
            return [self._fail("websocket", f"the WebSocket closed before the session opened (code "
                                            f"{report.get('code')})", report.get("page_t"))]
        session = self._carried_by(sock)
        if session is None:
            return []
        return [self._close(session, f"transport closed (code {report.get('code')})", report.get("page_t"))]

    def _carried_by(self, sock: JSON) -> Session | None:
        session = self.sessions.get(self.sockets.get(sock) or "")
        return session if session is not None and session.open and session.socket == sock else None

    # -- the session -------------------------------------------------------------------------
    def _open(self, text: str, transport: str, url: str, page_t: JSON) -> Event | None:
        try:
            info = json.loads(text)
        except ValueError:
            return None
        if not isinstance(info, dict) or not isinstance(info.get("sid"), str):
            return None
        self.sessions[info["sid"]] = Session(info["sid"], transport)
        return {"kind": "eio.open", "client": self.client, "session": info["sid"], "transport": transport, "url": url,
                "page_t": page_t, "ping_interval_s": _seconds(info.get("pingInterval")),
                "ping_timeout_s": _seconds(info.get("pingTimeout")),
                "upgrades": [str(u) for u in info.get("upgrades") or []]}

    def _packets(self, session: Session, packets: list[Packet], direction: str, page_t: JSON) -> list[Event]:
        out: list[Event] = []
        for p in packets:
            if not session.open:
                break
            if p.type in (PING, PONG) and not p.data:
                out.append({"kind": "eio.heartbeat", "client": self.client, "session": session.sid,
                            "packet": "ping" if p.type == PING else "pong", "dir": direction,
                            "transport": session.transport, "page_t": page_t})
            elif p.type == CLOSE:
                who = "the server closed the session" if direction == "received" else "the client closed the session"
                out.append(self._close(session, who, page_t))
        return out

    def _close(self, session: Session, reason: str, page_t: JSON) -> Event:
        session.open = False
        return {"kind": "eio.close", "client": self.client, "session": session.sid, "transport": session.transport,
                "reason": reason, "page_t": page_t}

    def _fail(self, transport: str, error: str, page_t: JSON) -> Event:
        self.fails += 1
        return {"kind": "eio.fail", "client": self.client, "transport": transport, "error": error,
                "attempt": self.fails, "page_t": page_t}


def _seconds(ms: JSON) -> float | None:
    return ms / 1000 if isinstance(ms, (int, float)) and not isinstance(ms, bool) else None


def _why(report: JSONObject) -> str:
    """A failed request in words: `refused or unreachable`, `HTTP 502`, `aborted`."""
    error, status = report.get("error"), report.get("status")
    if error == "abort":
        return "aborted by the client"
    if error == "timeout":
        return "timed out"
    if isinstance(status, int) and status > 0:
        return f"HTTP {status}"
    return "no answer (refused, reset or unreachable)"
