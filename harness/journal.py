"""The journal: every action and observation of a run, one JSON object per line.

The journal is the only truth: checks and reports read nothing else. Every event has
`t` (seconds since the run started, from one monotonic clock) and `kind`; the other fields
depend on the kind (see docs/journal.md). Writing is append-only and flushed per event, so an
interrupted run still leaves a readable journal.

Observers subscribe through `Journal.subscribe`; a listener that raises is reported once on
stderr and never breaks the run (Locust's event hook idea).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

Event = dict[str, Any]
Listener = Callable[[Event], None]


class Journal:
    """Append-only event log, optionally mirrored to a JSONL file."""

    def __init__(self, path: Path | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._t0 = clock()
        self.events: list[Event] = []
        self._listeners: list[Listener] = []
        self._broken: set[int] = set()
        self.path = path
        self._file = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")

    def now(self) -> float:
        """Seconds since the journal started, on the journal's monotonic clock."""
        return self._clock() - self._t0

    def record(self, kind: str, **fields: Any) -> Event:
        """Append one event stamped with the current time and return it."""
        event: Event = {"t": round(self.now(), 6), "kind": kind}
        event.update(fields)
        self.events.append(event)
        if self._file is not None:
            self._file.write(json.dumps(event, default=str, separators=(",", ":")) + "\n")
            self._file.flush()
        for listener in list(self._listeners):
            self._notify(listener, event)
        return event

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(event)` for every new event; returns an unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _notify(self, listener: Listener, event: Event) -> None:
        try:
            listener(event)
        except Exception as exc:  # a broken observer must not break the run
            if id(listener) not in self._broken:
                self._broken.add(id(listener))
                print(f"wschaos: journal listener {listener!r} failed: {exc!r}", file=sys.stderr)

    def close(self) -> None:
        """Flush and close the file; idempotent."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_journal(path: Path) -> list[Event]:
    """Load a JSONL journal; a truncated last line (interrupted run) is ignored."""
    events: list[Event] = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                break
    return events


def of_kind(events: Iterable[Event], *kinds: str) -> Iterator[Event]:
    """Events whose kind is one of `kinds` (prefix match when a kind ends with '.')."""
    for e in events:
        k = e.get("kind", "")
        if any(k == want or (want.endswith(".") and k.startswith(want)) for want in kinds):
            yield e
