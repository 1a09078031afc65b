"""`load_replies`: every message a `load` step sent was answered, whichever engine generated it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Optional

from harness.checks.base import Check, CheckResult, RunView, checks
from harness.checks.common import at, plural
from harness.events import JSONObject
from harness.journal import Event
from harness.units import Duration, Range


@checks.register("load_replies")
@dataclass(frozen=True)
class LoadReplies(Check):
    """Every `load` step got at least `min_answered` (a share, 1.0 = all) of its messages answered, at most `max_failed_connects` connections failed, and (if set) its 95th percentile round trip stayed within `rtt_p95`."""

    min_answered: Annotated[float, Range(0.0, 1.0)] = 1.0
    max_failed_connects: Annotated[int, Range(0, 10_000_000)] = 0
    rtt_p95: Optional[Duration] = None

    def judge(self, run: RunView) -> CheckResult:
        loads = run.of_kind("load.summary")
        if not loads:
            return self.not_judged("no load step ran to its summary: nothing to judge",
                                   ["add a `load` step (or see why the one there did not end)"])
        problems, lines = [], []
        for e in loads:
            line, bad = self._one(e)
            lines.append(line)
            problems += bad
        sent = sum(int(e.get("sent") or 0) for e in loads)
        answered = sum(int(e.get("acked") or 0) for e in loads)
        metrics: JSONObject = {"sent": sent, "answered": answered,
                               "failed_connects": sum(int(e.get("failed_connects") or 0) for e in loads),
                               "rtt_p95_ms": max((float(e["rtt_p95_ms"]) for e in loads if e.get("rtt_p95_ms") is not None),
                                                 default=None)}
        marks = [e["t"] for e in loads]
        if problems:
            return self.result(False, "; ".join(problems), lines, metrics, marks)
        return self.result(True, f"{plural(answered, 'message')} of {sent} answered in "
                                 f"{plural(len(loads), 'load step')}", lines, metrics, marks)

    def _one(self, e: Event) -> tuple[str, list[str]]:
        """(evidence line, problems) of one load step's summary."""
        sent, answered = int(e.get("sent") or 0), int(e.get("acked") or 0)
        failed, engine = int(e.get("failed_connects") or 0), e.get("engine") or "inprocess"
        p95 = e.get("rtt_p95_ms")
        where = f"load of {e.get('group')} ({engine}) at {at(e['t'])}"
        line = (f"{where}: {answered}/{sent} answered, {failed} failed connection(s), {e.get('errors', 0)} "
                f"client(s) with errors" + (f", round trip p95 {p95:g} ms" if isinstance(p95, (int, float)) else ""))
        problems = []
        if sent == 0:
            problems.append(f"{where}: sent nothing")
        elif answered < self.min_answered * sent:
            problems.append(f"{where}: {answered} of {sent} messages answered ({answered / sent:.1%}), "
                            f"expected at least {self.min_answered:.0%}")
        if failed > self.max_failed_connects:
            problems.append(f"{where}: {plural(failed, 'connection')} failed, at most {self.max_failed_connects} allowed")
        if self.rtt_p95 is not None:
            if not isinstance(p95, (int, float)):
                problems.append(f"{where}: no round trip measured, limit {self.rtt_p95}")
            elif p95 > self.rtt_p95.seconds * 1000:
                problems.append(f"{where}: round trip p95 {p95:g} ms, limit {self.rtt_p95}")
        return line, problems
