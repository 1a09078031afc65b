"""The recovery watch's deadlines (harness.recovery.open_deadlines) and the analyses behind it,
on canned journals: which clients the run waits for after the last step, and until when."""

from __future__ import annotations

from journal_builder import JournalBuilder

from harness.disruptions import in_force, timed_reverts
from harness.checks.base import RecoveryLimit
from harness.recovery import open_deadlines


def test_a_client_disconnected_after_a_lifted_fault_is_watched_until_its_limit():
    """`down` reverted at t=4 and b0 still reconnecting at t=5: watched until 4 + 10 s."""
    events = JournalBuilder().connect(1, "b0").fault(3, ["b0"], "down", revert_at=4).drop(3.1, "b0").events()
    assert open_deadlines(events, [RecoveryLimit("b0", 10.0)], now=5.0) == {"b0": 14.0}


def test_a_limit_from_the_start_of_the_disconnection_counts_from_its_start():
    """max_disconnection's limit counts from when the disconnection began, not from the lift."""
    events = JournalBuilder().connect(1, "b0").fault(3, ["b0"], "down", revert_at=4).drop(3.1, "b0").events()
    assert open_deadlines(events, [RecoveryLimit("b0", 10.0, from_lift=False)], now=5.0) == {"b0": 13.1}


def test_a_connected_client_or_one_already_late_is_not_watched():
    """Nothing to wait for: b0 reconnected, b1 is past its limit already."""
    j = (JournalBuilder(clients=("b0", "b1")).connect(1, "b0").connect(1, "b1")
         .fault(3, ["b0", "b1"], "down", revert_at=4).drop(3.1, "b0").drop(3.1, "b1").connect(5, "b0", "s2"))
    limits = [RecoveryLimit("b0", 10.0), RecoveryLimit("b1", 1.0)]
    assert open_deadlines(j.events(), limits, now=6.0) == {}


def test_a_disruption_nothing_will_lift_is_not_waited_for():
    """A server stopped and never started again: waiting cannot help, the check says so instead."""
    j = (JournalBuilder().proc(0.1, "start").proc(0.5, "ready").connect(1, "b0")
         .proc(4, "stop").proc(4.2, "exit").drop(4.2, "b0"))
    assert open_deadlines(j.events(), [RecoveryLimit("b0", 10.0)], now=5.0) == {}


def test_a_timed_revert_still_to_come_is_waited_for_from_its_moment():
    """`down for 20s` ended the steps at t=4: the fault lifts at 4 + 20 s, b0 has 10 s after that."""
    j = JournalBuilder().connect(1, "b0")
    j.add(3.0, "step.start", step=1, path="steps[1]", name="down", summary="down", params={}, for_s=20.0)
    j.fault(3.0, ["b0"], "down").drop(3.1, "b0")
    j.add(4.0, "step.end", step=1, path="steps[1]", name="down", status="ok", error=None, duration_s=1.0)
    events = j.events()
    assert timed_reverts(events) == {"f1": 24.0}
    assert [(d.what, d.lifts_at) for d in in_force(events, "b0", 5.0)] == [("the down fault applied at t=3.0s", 24.0)]
    assert open_deadlines(events, [RecoveryLimit("b0", 10.0)], now=5.0) == {"b0": 34.0}


def test_a_page_left_offline_is_a_disruption_in_force_until_it_is_back_online():
    """`offline` without `online` after it is in force; `online` lifts it."""
    j = JournalBuilder().connect(1, "b0").add(2, "browser.event", client="b0", event="offline")
    assert [d.what for d in in_force(j.events(), "b0", 3.0)] == ["the page went offline at t=2.0s"]
    j.add(4, "browser.event", client="b0", event="online")
    assert in_force(j.events(), "b0", 5.0) == []
