"""One pass over a journal, so the analyses read per client and per kind instead of rescanning.

`harness.analysis` asks the same questions of a journal once per client ("b7's probes",
"b7's socket events"); scanning every event for each of 200 clients was most of the time a
check took (20 s of a 50 s, 200-client scenario). `index_of(events)` sorts the events by `t`
once (stably, as the analyses always did) and groups their positions by kind and by
(client, kind); a query for several kinds merges those groups back in journal order.

The index of the last few event lists is kept, keyed by the list itself: the checks of one
run ask about the same `RunView.events` list many times. A list that grew since (a journal
still being written) is indexed again.
"""

from __future__ import annotations

import heapq
from typing import Iterable

from harness.events import JSON
from harness.journal import Event

#: How many event lists keep their index (RunView.events and .all_events, a report's journal).
CACHE_SIZE = 4


class JournalIndex:
    """The events sorted by `t`, with their positions grouped by kind and by (client, kind)."""

    def __init__(self, events: Iterable[Event]) -> None:
        events = list(events)
        self.events: list[Event] = sorted(events, key=lambda e: e.get("t", 0.0))
        self._by_kind: dict[JSON, list[int]] = {}
        self._by_client: dict[tuple[JSON, JSON], list[int]] = {}
        for pos, e in enumerate(self.events):
            kind = e.get("kind")
            self._by_kind.setdefault(kind, []).append(pos)
            client = e.get("client")
            if isinstance(client, str):
                self._by_client.setdefault((client, kind), []).append(pos)
        self.clients_seen: list[str] = _clients_in_order(events)
        #: Answers derived from the whole journal, kept with its index (e.g. `client_names`).
        self.memo: dict[str, object] = {}

    def of(self, client: str | None, *kinds: str) -> list[Event]:
        """Events of these kinds (of one client, or of everyone for None), ordered by `t`."""
        if client is None:
            groups = [self._by_kind.get(k, []) for k in dict.fromkeys(kinds)]
        else:
            groups = [self._by_client.get((client, k), []) for k in dict.fromkeys(kinds)]
        groups = [g for g in groups if g]
        if len(groups) == 1:
            return [self.events[p] for p in groups[0]]
        return [self.events[p] for p in heapq.merge(*groups)]


def _clients_in_order(events: list[Event]) -> list[str]:
    """Every `client` name in the order the journal (as written, not sorted) first mentions it."""
    return list(dict.fromkeys(e["client"] for e in events if isinstance(e.get("client"), str)))


_cache: list[tuple[list[Event], int, Event | None, JournalIndex]] = []


def index_of(events: Iterable[Event]) -> JournalIndex:
    """The index of `events`, built once per list (and again if the list changed length)."""
    if not isinstance(events, list):
        return JournalIndex(events)
    last = events[-1] if events else None
    for held, length, held_last, index in _cache:
        if held is events and length == len(events) and held_last is last:
            return index
    index = JournalIndex(events)
    _cache.insert(0, (events, len(events), last, index))
    del _cache[CACHE_SIZE:]
    return index
