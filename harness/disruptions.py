"""What disrupted a client and when it was lifted: faults on its proxy, the server stopped or
paused, the page offline, hidden, asleep or closed. Pure, over a journal.

`disruption_lifted` times a reconnection from when its cause went away; `in_force` says what
still disrupts a client at a moment (and when a timed `for:` will lift it), so a check can tell
"late" from "never given the chance"; `unexpected_exits` names target processes that died with
no step asking.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass

from harness.analysis import _of, fault_windows, scenario_end, server_windows
from harness.events import JSON
from harness.journal import Event


LIFTS = {"online", "visible", "wake", "open"}  # browser events that end a browser-side disruption


#: How long after an injected disruption begins or ends the server's complaints are its
#: consequence (a connection cut under it, the sessions it drops when a fault is lifted).
AFTERMATH_S = 2.0


def injected(events: list[Event]) -> list[tuple[float, float, str]]:
    """(from, to, what): the moments right after the scenario injected a disruption or lifted it
    (network faults; the server stopped or paused by a step), AFTERMATH_S long. What the server
    logs then (a traceback from a connection cut under it) is the injection's consequence, not the
    cause of a failure; what it logs in the quiet middle of a long outage is not excused."""
    end = scenario_end(events)
    edges: list[tuple[float, str]] = []
    for w in fault_windows(events):
        what = f"{w.fault} on {', '.join(w.clients) or 'all'}"
        edges += [(w.start, what)] + ([(w.end, f"end of the {what}")] if w.end is not None and w.end <= end else [])
    stopped = {e["t"] for e in _of(events, None, "proc.stop", "proc.pause") if e.get("name") == "server"}
    for s in server_windows(events):
        if s.label in ("down", "paused") and any(abs(s.start - t) < 0.5 for t in stopped):
            what = f"server {'pause' if s.label == 'paused' else 'stop'}"
            edges += [(s.start, what)] + ([(s.end, f"server start after the {what}")] if s.end is not None else [])
    return sorted((t, t + AFTERMATH_S, what) for t, what in edges)


def disruption_lifted(events: list[Event], client: str, start: float, end: float) -> float | None:
    """When the last cause of a disconnection of `client` between `start` and `end` went away:
    a fault on it reverted, the server ready again, the page back online/visible/awake.
    None when nothing was lifted in that span (the app lost the link on its own)."""
    lifts = [w.end for w in fault_windows(events) if w.end is not None and w.hits(client) and start <= w.end <= end]
    lifts += [e["t"] for e in _of(events, None, "proc.ready") if e.get("name") == "server" and start <= e["t"] <= end]
    lifts += [e["t"] for e in _of(events, client, "browser.event") if e.get("event") in LIFTS and start <= e["t"] <= end]
    return max(lifts, default=None)


#: Browser events that begin a browser-side disruption, and the event that ends each.
DISRUPTS = {"offline": "online", "hidden": "visible", "sleep": "wake", "close": "open"}


@dataclass(frozen=True)
class InForce:
    """A disruption of a client still in force at some moment: what it is, in words, since when,
    and when a timed `for:` will lift it (None: nothing the scenario scheduled will)."""

    what: str
    since: float
    lifts_at: float | None = None


def in_force(events: list[Event], client: str, t: float) -> list[InForce]:
    """Every disruption of `client` in force at `t`: a fault on it not yet reverted, the server
    stopped or paused, the page offline/hidden/asleep/closed."""
    out = []
    timed = timed_reverts(events)
    for w in fault_windows(events):
        if w.hits(client) and w.start <= t and (w.end is None or w.end > t):
            out.append(InForce(f"the {w.fault} fault applied at t={w.start:.1f}s", w.start, timed.get(w.fault_id)))
    server = [w for w in server_windows(events) if w.start <= t]
    if server and server[-1].label != "up":
        how = "paused (SIGSTOP)" if server[-1].label == "paused" else "stopped"
        out.append(InForce(f"the server {how} at t={server[-1].start:.1f}s", server[-1].start))
    last: dict[str, Event] = {}
    for e in _of(events, client, "browser.event"):
        if e["t"] <= t:
            last[_pair(str(e.get("event")))] = e
    for e in last.values():
        if e.get("event") in DISRUPTS:
            out.append(InForce(f"the page {_went(str(e.get('event')))} at t={e['t']:.1f}s", float(e["t"])))
    return out


def _pair(event: str) -> str:
    """A browser event's disruption: `online` and `offline` are one pair."""
    return next((on for on, off in DISRUPTS.items() if event in (on, off)), event)


def _went(event: str) -> str:
    return {"offline": "went offline", "hidden": "was hidden", "sleep": "was put to sleep",
            "close": "was closed"}.get(event, event)


def timed_reverts(events: list[Event]) -> dict[str, float]:
    """fault_id -> when its step's `for:` reverts it (the runner schedules the revert `for_s`
    after the step ends), for every fault a `for:` step applied. A fault belongs to the open
    step of its own name (steps side by side in `parallel:` interleave)."""
    out: dict[str, float] = {}
    open_steps: dict[JSON, Event] = {}
    applied: dict[JSON, list[str]] = {}
    for e in _of(events, None, "step.start", "step.end", "fault.apply"):
        if e["kind"] == "step.start":
            open_steps[e.get("step")] = e
        elif e["kind"] == "fault.apply":
            owner = next((s for s in reversed(open_steps.values()) if s.get("name") == e.get("fault")), None)
            if owner is not None and owner.get("for_s") is not None:
                applied.setdefault(owner.get("step"), []).append(str(e.get("fault_id")))
        else:
            start = open_steps.pop(e.get("step"), None)
            if start is not None and start.get("for_s") is not None:
                out.update((fid, float(e["t"]) + float(start["for_s"])) for fid in applied.pop(e.get("step"), []))
    return out


@dataclass(frozen=True)
class UnexpectedExit:
    """A process of the system under test that exited without a step asking it to."""

    name: str
    pid: int
    returncode: int | None
    t: float

    def sentence(self) -> str:
        """`the app's server (pid 4101) exited with signal 9 (SIGKILL) at t=12.3s, not asked for by any step`."""
        code = self.returncode
        if code is not None and code < 0:
            try:
                how = f"with signal {-code} ({signal.Signals(-code).name})"
            except ValueError:
                how = f"with signal {-code}"
        else:
            how = f"with code {code}"
        who = "the app's server" if self.name == "server" else f"the target's {self.name} process"
        return f"{who} (pid {self.pid}) exited {how} at t={self.t:.1f}s, not asked for by any step"


def _harness_owned(name: str) -> bool:
    """Processes the harness runs for itself, not the target's: Toxiproxy, and a Locust load's
    master and workers (the master exits by itself when the load is over)."""
    return name == "toxiproxy" or name.startswith("locust-")


def unexpected_exits(events: list[Event]) -> list[UnexpectedExit]:
    """Target processes that exited with no `proc.stop` for them first (killed from outside,
    crashed, exited on their own), up to the end of the steps."""
    end = scenario_end(events)
    asked: set[JSON] = set()
    out = []
    for e in _of(events, None, "proc.stop", "proc.exit"):
        if e["kind"] == "proc.stop":
            asked.add(e.get("pid"))
        elif e.get("pid") not in asked and e["t"] <= end and not _harness_owned(str(e.get("name"))):
            out.append(UnexpectedExit(str(e.get("name")), int(e.get("pid") or 0), e.get("returncode"), float(e["t"])))
    return out
