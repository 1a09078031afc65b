"""`dead_link`: how long a client keeps saying "connected" on a link that carries nothing.

A blackhole keeps the TCP connection open and passes nothing, so no close tells the page; only
its own heartbeat watchdog can. This check times that, from the socket-level evidence: for each
fault of the named kinds on a client that was connected when it began, the client *noticed* at
the first of: it called close() on its app socket (`ws.closing`: on a dead link the close event
itself may wait minutes for a closing handshake), its app socket closed, it dialled a new socket,
or its state left `connected`.
Noticed only when the fault was removed (Toxiproxy then closes the connections it held), or
never, is not noticing: the time is then at least the fault's length. What the socket received
during the fault is reported, so "nothing passed" is evidence, not an assumption.

It reads the journal only, so it is measured even when an inline `expect` ended the steps early
(the time is then a lower bound, up to the end of the steps).

A failure is marked (`CheckResult.at`: the report's timeline marker and the centre of its
server-log window) at the moment that explains it, not at the fault's start, when nothing has
happened yet: when the client noticed, if it noticed too late (what closed its socket then is
in the logs of that moment); else when the limit ran out with the client still 'connected', or
when the fault or the steps ended, if that came first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Optional

from harness.connection import connection_of
from harness.analysis import CONNECTED, FaultWindow, fault_windows, scenario_end, state_timeline, value_at
from harness.checks.base import Check, CheckResult, RunView, checks
from harness.clients import ClientSelector
from harness.checks.common import FaultName, at, capped, dur, limit, plural, select
from harness.events import JSON, JSONObject
from harness.journal import Event
from harness.units import Duration, Range


@dataclass(frozen=True)
class DeadLink:
    """One client on one dead-link fault: when it noticed (None: not while the fault lasted)."""

    client: str
    fault: FaultWindow
    socket: JSON
    noticed_t: Optional[float]
    how: str               # "its socket closed", "it dialled a new socket", "its state became reconnecting"
    received: int          # frames the socket received during the fault
    until: float           # the fault's end, or the end of the steps

    @property
    def seconds(self) -> float:
        """Time from the fault to noticing it; at least the fault's length when not noticed."""
        return (self.noticed_t if self.noticed_t is not None else self.until) - self.fault.start

    def marker(self, limit_s: float) -> float:
        """The moment a failure of this link is marked at: when the client noticed; else when the
        limit ran out, or the fault or the steps ended first, while it still said 'connected'."""
        if self.noticed_t is not None:
            return self.noticed_t
        return min(self.fault.start + limit_s, self.until)


def dead_links(events: list[Event], client: str, faults: tuple[str, ...] = ("blackhole",)) -> list[DeadLink]:
    """Every fault of the kinds `faults` that hit `client` while it was connected, and when it noticed."""
    end = scenario_end(events)
    states = state_timeline(events, client)
    mine = [e for e in connection_of(events, client, "ws.attempt", "ws.open", "ws.closing", "ws.close", "ws.frame")
            if e.get("t", 0.0) <= end]  # a Socket.IO page's: its sessions, closed when it gave the link up
    out = []
    for fw in fault_windows(events):
        if fw.fault not in faults or not fw.hits(client) or fw.start > end:
            continue
        if value_at(states, fw.start) != CONNECTED:
            continue
        socket = _open_at(mine, fw.start)
        until = min(fw.end, end) if fw.end is not None else end
        noticed, how = _noticed(mine, states, socket, fw.start)
        if noticed is not None and (noticed > until or _by_removal(fw, noticed, how)):
            noticed = None  # closed by the fault's removal (or after the steps): not noticed
        received = sum(1 for e in mine if e["kind"] == "ws.frame" and e.get("socket") == socket
                       and e.get("dir") == "received" and fw.start < e["t"] <= (noticed or until))
        out.append(DeadLink(client, fw, socket, noticed, how, received, until))
    return out


#: Toxiproxy closes the held connections while the revert call runs, so such a close can be
#: journaled a little before the `fault.revert` that is recorded once the call returned.
REMOVAL_GRACE_S = 0.5


def _by_removal(fw: FaultWindow, noticed: float, how: str) -> bool:
    """Whether what looked like noticing is the close that removing the fault caused."""
    if fw.end is None:
        return False
    return noticed >= fw.end or (how == "its socket closed" and noticed >= fw.end - REMOVAL_GRACE_S)


