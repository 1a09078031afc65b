"""Pure analyses of a journal, shared by the checks and the HTML report.

Everything here takes the journal's event list (see docs/journal.md) and returns plain values:
no I/O, no clocks. Times are journal `t` seconds (wall time since the run started) unless a
name says `page_t`.

A client's *state timeline* comes from its `probe` events (`values.state`); a client without
a state probe (a protocol client, a target with no probes) falls back to its sockets
(`harness.socket_state`: connecting, connected, reconnecting, disconnected), or for a Socket.IO
page to its Engine.IO sessions (`harness.connection`), as do its disconnections and attempts. Its *disconnections* are what that
timeline shows merged with what its sockets show, so a reconnect faster than the probe's
polling interval is still seen.

Every reader goes through `harness.journal_index`: the journal is sorted and grouped once.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from typing import Iterable

from harness.connection import connection_of
from harness.events import JSON, JSONObject, RunStart
from harness.journal import Event
from harness.journal_index import index_of
from harness.socket_state import KINDS as SOCKET_KINDS, socket_timeline

CONNECTED = "connected"
#: States a client enters on purpose; a disconnection ending in one of them is not a failure.
DELIBERATE = frozenset({"disconnected", "closed"})
HEALTH_LEVELS = ("HEALTHY", "DEGRADED", "UNHEALTHY", "CRITICAL")


@dataclass(frozen=True)
class Window:
    """A period of time; `end` is None when it was still going on when the journal ends."""

    start: float
    end: float | None
    label: str
    #: For a disconnection, who saw it: "probe" (the state probe), "socket" (only the socket
    #: events), or "probe+socket". Not part of equality: the period is what a window is.
    source: str = field(default="", compare=False)
    #: For a disconnection only the sockets saw: what they showed, for evidence lines.
    note: str = field(default="", compare=False)

    def duration(self, until: float) -> float:
        """Length of the window, measuring an open one up to `until`."""
        return (self.end if self.end is not None else until) - self.start


@dataclass(frozen=True)
class FaultWindow:
    """One fault from `fault.apply` to its `fault.revert` (end None: never reverted)."""

    fault_id: str
    fault: str
    clients: tuple[str, ...]
    start: float
    end: float | None
    params: JSONObject = field(default_factory=dict, hash=False, compare=False)

    def hits(self, client: str) -> bool:
        return client in self.clients or "all" in self.clients


@dataclass(frozen=True)
class AttemptRun:
    """The connection attempts a client made between losing its connection and regaining it.

    `attempts` are the journal times of the *re*connection attempts (the initial connect of a
    client that never connected is left out); `waits[i]` is the page-clock delay before
    attempt i+1, measured from the failure that preceded it (the previous socket's `ws.close`
    `page_t` when recorded, else the previous attempt's `page_t`), None if unmeasurable.
    """

    client: str
    lost_t: float | None  # None: the client had never connected
    attempts: tuple[float, ...]
    waits: tuple[float | None, ...]
    reconnected_t: float | None
    interrupted: bool = False  # a page reload cut it short


def _of(events: Iterable[Event], client: str | None, *kinds: str) -> list[Event]:
    """Events of these kinds (of one client, or of all for None) in time order, from the index."""
    return index_of(events).of(client, *kinds)


def scenario_end(events: list[Event]) -> float:
    """When the scenario's steps were over: `run.teardown` (the runner's mark after reading the
    ledger and health), else the last `step.end`, else `run.end`, else the last event.
    Teardown (stopping servers, closing clients) comes after it and is not judged."""
    for kinds in (("run.teardown",), ("step.end",), ("run.end",)):
        times = [e["t"] for e in events if e.get("kind") in kinds]
        if times:
            return float(max(times) if kinds == ("step.end",) else times[0])
    return float(max((e.get("t", 0.0) for e in events), default=0.0))


def client_names(events: list[Event]) -> list[str]:
    """Clients declared in `run.start`, then any other client seen in the journal."""
    index = index_of(events)
    held = index.memo.get("client_names")
    if not isinstance(held, list):  # once per journal: a report asks for every client's colour
        names: dict[str, None] = {}
        for e in index.of(None, "run.start"):
            names.update((c.name, None) for c in RunStart.from_event(e).clients)
        names.update((c, None) for c in index.clients_seen)
        held = index.memo["client_names"] = list(names)
    return list(held)


def _append_change(out: list[tuple[float, JSON]], t: float, value: JSON) -> None:
    if not out or out[-1][1] != value:
        out.append((t, value))


def probe_series(events: list[Event], client: str, key: str | tuple[str, ...]) -> list[tuple[float, JSON]]:
    """(t, value) of one probe value each time it changed; missing or null values are skipped.

    `key` may be several names for one value (targets spell it differently): the first name a
    snapshot holds is read."""
    keys = (key,) if isinstance(key, str) else key
    out: list[tuple[float, JSON]] = []
    for e in _of(events, client, "probe"):
        values = e.get("values") or {}
        value = next((values[k] for k in keys if k in values), None)
        if value is not None:
            _append_change(out, e["t"], value)
    return out


def state_timeline(events: list[Event], client: str) -> list[tuple[float, str]]:
    """(t, state) each time the client's connection state changed."""
    out = [(t, str(v)) for t, v in probe_series(events, client, "state")]
    if out:
        return out
    # no state probe: the app socket's lifecycle (a Socket.IO page's: its Engine.IO sessions)
    return socket_timeline(connection_of(events, client, *SOCKET_KINDS))


