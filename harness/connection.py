"""A client's connection as the checks read it: its app sockets, or its Engine.IO sessions.

Checks and analyses speak the vocabulary of sockets: an attempt (`ws.attempt`), an open
(`ws.open`), a close (`ws.close`), frames (`ws.frame`). For a plain WebSocket app that is the
journal itself. For a Socket.IO page (`eio.*` events, harness/engineio.py) the app's connection
is the Engine.IO session, on long-polling or WebSocket, and its WebSockets are only transports
(an upgrade is not a reconnection, a probe that fails is not a disconnection). So for such a
client, `connection_of` answers the socket vocabulary from the sessions instead:

    eio.attempt    -> ws.attempt  (every handshake, polling included, with the page's clock)
    eio.open       -> ws.open     (socket = the session's sid)
    eio.close      -> ws.close    (the moment the session ended, e.g. the client gave a dead link up)
    eio.fail       -> ws.close    of a socket that never opened (`fail-<n>`): a failed attempt, where
                                  the next backoff delay starts
    eio.heartbeat  -> ws.frame    (`type` ping or pong, `dir` as the client saw it, with `page_t`)

and its raw `ws.attempt`/`ws.open`/`ws.close`/`ws.frame`/`ws.sent_at` are left out. Every other
event passes through. Pure; the translated list is built once per client and journal.
"""

from __future__ import annotations

from typing import Iterable

from harness.events import JSONObject
from harness.journal import Event
from harness.journal_index import index_of

#: The socket vocabulary a session stands in for.
SOCKET_KINDS = ("ws.attempt", "ws.open", "ws.close", "ws.frame", "ws.sent_at")
ENGINE_KINDS = ("eio.attempt", "eio.open", "eio.close", "eio.fail", "eio.heartbeat")


def has_sessions(events: Iterable[Event], client: str) -> bool:
    """Whether the client's page spoke Engine.IO (a handshake was seen)."""
    return bool(index_of(events).of(client, "eio.attempt", "eio.open"))


def connection_of(events: Iterable[Event], client: str, *kinds: str) -> list[Event]:
    """The client's events of these kinds in time order, the socket kinds answered from its
    Engine.IO sessions when it has any."""
    index = index_of(events)
    if not has_sessions(index.events, client) or not any(k in SOCKET_KINDS for k in kinds):
        return index.of(client, *kinds)
    key = f"connection:{client}"
    view = index.memo.get(key)
    if not isinstance(view, list):
        view = index.memo[key] = translate(index.of(client, *ENGINE_KINDS))
    wanted = set(kinds)
    others = index.of(client, *(k for k in kinds if k not in SOCKET_KINDS))
    mine = [e for e in view if e["kind"] in wanted]
    return sorted(others + mine, key=lambda e: e.get("t", 0.0))


def translate(sessions: list[Event]) -> list[Event]:
    """The socket events a client's `eio.*` events stand for (see the module docstring)."""
    out: list[Event] = []
    for e in sessions:
        base: JSONObject = {"t": e["t"], "client": e.get("client")}
        kind = e["kind"]
        if kind == "eio.attempt":
            out.append({**base, "kind": "ws.attempt", "url": e.get("url"), "page_t": e.get("page_t")})
        elif kind == "eio.open":
            out.append({**base, "kind": "ws.open", "socket": e.get("session"), "url": e.get("url")})
        elif kind == "eio.close":
            out.append({**base, "kind": "ws.close", "socket": e.get("session"), "reason": e.get("reason"),
                        "page_t": e.get("page_t")})
        elif kind == "eio.fail":
            out.append({**base, "kind": "ws.close", "socket": f"fail-{e.get('attempt')}", "reason": e.get("error"),
                        "page_t": e.get("page_t")})
        elif kind == "eio.heartbeat":
            out.append({**base, "kind": "ws.frame", "socket": e.get("session"), "dir": e.get("dir"),
                        "type": e.get("packet"), "id": None, "data": e.get("packet"), "page_t": e.get("page_t")})
    return out
