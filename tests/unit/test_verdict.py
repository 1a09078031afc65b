"""harness.verdict: the one place outcomes are decided, judged on canned journals."""

from __future__ import annotations

from harness.checks.base import CheckResult
from harness.verdict import counts, exit_code, fault_window_overruns, flaky, run_outcome, scenario_outcome

from journal_builder import JournalBuilder


def queue_journal(add_tickets_end: float) -> list[dict]:
    """`down for 30s` (3 s real) on b0 from t=6.1, then add_tickets starting at t=7.0."""
    j = JournalBuilder(["b0"], time_scale=0.1)
    j.add(6.0, "step.start", step=2, path="steps[1]", name="down", summary="down on b0", params={}, for_s=3.0)
    j.add(6.1, "fault.apply", fault_id="f1", fault="down", clients=["b0"], proxies=["p-b0"], stream="both", params={})
    j.add(6.1, "step.end", step=2, path="steps[1]", name="down", status="ok", error=None, duration_s=0.1)
    j.add(7.0, "step.start", step=3, path="steps[2]", name="add_tickets", summary="add_tickets(5)", params={})
    j.add(9.1, "fault.revert", fault_id="f1", fault="down", clients=["b0"], note="")
    j.add(add_tickets_end, "step.end", step=3, path="steps[2]", name="add_tickets", status="ok", error=None,
          duration_s=add_tickets_end - 7.0)
    j.add(12.0, "step.start", step=4, path="steps[3]", name="expect", summary="queue_length == 5", params={})
    j.add(17.0, "expect", step=4, condition="queue_length == 5", clients=["b0"], passed=False, observed={"b0": 0}, within_s=5, waited_s=5)
    j.add(17.0, "step.end", step=4, path="steps[3]", name="expect", status="failed", error="x", duration_s=5.0)
    return j.events()


FAILED_CHECK = CheckResult("delivered_exactly_once", False, "2 lost")
LATE_CHECK = CheckResult("backoff", False, "attempt 2 waited 1.38s; b0's timers ran 0.6s late", inconclusive=True)
PASSED_CHECK = CheckResult("reconnected", True, "ok")


def test_a_fault_window_that_closes_under_an_action_makes_a_failure_inconclusive():
    """add_tickets outlived the 3 s outage it was written to run in: the failed expectation proves nothing."""
    verdict = scenario_outcome(queue_journal(add_tickets_end=11.5), [], "failed")
    assert verdict.outcome == "inconclusive"
    assert verdict.reasons == (
        "the timed fault down on b0 ended at t=9.10s while add_tickets (steps[2]) ran until t=11.50s: the "
        "machine was slower than the scenario assumed; hold the fault with `during:` instead of `for:`",)


def test_an_action_that_finished_inside_the_window_leaves_the_failure_a_failure():
    """When the outage covered the whole action, a failed expectation is the app's."""
    assert scenario_outcome(queue_journal(add_tickets_end=8.0), [], "failed").outcome == "failed"


def test_waiting_steps_may_outlast_a_window():
    """`expect connected within 30s` after `down for 5s` outlasts the fault by design: no excuse."""
    events = queue_journal(add_tickets_end=8.0)
    assert fault_window_overruns(events) == []


def test_an_overrun_does_not_touch_a_pass():
    """An overrun window only matters when something failed."""
    events = [e for e in queue_journal(add_tickets_end=11.5) if e["kind"] != "expect"]
    assert scenario_outcome(events, [PASSED_CHECK]).outcome == "passed"


def test_check_level_inconclusive_only_when_nothing_else_failed():
    """A late-timer check alone is inconclusive; with a hard failure beside it the scenario failed."""
    events = JournalBuilder().events()
    assert scenario_outcome(events, [PASSED_CHECK, LATE_CHECK]).outcome == "inconclusive"
    assert scenario_outcome(events, [LATE_CHECK, FAILED_CHECK]).outcome == "failed"
    assert scenario_outcome(events, [PASSED_CHECK]).outcome == "passed"
    assert scenario_outcome(events, [PASSED_CHECK], "failed").outcome == "failed"


def test_errors_and_interrupts_win():
    """A harness error or an interrupt is never softened by an overrun."""
    events = queue_journal(add_tickets_end=11.5)
    assert scenario_outcome(events, [FAILED_CHECK], "error").outcome == "error"
    assert scenario_outcome(events, [], "interrupted").outcome == "interrupted"


def test_run_outcome_is_the_worst_and_exit_codes_follow():
    """interrupted > error > failed > inconclusive > passed; skipped alone does not fail a run."""
    assert run_outcome(["passed", "inconclusive"]) == "inconclusive"
    assert run_outcome(["inconclusive", "failed", "passed"]) == "failed"
    assert run_outcome(["failed", "error"]) == "error"
    assert run_outcome(["passed"], interrupted=True) == "interrupted"
    assert run_outcome([]) == "passed"
    assert [exit_code(o) for o in ("passed", "failed", "error", "inconclusive", "interrupted")] == [0, 1, 3, 4, 130]


def test_counts_list_every_outcome():
    """Reports show a zero for outcomes that did not happen."""
    assert counts(["passed", "passed", "skipped"]) == {
        "passed": 2, "inconclusive": 0, "failed": 0, "error": 0, "interrupted": 0, "skipped": 1}


def test_flaky_marks_scenarios_whose_repeats_disagree():
    """--repeat: mixed verdicts are flaky (every verdict kept, in order); unfinished runs do not count."""
    runs = [("a", "passed"), ("b", "failed"), ("a", "failed"), ("b", "failed"), ("c", "passed"), ("c", "skipped")]
    assert flaky(runs) == {"a": ["passed", "failed"]}


def test_a_check_that_could_not_judge_keeps_the_scenario_from_passing():
    """Not judged is not passed: the scenario is inconclusive, with the check's summary as the reason."""
    unjudged = CheckResult("reconnected", False, "1 disconnection still open when the scenario ended could not "
                           "be judged", judged="not_judged")
    verdict = scenario_outcome(JournalBuilder().events(), [PASSED_CHECK, unjudged])
    assert verdict.outcome == "inconclusive"
    assert verdict.reasons == ("check reconnected could not be judged: 1 disconnection still open when the "
                               "scenario ended could not be judged",)
    assert scenario_outcome(JournalBuilder().events(), [FAILED_CHECK, unjudged]).outcome == "failed"


def test_a_check_not_reached_leaves_the_failed_step_as_the_verdict():
    """A check a failed step kept from happening neither fails nor excuses: the step's failure stands."""
    unreached = CheckResult("restart_detected", False, "not reached", judged="not_reached")
    assert scenario_outcome(JournalBuilder().events(), [unreached], "failed").outcome == "failed"


def test_a_harness_error_beside_passes_is_not_flakiness():
    """A dead browser in one round says nothing of the app: error beside passed is not flaky."""
    assert flaky([("a", "error"), ("a", "passed")]) == {}
