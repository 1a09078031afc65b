"""The journal: every action and observation of a run, one JSON object per line.

The journal is the only truth: checks and reports read nothing else. Every event has
`t` (seconds since the run started, from one monotonic clock) and `kind`; the other fields
depend on the kind (see docs/journal.md). `Journal.events` holds every event in memory at once;
the file is append-only and written in batches: a line reaches the file at most
`flush_interval_s` (200 ms) after its event, and everything is flushed on `close` and at
interpreter exit. A process killed outright (SIGKILL, SIGTERM, the OOM killer) loses at most
the events of that last interval; a truncated last line is skipped by `read_journal`.

Frames are the bulk of a loaded run, so `record_frame` builds a `ws.frame` line without
re-encoding the payload: the frame's own JSON text goes into the line as is. A client that
records many frames on one socket takes `frame_recorder(client, socket, direction)` once and
calls it per frame (the same event and line, with the per-socket work done once).

Observers subscribe through `Journal.subscribe`; a listener is called synchronously, and one
that raises is reported once on stderr and never breaks the run (Locust's event hook idea).

A long run's journal is *streamed* (`Journal(path, streamed=True)`, the soak's): its traffic
(`TRAFFIC_KINDS`: frames, the pages' send stamps, probe readings: most of a run's events, many
per second) goes to the file only, and `events` keeps the rest (steps, faults, sockets, actions,
processes), which grows with the schedule rather than with the hours. Whatever needs the
traffic reads the whole file (`read_all`): the checks and the scenario's numbers are judged from
it in a worker process (`harness.judging`), so the run's own memory stays flat all night.
"""

from __future__ import annotations

import atexit
import json
import sys
import threading
import time
import weakref
from collections import deque
from pathlib import Path
from typing import Callable, Iterable, Iterator

from harness.events import JSON, Event as Event  # re-exported: a journal is a list of Events
from harness.jsontext import encoder
Listener = Callable[[Event], None]
#: `record(type, id, data, raw)`: `Journal.record_frame` bound to one client, socket and direction.
FrameRecorder = Callable[[JSON, JSON, JSON, str | None], Event]

#: The longest a recorded event waits before it is written to the file.
FLUSH_INTERVAL_S = 0.2
#: What a streamed journal writes to its file and does not keep in memory: the run's traffic.
TRAFFIC_KINDS = frozenset({"ws.frame", "ws.sent_at", "probe"})
_open_journals: "weakref.WeakSet[Journal]" = weakref.WeakSet()
_encode = encoder(json.JSONEncoder(default=str, separators=(",", ":")))
_encode_str = json.encoder.encode_basestring_ascii


def _scalar(value: object) -> str:
    """JSON text of one short field: a string (the common case) without building an encoder call."""
    if type(value) is str:
        return _encode_str(value)
    return "null" if value is None else _encode(value)


