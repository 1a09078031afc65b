"""A page's Engine.IO sessions journaled as they happen, and its live state following them.

The browser client hands every init-script report here first (`page_event`); the reports about
Engine.IO (its long-polling requests, its WebSockets, the app's `close()` on them) go through
`harness.engineio.EngineTracker`, whose `eio.*` events are recorded at once and drive the
client's `SocketState`: a Socket.IO page is connected while its session is open, on polling or
WebSocket alike, not while some WebSocket is.
"""

from __future__ import annotations

from harness.engineio import EngineTracker, is_engineio
from harness.events import JSONObject
from harness.journal import Journal
from harness.socket_state import SocketState


class EngineObserver:
    """One page's Engine.IO story: journaled `eio.*` events and the live state they mean."""

    def __init__(self, client: str, journal: Journal, state: SocketState | None) -> None:
        self.client = client
        self.journal = journal
        self.state = state
        self.tracker = EngineTracker(client)

    def page_event(self, payload: JSONObject) -> bool:
        """Record what an init-script report means for the sessions; True when it was about
        Engine.IO (the socket state then follows the session, not the socket)."""
        if payload.get("event") != "http" and not is_engineio(payload.get("url")):
            return False
        for event in self.tracker.feed(payload):
            self._record(event)
        return True

    def lost(self) -> None:
        """The page went away (reload, close): its sessions end with it."""
        for event in self.tracker.lost(None):
            self._record(event)

    def _record(self, event: JSONObject) -> None:
        self.journal.record_built(event)
        kind = event["kind"]
        if self.state is None:
            return
        if kind == "eio.attempt":
            self.state.attempt()
        elif kind == "eio.open":
            self.state.opened(("eio", event["session"]))
        elif kind == "eio.close":
            self.state.closed(("eio", event["session"]))
