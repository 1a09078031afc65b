"""Connection state derived from the app socket's lifecycle, for a target with no state probe.

The words are the ones a state probe uses, so a scenario written against probes runs unchanged
on a target that declares none:

    connecting     the page has tried to open its first socket, none is open yet
    connected      an app socket is open
    reconnecting   the page had a socket (or tried one) and none is open now, or it dialled a
                   new one (it gave the open one up)
    disconnected   the scenario closed the page or the client (a deliberate end)

A socket cannot say that the app gave up (`failed`): after its last attempt a page that stopped
trying still reads `reconnecting`. `SocketState` is fed live by the browser driver (from the
init script's reports, for `expect: {state: ...}`) and, by `socket_timeline`, from a journal
(for the checks and the report), so both read the same rules.
"""

from __future__ import annotations

from typing import Hashable, Iterable

from harness.events import JSONObject

CONNECTING, CONNECTED, RECONNECTING, DISCONNECTED = "connecting", "connected", "reconnecting", "disconnected"


class SocketState:
    """One client's state from its app sockets: `attempt`, `opened`, `closed`, `ended`."""

    def __init__(self) -> None:
        self.state: str | None = None  # before the first attempt: nothing to say
        self._open: set[Hashable] = set()

    def attempt(self) -> str | None:
        """A new connection attempt. One made while a socket is still open means the app gave
        that socket up (a heartbeat timeout on a dead link, whose close can take a minute)."""
        self._open.clear()
        self.state = CONNECTING if self.state in (None, CONNECTING) else RECONNECTING
        return self.state

    def opened(self, socket: Hashable) -> str | None:
        self._open.add(socket)
        self.state = CONNECTED
        return self.state

    def closed(self, socket: Hashable) -> str | None:
        """A socket closed; one that never opened (a refused attempt) changes nothing."""
        if socket in self._open:
            self._open.discard(socket)
            if not self._open:
                self.state = RECONNECTING
        return self.state

    def lost(self) -> str | None:
        """The page went away with its sockets (a reload): reconnecting until it opens one again."""
        if self._open:
            self._open.clear()
            self.state = RECONNECTING
        return self.state

    def ended(self) -> str | None:
        self._open.clear()
        self.state = DISCONNECTED
        return self.state


#: The journal events `socket_timeline` reads.
KINDS = ("ws.attempt", "ws.open", "ws.close", "client.close", "browser.event")


def socket_timeline(events: Iterable[JSONObject]) -> list[tuple[float, str]]:
    """(t, state) each time the state changed, from one client's events in time order."""
    machine = SocketState()
    out: list[tuple[float, str]] = []
    for e in events:
        kind = e.get("kind")
        if kind == "ws.attempt":
            state = machine.attempt()
        elif kind == "ws.open":
            state = machine.opened(e.get("socket"))
        elif kind == "ws.close":
            state = machine.closed(e.get("socket"))
        elif kind == "client.close" or (kind == "browser.event" and e.get("event") == "close"):
            state = machine.ended()
        else:
            continue
        if state is not None and (not out or out[-1][1] != state):
            out.append((e["t"], state))
    return out