def value_at(series: list[tuple[float, JSON]], t: float, default: JSON = None) -> JSON:
    """The value a (t, value) series held at time t (the last change at or before t)."""
    current = default
    for when, value in series:
        if when > t:
            break
        current = value
    return current


def disconnections(events: list[Event], client: str) -> list[Window]:
    """Periods the client was not connected, after it first connected: the union of what its
    state probe showed (`probe_disconnections`) and what its sockets showed (`socket_windows`).

    The probe is polled (every 100 ms for the reference target), so a reconnect faster than
    that is only in the socket events; the sockets, in turn, cannot see an app that keeps a
    socket open but says it is offline. Overlapping windows become one, labelled with the
    state the probe saw last in it (`SOCKET_CLOSED` when only the sockets saw it)."""
    return _union(probe_disconnections(events, client), socket_windows(events, client))


def probe_disconnections(events: list[Event], client: str) -> list[Window]:
    """Periods of non-`connected` states in the client's state timeline, after it first connected.

    Consecutive non-connected states form one window; its label is the state the client was
    in when the window ended (reconnecting, offline, failed, disconnected, ...)."""
    windows: list[Window] = []
    start: float | None = None
    label = ""
    seen_connected = False
    for t, state in state_timeline(events, client):
        if state == CONNECTED:
            if start is not None:
                windows.append(Window(start, t, label, "probe"))
                start = None
            seen_connected = True
        elif seen_connected:
            start = t if start is None else start
            label = state
    if start is not None:
        windows.append(Window(start, None, label, "probe"))
    return windows


#: The label of a disconnection only the socket events saw (it is not a state the app showed).
SOCKET_CLOSED = "socket closed"
#: The label of a socket window that began while the page or client was closed on purpose.
PAGE_CLOSED = "closed"


def app_socket_events(events: list[Event], client: str) -> list[Event]:
    """The client's `ws.open`/`ws.close` of its app sockets, with its `client.close` and
    `browser.event` (for page closes). The app's sockets are the ones that went through the
    client's Toxiproxy listener (`proxy.create`); without a match, every socket counts."""
    found = connection_of(events, client, "ws.open", "ws.close", "client.close", "browser.event")
    listens = {str(e.get("listen")) for e in _of(events, client, "proxy.create") if e.get("listen")}
    app = {e.get("socket") for e in found if e["kind"] == "ws.open" and _netloc(e.get("url")) in listens}
    if not app:
        return found
    return [e for e in found if not e["kind"].startswith("ws.") or e.get("socket") in app]


