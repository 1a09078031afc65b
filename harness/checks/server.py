"""Server-side checks: restarts happened, the server is up, its health document is in bounds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal, Optional

from harness.analysis import scenario_end, server_state_at
from harness.checks.base import Check, CheckResult, RunView, checks
from harness.checks.common import at, dur, plural
from harness.events import JSONObject
from harness.journal import Event
from harness.units import Range


def restarts(run: RunView, name: str = "server") -> list[tuple[Event | None, Event]]:
    """(the stop or exit before it, the proc.start) for every start of `name` after the first,
    up to the end of the steps."""
    out: list[tuple[Event | None, Event]] = []
    end = scenario_end(run.all_events)
    starts = 0
    last_stop: Event | None = None
    for e in run.of_kind("proc.start", "proc.stop", "proc.exit"):
        if e.get("name") != name:
            continue
        if e["kind"] == "proc.start":
            if starts and e["t"] <= end:
                out.append((last_stop, e))
            starts, last_stop = starts + 1, None
        elif last_stop is None:
            last_stop = e
    return out


@checks.register("server_restarts")
@dataclass(frozen=True)
class ServerRestarts(Check):
    """The server was restarted `count` times (any number if unset) and is up when the steps end."""

    primary: ClassVar[str] = "count"  # `- <check>: value` fills this field

    count: Optional[Annotated[int, Range(0, 10_000)]] = None
    up_at_end: bool = True

    def judge(self, run: RunView) -> CheckResult:
        found = restarts(run)
        end = scenario_end(run.all_events)
        evidence = [_describe(i, stop, start) for i, (stop, start) in enumerate(found, start=1)]
        state = server_state_at(run.events, end)
        problems = []
        marks = [start["t"] for _, start in found]
        if self.count is not None and len(found) != self.count:
            problems.append(f"server restarted {plural(len(found), 'time')}, expected {self.count}")
        if self.up_at_end and state != "up":
            problems.append(f"server {state or 'never started'} when the steps ended at {at(end)}, expected up")
            marks.append(_went_down(run, end))
        metrics = {"restarts": len(found), "state_at_end": state}
        if problems:
            return self.result(False, "; ".join(problems), problems + evidence, metrics, marks)
        up = ", up at the end" if self.up_at_end else ""
        return self.result(True, f"server restarted {plural(len(found), 'time')}{up}", evidence, metrics, marks)


def _went_down(run: RunView, end: float, name: str = "server") -> float:
    """When a server not up at the end went down (its last stop, exit or pause before the end of
    the steps: its log there says why); the end of the steps if it never started."""
    downs = [e["t"] for e in run.of_kind("proc.stop", "proc.exit", "proc.pause")
             if e.get("name") == name and e["t"] <= end]
    return downs[-1] if downs else end


def _describe(i: int, stop: Event | None, start: Event) -> str:
    if stop is None:
        return f"restart {i}: started again at {at(start['t'])} with no recorded stop"
    how = stop.get("how") or f"exit code {stop.get('returncode')}"
    return (f"restart {i}: {stop['kind'].split('.')[1]} ({how}) at {at(stop['t'])}, started again at "
            f"{at(start['t'])}, down {dur(start['t'] - stop['t'])}")


@checks.register("server_health")
@dataclass(frozen=True)
class ServerHealth(Check):
    """The last `server.health` document's `field` lies within [min, max]."""

    primary: ClassVar[str] = "field"  # `- server_health: active_connections` fills this field

    field: str
    max: Optional[Annotated[float, Range(-1e15, 1e15)]] = None
    min: Optional[Annotated[float, Range(-1e15, 1e15)]] = None
    at: Literal["end"] = "end"

    def judge(self, run: RunView) -> CheckResult:
        docs = run.of_kind("server.health")
        if not docs:
            return self.result(False, "no server.health in the journal: cannot read the server's health",
                               ["the runner records `server.health` from the target's health endpoint; "
                                "check that the target declares one"])
        last = docs[-1]
        data: JSONObject = last.get("data") or {}
        if self.field not in data:
            known = ", ".join(sorted(data)) or "none"
            return self.result(False, f"server.health has no field {self.field!r}",
                               [f"fields at {at(last['t'])}: {known}"])
        value = data[self.field]
        bounds = " and ".join(b for b in (f">= {self.min:g}" if self.min is not None else "",
                                          f"<= {self.max:g}" if self.max is not None else "") if b)
        line = f"{self.field} = {value} at {at(last['t'])}" + (f", expected {bounds}" if bounds else "")
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and \
            (self.min is None or value >= self.min) and (self.max is None or value <= self.max)
        if not isinstance(value, (int, float)) and bounds:
            line += " (not a number)"
        return self.result(ok or not bounds, f"server health {line}", [line],
                           {self.field: value}, [last["t"]])
