"""judge_all after a failed step: a check whose failure the early end explains is `not_reached`,
with no advice; a failure seen wholly before the step failed stays a failure."""

from __future__ import annotations

from dataclasses import dataclass

from journal_builder import JournalBuilder

from harness.checks.base import Check, CheckResult, RunView, judge_all


@dataclass(frozen=True)
class FailsAt(Check):
    """A check that fails, marking the given moments (none: no moment to point at)."""

    marks: tuple[float, ...] = ()
    registered_name = "fails_at"

    def judge(self, run: RunView) -> CheckResult:
        return self.result(False, "add a `server: restart` step to the scenario", ["evidence"], {}, self.marks)


def journal_with_failed_step() -> list[dict]:
    j = JournalBuilder()
    j.step(1.0, 2.0).step(2.0, 9.0, name="expect", status="failed")
    return j.events()


def test_a_failure_after_the_failed_step_is_not_reached_without_advice():
    """What the check judges lies after the step that ended the scenario: not reached, no advice."""
    [result] = judge_all(journal_with_failed_step(), [FailsAt((12.0,))])
    assert result.status == "not_reached"
    assert result.summary == ("not reached: the scenario stopped when steps[1] (expect) failed at t=9.00s, "
                              "before what this check judges")
    assert result.evidence == [] and result.at == []


def test_a_failure_with_no_moment_after_a_failed_step_is_not_reached():
    """A failure that points at no moment (never restarted, never lost its link) is not reached."""
    [result] = judge_all(journal_with_failed_step(), [FailsAt()])
    assert result.status == "not_reached"


def test_a_failure_wholly_before_the_failed_step_stays_a_failure():
    """A message lost at t=3 is evidence whatever failed at t=9."""
    [result] = judge_all(journal_with_failed_step(), [FailsAt((3.0, 8.5))])
    assert result.status == "failed"
    assert result.summary == "add a `server: restart` step to the scenario"


def test_without_a_failed_step_a_failure_is_a_failure():
    """Steps that ran to their end leave every check's failure as it is."""
    events = JournalBuilder().step(1.0, 2.0).events()
    [result] = judge_all(events, [FailsAt((12.0,))])
    assert result.status == "failed"