def _netloc(url: object) -> str:
    return urllib.parse.urlsplit(url).netloc if isinstance(url, str) else ""


def socket_windows(events: list[Event], client: str) -> list[Window]:
    """Periods, after the client's first socket opened, when none of its app sockets was open:
    from the close of the last open one to the next `ws.open`. Labelled `SOCKET_CLOSED`, or
    `PAGE_CLOSED` when the scenario had closed the page or client (a deliberate end)."""
    windows: list[Window] = []
    open_now: set[JSON] = set()
    closed_on_purpose = False
    lost: Event | None = None  # the ws.close that left no socket open
    label = SOCKET_CLOSED
    for e in app_socket_events(events, client):
        kind = e["kind"]
        if kind == "ws.open":
            if lost is not None:
                windows.append(Window(lost["t"], e["t"], label, "socket", _socket_note(lost, e)))
            open_now.add(e.get("socket"))
            lost, closed_on_purpose = None, False
        elif kind == "ws.close" and e.get("socket") in open_now:
            open_now.discard(e.get("socket"))
            if not open_now:
                lost, label = e, (PAGE_CLOSED if closed_on_purpose else SOCKET_CLOSED)
        elif kind == "client.close" or (kind == "browser.event" and e.get("event") == "close"):
            closed_on_purpose = True
            label = PAGE_CLOSED if lost is not None else label
    if lost is not None:
        windows.append(Window(lost["t"], None, label, "socket", _socket_note(lost, None)))
    return windows


def _socket_note(close: Event, reopen: Event | None) -> str:
    """What the sockets showed, e.g. `socket closed 1006 at t=12.4s, reopened at t=12.47s`."""
    code = close.get("code")
    closed = f"socket closed {code}" if code is not None else "socket closed (no close code)"
    again = f"reopened at {_precise_t(reopen['t'])}" if reopen is not None else "not reopened"
    return f"{closed} at {_precise_t(close['t'])}, {again}"


def _precise_t(t: float) -> str:
    """A journal time to 10 ms, for windows shorter than the probe interval: `t=12.47s`, `t=12.4s`."""
    text = f"{t:.2f}"
    return f"t={text[:-1] if text.endswith('0') else text}s"


def _union(probe: list[Window], sockets: list[Window]) -> list[Window]:
    """Overlapping (or touching) windows merged, in time order."""
    groups: list[list[Window]] = []
    reach: float | None = None  # where the current group ends (None: open-ended)
    for w in sorted(probe + sockets, key=lambda w: w.start):
        if groups and (reach is None or w.start <= reach):
            groups[-1].append(w)
            reach = None if reach is None or w.end is None else max(reach, w.end)
        else:
            groups.append([w])
            reach = w.end
    return [_merged(g) for g in groups]


def _merged(group: list[Window]) -> Window:
    ends = [w.end for w in group]
    end = None if None in ends else max(e for e in ends if e is not None)
    seen_by = [w for w in group if w.source == "probe"]
    if not seen_by:
        last = group[-1]
        note = "; ".join(w.note for w in group) + "; the state probe did not see it"
        return Window(group[0].start, end, last.label, "socket", note)
    source = "probe" if len(seen_by) == len(group) else "probe+socket"
    return Window(group[0].start, end, seen_by[-1].label, source)


def reconnect_times(events: list[Event], clients: Iterable[str] | None = None) -> list[float]:
    """Durations (wall seconds) of every completed disconnection of the given clients."""
    names = client_names(events) if clients is None else list(clients)
    return [w.end - w.start for c in names for w in disconnections(events, c) if w.end is not None]


