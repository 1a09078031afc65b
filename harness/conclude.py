"""A scenario's verdict, decided once from its final facts and written once.

The run owner opens a scenario's journal, lets the runner execute the steps and judge the checks
into it (`StepsEnded`: how the steps ended, the check results), audits what teardown left behind,
then calls `conclude` exactly once:

    outcome = conclude(plan, journal, ended, problems=leaks)

`conclude` judges the scenario's own `thresholds:` over its metrics (as checks named `threshold`),
records every check, any harness problem, then the one `run.end` with the one outcome
`harness.verdict` decides, and closes the journal. Nothing is appended to a journal after it;
no reader ever looks for "the last" `run.end`. (websockets derives `close_exc` the same way: from
what was recorded, once, and nothing amends it.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from harness import thresholds as limits
from harness.checks.base import CheckResult
from harness.events import Event, Outcome, StrictEvents
from harness.journal import Journal
from harness.metrics import scenario_metrics
from harness.verdict import EndedBy, scenario_outcome

if TYPE_CHECKING:
    from harness.plan import Plan


@dataclass
class StepsEnded:
    """What the runner hands back: how the steps ended and what the checks said (not yet a verdict)."""

    ended_by: Optional[EndedBy] = None     # None: the steps ran to their end
    error: Optional[str] = None            # what ended them early
    checks: list[CheckResult] = field(default_factory=list)


@dataclass
class ScenarioOutcome:
    """What happened when one scenario ran: its one verdict and the evidence behind it."""

    plan: Plan
    outcome: Outcome
    error: Optional[str]
    checks: list[CheckResult]
    events: list[Event]
    dir: Path
    duration_s: float
    reasons: tuple[str, ...] = ()     # why inconclusive (evidence lines)

    @property
    def name(self) -> str:
        return self.plan.scenario.name


def conclude(plan: Plan, journal: Journal, ended: StepsEnded, problems: list[str] | None = None,
             strict: StrictEvents | None = None) -> ScenarioOutcome:
    """Decide the scenario once, record the verdict, close the journal.

    `problems`: what the run owner's audit found after teardown (a process still alive, a proxy
    left in Toxiproxy): each is a harness error. `strict`: the journal's event validator, when
    strict mode is on; a departure from harness/events.py is a harness error too."""
    ended_by, errors = ended.ended_by, [ended.error] if ended.error else []
    checks = list(ended.checks)
    found = list(problems or [])
    if ended_by not in ("error", "interrupted") and plan.scenario.thresholds:
        try:
            measured = {**scenario_metrics(journal.events), **limits.check_metrics(checks)}
            checks += [r.as_check() for r in limits.judge(plan.scenario.thresholds, measured)]
        except Exception as exc:  # noqa: BLE001 - a harness bug must still end in a verdict, named
            found.append(f"judging the scenario's thresholds failed: {type(exc).__name__}: {exc}")
    for result in checks:
        journal.record("check", **result.to_dict())
    if strict is not None and strict.problems and ended_by != "interrupted":
        found.append(strict.error())
    for problem in found:
        journal.record("harness.error", error=problem)
    if found and ended_by != "interrupted":
        ended_by, errors = "error", errors + found
    error = "; ".join(errors) or None
    verdict = scenario_outcome(journal.events, checks, ended_by)
    end = journal.record("run.end", outcome=verdict.outcome, error=error, reasons=list(verdict.reasons))
    journal.close()
    assert journal.path is not None, "a scenario journal is a file"
    return ScenarioOutcome(plan, verdict.outcome, error, checks, journal.events, journal.path.parent,
                           float(end["t"]), verdict.reasons)
