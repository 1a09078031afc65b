"""Live progress on stderr: which scenario, which step, elapsed; then a verdict per scenario."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


MARKS = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "interrupted": "INTERRUPTED",
         "inconclusive": "INCONCLUSIVE"}


class Progress:
    """A journal listener that keeps one status line (TTY) and prints one line per scenario."""

    def __init__(self, total: int, live: bool = True, out: TextIO = sys.stderr) -> None:
        self.total, self.live, self.out = total, live, out
        self.index = 0
        self.scenario = ""
        self.started = time.monotonic()
        self.scenario_started = self.started

    def on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("kind")
        if kind == "run.start":
            self.index += 1
            self.scenario = event.get("scenario", "")
            self.scenario_started = time.monotonic()
            self._status("starting")
        elif kind == "step.start":
            self._status(f"step {event.get('step')}: {event.get('summary')}")

    def _status(self, text: str) -> None:
        if not self.live:
            return
        elapsed = time.monotonic() - self.scenario_started
        line = f"[{self.index}/{self.total}] {self.scenario}  {elapsed:5.1f}s  {text}"
        self.out.write("\r\033[K" + line[:160])
        self.out.flush()

    def on_outcome(self, outcome) -> None:
        if self.live:
            self.out.write("\r\033[K")
        mark = MARKS.get(outcome.outcome, outcome.outcome.upper())
        self.out.write(f"{mark:<5} {outcome.name}  ({outcome.duration_s:.1f}s)\n")
        if outcome.outcome != "passed":
            self._explain(outcome)
        self.out.flush()

    def _explain(self, outcome) -> None:
        if outcome.error:
            self.out.write(f"      {outcome.error}\n")
        for reason in getattr(outcome, "reasons", ()):
            self.out.write(f"      inconclusive: {reason}\n")
        for check in outcome.checks:
            if not check.passed:
                self.out.write(f"      check {check.name}: {check.summary}\n")
                for line in check.evidence[:8]:
                    self.out.write(f"        {line}\n")
        self.out.write(f"      seed {outcome.plan.seed}; rerun: {outcome.plan.rerun}\n")

    def final(self, result, html) -> None:
        counts: dict[str, int] = {}
        for o in result.outcomes:
            counts[o.outcome] = counts.get(o.outcome, 0) + 1
        if result.skipped:
            counts["skipped"] = len(result.skipped)
            for plan, why in result.skipped[:5]:
                self.out.write(f"SKIP  {plan.scenario.name}  ({why})\n")
            if len(result.skipped) > 5:
                self.out.write(f"      ... and {len(result.skipped) - 5} more skipped\n")
        for name, seen in result.flaky.items():
            self.out.write(f"FLAKY {name}: {', '.join(seen)}\n")
        if result.infra_error:
            self.out.write(f"ERROR shared infrastructure: {result.infra_error}\n")
        summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing ran"
        took = time.monotonic() - self.started
        self.out.write(f"\n{summary} in {took:.1f}s" + (" (interrupted)" if result.interrupted else "") + "\n")
        self.out.write(f"report: {html}\n")