def fault_windows(events: list[Event]) -> list[FaultWindow]:
    """Every applied fault paired with its revert by `fault_id`, in order of application."""
    ends = {e.get("fault_id"): e["t"] for e in _of(events, None, "fault.revert")}
    out = []
    for e in _of(events, None, "fault.apply"):
        clients = e.get("clients") or []
        clients = (clients,) if isinstance(clients, str) else tuple(clients)
        out.append(FaultWindow(str(e.get("fault_id")), str(e.get("fault")), clients, e["t"],
                               ends.get(e.get("fault_id")), dict(e.get("params") or {})))
    return out


_PROC_STATES = {"proc.start": "up", "proc.resume": "up", "proc.pause": "paused",
                "proc.stop": "down", "proc.exit": "down"}


def server_windows(events: list[Event], name: str = "server") -> list[Window]:
    """Contiguous up/down/paused periods of one process, from its `proc.*` events."""
    windows: list[Window] = []
    for e in _of(events, None, *_PROC_STATES):
        if e.get("name") != name:
            continue
        label = _PROC_STATES[e["kind"]]
        if windows and windows[-1].label == label:
            continue
        if windows:
            windows[-1] = Window(windows[-1].start, e["t"], windows[-1].label)
        windows.append(Window(e["t"], None, label))
    return windows


def server_state_at(events: list[Event], t: float, name: str = "server") -> str | None:
    """up/down/paused at time t, or None before the process was first started."""
    state = None
    for w in server_windows(events, name):
        if w.start <= t:
            state = w.label
    return state


@dataclass
class _RunBuilder:
    client: str
    lost_t: float | None
    attempts: list[float] = field(default_factory=list)
    waits: list[float | None] = field(default_factory=list)
    mark: float | None = None  # page_t the next wait is measured from
    skip_first: bool = False  # the initial connect is not a reconnection attempt

    def attempt(self, t: float, page_t: float | None) -> None:
        if self.skip_first:
            self.skip_first = False
        else:
            wait = page_t - self.mark if page_t is not None and self.mark is not None else None
            self.attempts.append(t)
            self.waits.append(wait)
        self.mark = page_t

    def done(self, reconnected_t: float | None, interrupted: bool = False) -> AttemptRun:
        return AttemptRun(self.client, self.lost_t, tuple(self.attempts), tuple(self.waits),
                          reconnected_t, interrupted)


def attempt_runs(events: list[Event], client: str) -> list[AttemptRun]:
    """The client's reconnection attempts grouped by disconnection, from its socket events."""
    runs: list[AttemptRun] = []
    current: _RunBuilder | None = None
    connected = False
    for e in connection_of(events, client, "ws.attempt", "ws.open", "ws.close", "browser.event"):
        kind = e["kind"]
        if kind == "ws.open":
            if current is not None and (current.attempts or current.lost_t is not None):
                runs.append(current.done(e["t"]))  # (a first connect at once is no disconnection)
            current, connected = None, True
        elif kind == "ws.close" and connected:
            current, connected = _RunBuilder(client, e["t"], mark=e.get("page_t")), False
        elif kind == "ws.close" and current is not None and e.get("page_t") is not None:
            current.mark = e["page_t"]  # a failed attempt: the next delay starts here
        elif kind == "ws.attempt" and not connected:
            if current is None:
                current = _RunBuilder(client, None, skip_first=True)
            current.attempt(e["t"], e.get("page_t"))
        elif kind == "browser.event" and e.get("event") == "reload":
            if current is not None:
                runs.append(current.done(None, interrupted=True))
            current, connected = None, False
    if current is not None:
        runs.append(current.done(None))
    return runs


def run_start(events: list[Event]) -> RunStart:
    """The journal's first `run.start`, typed; parsed once per journal (kept with its index)."""
    index = index_of(events)
    held = index.memo.get("run_start")
    if not isinstance(held, RunStart):
        held = index.memo["run_start"] = RunStart.from_event(next(iter(index.of(None, "run.start")), None))
    return held


def ack_type_of(events: list[Event]) -> str:
    """The `type` of the target's ack frames, from `run.start` (`ack` for older journals)."""
    return run_start(events).ack_type