def _open_at(events: list[Event], t: float) -> JSON:
    """The app socket open at time t (the last one opened and not closed by then)."""
    open_now: list[JSON] = []
    for e in events:
        if e["t"] > t:
            break
        if e["kind"] == "ws.open":
            open_now.append(e.get("socket"))
        elif e["kind"] == "ws.close" and e.get("socket") in open_now:
            open_now.remove(e.get("socket"))
    return open_now[-1] if open_now else None


def _noticed(events: list[Event], states: list[tuple[float, str]], socket: JSON,
             start: float) -> tuple[Optional[float], str]:
    """The first sign after `start` that the client gave the link up."""
    signs: list[tuple[float, str]] = []
    for e in events:
        if e["t"] <= start:
            continue
        if e["kind"] == "ws.close" and e.get("socket") == socket:
            signs.append((e["t"], "its socket closed"))
            break
        if e["kind"] == "ws.closing" and e.get("socket") == socket:
            signs.append((e["t"], "it closed its socket"))
            break
        if e["kind"] == "ws.attempt":
            signs.append((e["t"], "it dialled a new socket"))
            break
    left = next(((t, s) for t, s in states if t > start and s != CONNECTED), None)
    if left is not None:
        signs.append((left[0], f"its state became {left[1]}"))
    return min(signs) if signs else (None, "")


@checks.register("dead_link")
@dataclass(frozen=True)
class DeadLinkDetected(Check):
    """Each selected client connected when a `blackhole` (or a fault named in `faults`) began notices within `within`."""

    primary: ClassVar[str] = "within"  # `- dead_link: 10s`

    within: Annotated[Duration, Range("0ms", "24h")] = Duration(10.0)
    clients: ClientSelector = "all"
    faults: list[Annotated[str, FaultName()]] = field(default_factory=lambda: ["blackhole"])

    def __post_init__(self) -> None:
        if not self.faults:
            raise ValueError("dead_link needs at least one fault name in `faults` (default: [blackhole]), "
                             "else it has nothing to time")

    def judge(self, run: RunView) -> CheckResult:
        names, bad = select(self, run, self.clients)
        if bad:
            return bad
        links = [d for c in names for d in dead_links(run.all_events, c, tuple(self.faults))]
        limit_s, lim = run.time.scaled(self.within), limit(run, self.within, deadline=False)
        metrics: JSONObject = {"dead_links": len(links), "limit_s": limit_s,
                                   "detection_s": max((d.seconds for d in links), default=None)}
        if not links:
            return self.result(False, f"no {' or '.join(self.faults)} hit a connected client of "
                               f"{', '.join(names)}: nothing to time", [], metrics)
        late = [d for d in links if d.noticed_t is None or d.seconds > limit_s]
        lines = [_line(d) for d in links]
        if late:
            return self.result(False, _late_summary(late, limit_s, lim), capped(lines), metrics,
                               [d.marker(limit_s) for d in late])
        return self.result(True, f"every dead link noticed within {lim} (slowest {dur(metrics['detection_s'])})",
                           capped(lines), metrics)


def _late_summary(late: list[DeadLink], limit_s: float, lim: str) -> str:
    """What went wrong: longer than the limit, or (a fault or steps shorter than the limit) never noticed."""
    over = [d.seconds for d in late if d.seconds > limit_s]
    unseen = [d.seconds for d in late if d.seconds <= limit_s]  # only links never noticed come here
    parts = [f"longer than {lim} (longest {dur(max(over))})"] if over else []
    if unseen:
        parts.append(f"until the fault or the steps ended without noticing it (longest {dur(max(unseen))})")
    return (f"{plural(len(late), 'client')} stayed 'connected' on a dead link {', or '.join(parts)}"
            + ("" if over else f"; limit {lim}"))


def _line(d: DeadLink) -> str:
    what = f"{d.client}: {d.fault.fault} from {at(d.fault.start)}"
    heard = f"; socket {d.socket} received {plural(d.received, 'frame')} meanwhile"
    if d.noticed_t is not None:
        return f"{what}: noticed at {at(d.noticed_t)} ({d.how}) after {dur(d.seconds)}{heard}"
    ended = (f"the fault ended at {at(d.fault.end)}" if d.fault.end is not None and d.fault.end <= d.until
             else f"the steps ended at {at(d.until)}")
    return f"{what}: still 'connected' when {ended}, at least {dur(d.seconds)}: not noticed{heard}"
