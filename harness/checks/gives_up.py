"""`gives_up`: after exactly `after_attempts` failed reconnections the client stops and says so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from harness.analysis import AttemptRun, attempt_runs, scenario_end, state_timeline
from harness.checks.base import Check, CheckResult, RunView, checks
from harness.clients import ClientSelector
from harness.checks.common import at, capped, plural, select
from harness.units import Range


@checks.register("gives_up")
@dataclass(frozen=True)
class GivesUp(Check):
    """In its final disconnection each client makes `after_attempts` reconnection attempts, then shows `state`.

    Counted: `ws.attempt` events after the connection was lost (a client that never connected
    does not count its initial connect). The successful attempt of an earlier recovery belongs
    to that earlier disconnection.

    Marked at: a reconnection (it never had to give up), the first attempt past `after_attempts`
    (or the last it made, when it stopped early), and the last state change when the final state
    is wrong."""

    primary: ClassVar[str] = "after_attempts"  # `- <check>: value` fills this field

    clients: ClientSelector = "all"
    after_attempts: Annotated[int, Range(1, 10_000)] = 20
    state: str = "failed"

    def judge(self, run: RunView) -> CheckResult:
        names, bad = select(self, run, self.clients)
        if bad:
            return bad
        end = scenario_end(run.all_events)
        events = [e for e in run.events if e.get("t", 0.0) <= end]
        problems, evidence, counts, marks = [], [], {}, []
        for client in names:
            runs = attempt_runs(events, client)
            if not runs:
                problems.append(f"{client}: never lost its connection, so it had nothing to give up")
                continue
            final = runs[-1]
            counts[client] = len(final.attempts)
            since = at(final.lost_t) if final.lost_t is not None else "the start"
            if final.reconnected_t is not None:
                problems.append(f"{client}: reconnected at {at(final.reconnected_t)} after "
                                f"{plural(counts[client], 'attempt')}; it never had to give up")
                marks.append(final.reconnected_t)
                continue
            line = f"{client}: {plural(counts[client], 'reconnection attempt')} since {since}"
            if counts[client] != self.after_attempts:
                problems.append(f"{line}, expected exactly {self.after_attempts}")
                marks += self._miscount(final)
            else:
                evidence.append(line)
            states = state_timeline(events, client)
            last: tuple[float | None, str] = states[-1] if states else (None, "none")
            if last[1] != self.state:
                problems.append(f"{client}: final state {last[1]!r}, expected {self.state!r}")
                marks.append(last[0] if last[0] is not None else end)
            else:
                evidence.append(f"{client}: state {self.state!r} from {at(last[0]) if last[0] is not None else 'the start'}")
        metrics = {"attempts": counts}
        if problems:
            return self.result(False, f"{plural(len(problems), 'problem')} giving up after "
                               f"{self.after_attempts} attempts", capped(problems + evidence), metrics, marks)
        return self.result(True, f"{', '.join(names)} gave up after {self.after_attempts} attempts "
                           f"and showed {self.state!r}", capped(evidence), metrics)

    def _miscount(self, final: AttemptRun) -> list[float]:
        """Where a wrong number of attempts shows: the first attempt past `after_attempts`, else the
        last one it made (it stopped early), else when it lost its link."""
        if len(final.attempts) > self.after_attempts:
            return [final.attempts[self.after_attempts]]
        if final.attempts:
            return [final.attempts[-1]]
        return [final.lost_t] if final.lost_t is not None else []
