"""Replaying a candidate schedule for real, k times, through the run owner.

Each trial is one run of `harness.run.Run` (its own Toxiproxy, Chromium and run folder,
`<shrink folder>/trials/NNN/`, with the usual report), and each replay one scenario of that
run (`replay-1/`, `replay-2/`, ...). Replays stop at the first one that does not fail the same
way: a candidate is `fails` only when all k did, `flaky` when some did and then one did not,
`passes` or `other` (failed another way, or could not run) when the first did not.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from harness.checks.base import Check
from harness.conclude import ScenarioOutcome
from harness.plan import RunOptions, make_plan
from harness.run import Run
from harness.scenario.model import Scenario
from harness.shrink.failure import Failure, failures
from harness.shrink.schedule import Item, candidate_scenario
from harness.shrink.search import Trial
from harness.steps.expect import Expect


@dataclass
class Replayer:
    """The search's `trial`: builds each candidate's scenario and replays it `replays` times."""

    source: Scenario
    options: RunOptions
    failure: Failure
    folder: Path
    replays: int
    checks: tuple[Check, ...]
    closing: tuple[Expect, ...]
    name: str
    seconds: list[float] = field(default_factory=list)   # real seconds each trial took

    def scenario(self, items: Sequence[Item], description: str = "") -> Scenario:
        """The candidate `items` as a scenario (also what the minimal one is written from)."""
        return candidate_scenario(self.source, items, self.name, self.checks, self.closing, description)

    async def __call__(self, items: tuple[Item, ...]) -> Trial:
        started = time.monotonic()
        number = len(self.seconds) + 1
        plan = make_plan(self.scenario(items), self.options)
        run = Run(self.options, [dataclasses.replace(plan) for _ in range(self.replays)],
                  run_dir=self.folder / "trials" / f"{number:03d}")
        same = 0
        detail = seen = ""
        try:
            await run.open()
            for replay in range(1, self.replays + 1):
                outcome = await run.scenario(dataclasses.replace(plan), subdir=f"replay-{replay}")
                ok, detail = self._judge(outcome, replay)
                if not ok:
                    break
                same, seen = same + 1, detail
        finally:
            await run.close()
            try:
                run.write_reports()
            except Exception:  # noqa: BLE001 - a trial's own report is a convenience, never a reason to stop
                pass
            self.seconds.append(time.monotonic() - started)
        replays = min(same + 1, self.replays)
        if same == self.replays:
            return Trial("fails", replays, f"failed the same way on {same} of {same} replays ({seen})")
        if same:
            return Trial("flaky", replays, f"flaky: failed the same way on {same} replay(s), then {detail}")
        return Trial("passes" if detail.startswith("passed") else "other", replays, detail)

    def _judge(self, outcome: ScenarioOutcome | None, replay: int) -> tuple[bool, str]:
        """Whether one replay failed the same way, and if not, what it did instead."""
        if outcome is None:
            return False, f"could not start on replay {replay}"
        found = failures([c.to_dict() for c in outcome.checks], outcome.events)
        same = next((f for f in found if self.failure.same_way(f)), None)
        if same is not None:
            return True, same.summary
        if outcome.outcome == "passed":
            return False, f"passed on replay {replay}"
        other = found[0] if found else None
        return False, (f"failed another way on replay {replay}: {other}" if other is not None
                       else f"{outcome.outcome} on replay {replay}: {outcome.error or 'no failed check'}")
