"""`states_shown`: the client's connection state went through the given states in order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from harness.analysis import state_timeline
from harness.checks.base import Check, CheckResult, RunView, checks
from harness.clients import ClientSelector
from harness.checks.common import at, select


def _match(timeline: list[tuple[float, str]], wanted: list[str]) -> tuple[list[float], int]:
    """Greedy subsequence match: times of the matched states, and how many matched."""
    times: list[float] = []
    for t, state in timeline:
        if len(times) < len(wanted) and state == wanted[len(times)]:
            times.append(t)
    return times, len(times)


@checks.register("states_shown")
@dataclass(frozen=True)
class StatesShown(Check):
    """Each selected client showed `states` in this order (other states may come in between)."""

    primary: ClassVar[str] = "states"  # `- <check>: value` fills this field

    states: list[str]
    clients: ClientSelector = "all"

    def judge(self, run: RunView) -> CheckResult:
        names, bad = select(self, run, self.clients)
        if bad:
            return bad
        wanted = " -> ".join(self.states)
        problems: list[str] = []
        evidence: list[str] = []
        for client in names:
            timeline = state_timeline(run.events, client)
            times, matched = _match(timeline, list(self.states))
            shown = " -> ".join(f"{s} ({at(t)})" for t, s in timeline) or "no state recorded"
            if matched < len(self.states):
                after = f" after {self.states[matched - 1]!r} at {at(times[-1])}" if matched else ""
                problems.append(f"{client}: never showed {self.states[matched]!r}{after}; showed {shown}")
            else:
                evidence.append(f"{client}: " + ", ".join(f"{s} at {at(t)}" for s, t in zip(self.states, times)))
        if problems:
            return self.result(False, f"{len(problems)} of {len(names)} clients did not show {wanted}",
                               problems + evidence)
        return self.result(True, f"{', '.join(names)} showed {wanted}", evidence)