class Journal:
    """Append-only event log, optionally mirrored to a JSONL file (written in batches)."""

    def __init__(self, path: Path | None = None, clock: Callable[[], float] = time.monotonic,
                 flush_interval_s: float = FLUSH_INTERVAL_S, streamed: bool = False) -> None:
        """`streamed` (with a `path`): traffic events go to the file only (module docstring)."""
        self._clock = clock
        #: Whether `events` leaves out the traffic (then `read_all` has everything).
        self.streamed = streamed and path is not None
        #: Traffic events written to the file and not kept in `events`.
        self.on_disk_only = 0
        self._t0 = clock()
        self.events: list[Event] = []
        self._listeners: list[Listener] = []
        self._broken: set[int] = set()
        self.path = path
        self.flush_interval_s = flush_interval_s
        self._file = None
        self._pending: deque[str] = deque()  # append and popleft are atomic: recording takes no lock
        self._write_lock = threading.Lock()  # one writer at a time, in order
        self._frame_recorders: dict[tuple[str, str | None, str], FrameRecorder] = {}
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._writer: threading.Thread | None = None
        #: Events recorded after `close` (a late callback of a page or socket): not kept, counted.
        self.dropped = 0
        self._closed = False
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")
            self._writer = threading.Thread(target=self._write_loop, name=f"journal {path.name}", daemon=True)
            self._writer.start()
            _open_journals.add(self)

    def now(self) -> float:
        """Seconds since the journal started, on the journal's monotonic clock."""
        return self._clock() - self._t0

    def at(self, moment: float) -> float:
        """A moment of the journal's clock (e.g. `time.monotonic()` when something happened) as
        journal time."""
        return moment - self._t0

    @property
    def closed(self) -> bool:
        return self._closed

    def record(self, kind: str, **fields: JSON) -> Event:
        """Append one event stamped with the current time and return it."""
        event: Event = {"t": round(self.now(), 6), "kind": kind}
        event.update(fields)
        self._append(event, None)
        return event

    def record_built(self, event: Event) -> Event:
        """Append an event a pure producer built as a literal dict with its `kind` (and no `t`),
        stamped with the current time (harness/engineio.py; the events test scans such dicts)."""
        stamped: Event = {"t": round(self.now(), 6), **event}
        self._append(stamped, None)
        return stamped

    def record_frame(self, client: str, socket: str | None, direction: str, type: JSON, id: JSON,
                     data: JSON, raw: str | None = None) -> Event:
        """Append one `ws.frame` event; `raw` is the frame's JSON text when `data` was parsed from it.

        The same event as `record("ws.frame", ...)`; the line reuses `raw` instead of encoding
        `data` again (unless it spans lines, which JSONL cannot hold)."""
        record = self._frame_recorders.get((client, socket, direction))
        if record is None:
            record = self._frame_recorders[(client, socket, direction)] = self.frame_recorder(client, socket, direction)
        return record(type, id, data, raw)

    def frame_recorder(self, client: str, socket: str | None, direction: str) -> FrameRecorder:
        """`record_frame` for one client, socket and direction: `record(type, id, data, raw)`.

        A socket's frames are the hot path of a loaded run, so what is constant per socket (the
        head of its lines) is built once here rather than once per frame."""
        head = (f'{{"kind":"ws.frame","client":{_scalar(client)},"socket":{_scalar(socket)},'
                f'"dir":{_scalar(direction)},"t":')  # key order in a line is free: the constant part first
        clock, t0 = self._clock, self._t0

        def record(type: JSON, id: JSON, data: JSON, raw: str | None = None) -> Event:
            t = round(clock() - t0, 6)
            event: Event = {"t": t, "kind": "ws.frame", "client": client, "socket": socket, "dir": direction,
                            "type": type, "id": id, "data": data}
            if self._closed:
                self.dropped += 1
                return event
            if self.streamed:
                self.on_disk_only += 1
            else:
                self.events.append(event)
            if self._file is not None:
                if raw is None or "\n" in raw or "\r" in raw:
                    line = _encode(event) + "\n"
                else:
                    line = (f'{head}{t!r},"type":{_encode_str(type) if type.__class__ is str else _scalar(type)},'
                            f'"id":{_encode_str(id) if id.__class__ is str else _scalar(id)},"data":{raw}}}\n')
                pending = self._pending  # as in _append, inline: this runs once per frame
                pending.append(line)
                if len(pending) == 1:
                    self._wake.set()
            if self._listeners:
                self._notify_all(event)
            return event

        return record

    def _append(self, event: Event, line: str | None) -> None:
        if self._closed:  # the verdict is written: nothing is added after it, in memory or on disk
            self.dropped += 1
            return
        if self.streamed and event["kind"] in TRAFFIC_KINDS:
            self.on_disk_only += 1
        else:
            self.events.append(event)
        if self._file is not None:
            pending = self._pending
            pending.append(_encode(event) + "\n" if line is None else line)
            if len(pending) == 1:  # the first line of a batch wakes the writer
                self._wake.set()
        if self._listeners:
            self._notify_all(event)

    def _notify_all(self, event: Event) -> None:
        for listener in tuple(self._listeners):
            self._notify(listener, event)

    def _write_loop(self) -> None:
        """Writer thread: after the first pending line, wait the interval, then write the batch."""
        while True:
            self._wake.wait()
            if self._closing.wait(self.flush_interval_s):
                return
            self._wake.clear()
            self.flush()

    def flush(self) -> None:
        """Write every pending line to the file now."""
        with self._write_lock:
            pending, lines = self._pending, []
            while pending:
                lines.append(pending.popleft())
            if lines and self._file is not None:
                self._file.write("".join(lines))
                self._file.flush()

    def read_all(self) -> list[Event]:
        """Every event recorded so far, traffic included: `events` itself, or for a streamed
        journal the file read back (what is pending is written first)."""
        if not self.streamed or self.path is None:
            return self.events
        self.flush()
        return read_journal(self.path)

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
        """Flush and close the file; idempotent. Nothing is recorded after it."""
        self._closed = True
        if self._file is None:
            return
        self._closing.set()
        self._wake.set()
        if self._writer is not None and self._writer is not threading.current_thread():
            self._writer.join(timeout=5.0)
        self.flush()
        with self._write_lock:
            file, self._file = self._file, None
            if file is not None:
                file.close()
        _open_journals.discard(self)

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@atexit.register
def _close_open_journals() -> None:
    for journal in list(_open_journals):
        journal.close()


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
    exact = {k for k in kinds if not k.endswith(".")}
    prefixes = tuple(k for k in kinds if k.endswith("."))
    for e in events:
        k = e.get("kind", "")
        if k in exact or (prefixes and k.startswith(prefixes)):
            yield e
