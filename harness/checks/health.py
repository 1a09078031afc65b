"""`health_alert`: the health monitor degrades, alerts, and recovers around a fault.

A client that failed is marked where its failure is explained: where health came back too late,
else where a limit ran out with the thing still not done (the last fault's end for a level never
reached, the alert's deadline, the clearing deadline), or where the steps ended first (a fault
never lifted cannot clear). A client that passed is marked where health reached the level.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from harness.analysis import (HEALTH_LEVELS, Window, fault_windows, probe_series, scenario_end,
                              server_windows, value_at)
from harness.checks.base import Check, CheckResult, RunView, checks
from harness.clients import ClientSelector
from harness.checks.common import at, capped, dur, limit, select
from harness.events import JSON
from harness.units import Duration

#: Real seconds a probe may lag behind the page (probes are polled).
PROBE_LAG_S = 1.0


def disruptions(run: RunView, client: str) -> list[Window]:
    """Network faults that hit the client, and periods the server was down or paused, that
    began before the steps ended (teardown stops the server; that is no fault)."""
    end = scenario_end(run.all_events)
    out = [Window(f.start, f.end, f"{f.fault} fault {f.fault_id}")
           for f in fault_windows(run.events) if f.hits(client)]
    out += [Window(w.start, w.end, f"server {w.label}") for w in server_windows(run.events)
            if w.label != "up"]
    return sorted((w for w in out if w.start <= end), key=lambda w: w.start)


def alert_count(value: JSON) -> int:
    """How many alerts a probe value holds (a list of alerts or a number)."""
    if isinstance(value, (list, tuple)):
        return len(value)
    return int(value) if isinstance(value, (int, float)) else 0


def _rank(level: object) -> int:
    return HEALTH_LEVELS.index(level) if level in HEALTH_LEVELS else -1


@checks.register("health_alert")
@dataclass(frozen=True)
class HealthAlert(Check):
    """During a fault health reaches at least `level` and an alert is raised; afterwards it clears."""

    primary: ClassVar[str] = "level"  # `- <check>: value` fills this field

    clients: ClientSelector = "all"
    level: Literal["DEGRADED", "UNHEALTHY", "CRITICAL"] = "DEGRADED"
    cleared: bool = True
    within: Duration = Duration(30.0)

    def required_probes(self) -> list[str]:
        return ["health", "alerts"]

    def judge(self, run: RunView) -> CheckResult:
        names, bad = select(self, run, self.clients)
        if bad:
            return bad
        problems: list[str] = []
        evidence: list[str] = []
        marks: list[float] = []
        for client in names:
            lines, ok, t = self._client(run, client)
            (evidence if ok else problems).extend(lines)
            marks += [t] if t is not None else []
        cleared = " and cleared" if self.cleared else ""
        if problems:
            return self.result(False, f"health alert at {self.level}{cleared} not shown by "
                               f"{len({p.split(':')[0] for p in problems})} of {len(names)} clients",
                               capped(problems + evidence), {}, marks)
        return self.result(True, f"{', '.join(names)} reached {self.level}, raised an alert{cleared}",
                           capped(evidence), {}, marks)

    def _client(self, run: RunView, client: str) -> tuple[list[str], bool, float | None]:
        """Evidence lines, whether the client passed, and its moment (see the module docstring)."""
        faults = disruptions(run, client)
        if not faults:
            return [f"{client}: no fault hit it and the server never went down: nothing to alert on"], False, None
        health = probe_series(run.events, client, "health")
        end = scenario_end(run.all_events)
        hit = next(((w, t, v) for w in faults for t, v in health if _rank(v) >= _rank(self.level)
                    and w.start <= t <= (w.end if w.end is not None else end) + PROBE_LAG_S), None)
        if hit is None:
            peak = max((v for _, v in health), key=_rank, default="no health probe")
            spans = ", ".join(f"{w.label} {at(w.start)}" for w in faults)
            last = faults[-1].end if faults[-1].end is not None else end
            return [f"{client}: health never reached {self.level} during a fault (highest {peak}; "
                    f"faults: {spans})"], False, min(last, end)
        w, t, v = hit
        lines = [f"{client}: {v} at {at(t)} during {w.label} ({at(w.start)}..)"]
        alerts = probe_series(run.events, client, "alerts")
        before = alert_count(value_at(alerts, w.start, []))
        stop = (w.end if w.end is not None else end) + run.time.deadline(self.within)
        grew = next(((ta, alert_count(a)) for ta, a in alerts if w.start < ta <= stop and alert_count(a) > before), None)
        if grew is None:
            return (lines + [f"{client}: no new alert after {at(w.start)} (alerts stayed at {before})"],
                    False, min(stop, end))
        lines.append(f"{client}: alerts {before} -> {grew[1]} at {at(grew[0])}")
        if not self.cleared:
            return lines, True, t
        ok, line, moment = self._cleared(run, client, faults, health, end)
        return lines + [line], ok, t if ok else moment

    def _cleared(self, run: RunView, client: str, faults: list[Window],
                 health: list[tuple[float, JSON]], end: float) -> tuple[bool, str, float]:
        """Whether health was HEALTHY again in time, the evidence line, and the moment that shows it."""
        open_ = [w for w in faults if w.end is None]
        if open_:
            return False, f"{client}: {open_[0].label} from {at(open_[0].start)} never ended, so health cannot clear", end
        last = max(w.end for w in faults if w.end is not None)
        deadline = last + run.time.deadline(self.within)
        if value_at(health, last) == "HEALTHY":
            return True, f"{client}: HEALTHY when the last fault ended at {at(last)}", last
        back = next((t for t, v in health if last < t and v == "HEALTHY"), None)
        if back is None or back > deadline:
            seen = f"only at {at(back)}" if back is not None else f"not by {at(end)}"
            return False, (f"{client}: HEALTHY again {seen}; expected within {limit(run, self.within)} "
                           f"of the last fault ending at {at(last)}"), back if back is not None else min(deadline, end)
        return True, f"{client}: HEALTHY again at {at(back)}, {dur(back - last)} after the last fault ended", back
