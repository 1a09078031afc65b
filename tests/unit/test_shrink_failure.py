"""What "the same check, the same way" means to the shrinker."""

from __future__ import annotations

from journal_builder import JournalBuilder

from harness.shrink.failure import Failure, choose, failures, journal_failures, way_of


def check(name: str, summary: str, status: str = "failed", at=()) -> dict:
    return {"name": name, "summary": summary, "status": status, "passed": status == "passed", "at": list(at)}


def test_the_way_is_the_words_without_numbers_names_or_times():
    """Counts, durations, client names and times are left out; the words that say how it failed stay."""
    assert way_of("12 messages sent: 3 lost, 1 duplicated") == {"messages", "sent", "lost", "duplicated"}
    assert way_of("expected state connected on b0 within 120s") == {"expected", "state", "connected", "on", "within"}
    assert way_of("b1 t=10.0s: 2m 1006 s12") == frozenset()


def test_one_of_the_original_ways_is_the_same_way_and_another_is_not():
    """`3 lost` is one of the ways `3 lost, 1 duplicated` failed; `sent again wrongly` is not; nor another check."""
    original = Failure("check", "delivered_exactly_once", "", way_of("12 messages sent: 3 lost, 1 duplicated"))
    assert original.same_way(Failure("check", "delivered_exactly_once", "", way_of("2 messages sent: 2 lost")))
    assert not original.same_way(Failure("check", "delivered_exactly_once", "",
                                         way_of("2 messages sent: 1 sent again wrongly")))
    assert not original.same_way(Failure("check", "no_page_errors", "", way_of("2 messages sent: 2 lost")))


def test_failures_are_the_failed_checks_then_the_failed_step():
    """Passed, not judged and not reached checks are no failures; a failed step's way is its error before `observed`."""
    events = JournalBuilder(["b0"]).step(1, 3, "expect", status="failed").events()
    events[-1]["error"] = "expected state connected on b0 within 120s; observed b0: state reconnecting"
    found = failures([check("reconnected", "ok", "passed"), check("resource_drift", "too short", "not_judged"),
                      check("delivered_exactly_once", "3 messages sent: 3 lost", at=[2.5])], events)
    assert [(f.kind, f.name) for f in found] == [("check", "delivered_exactly_once"), ("step", "expect")]
    assert found[0].at == (2.5,) and found[1].way == {"expected", "state", "connected", "on", "within"}
    assert choose(found, None) is found[0] and choose(found, "step") is found[1] and choose(found, "nope") is None


def test_a_journal_s_check_events_are_its_failures():
    """journal_failures reads the `check` events the run recorded."""
    j = JournalBuilder(["b0"]).add(5, "check", name="no_page_errors", passed=False, summary="2 uncaught page errors",
                                   evidence=[], metrics={}, params={}, at=[1.0], inconclusive=False, status="failed")
    (found,) = journal_failures(j.events())
    assert str(found) == "check no_page_errors: 2 uncaught page errors"
