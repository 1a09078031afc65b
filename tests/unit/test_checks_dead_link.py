"""dead_link times how long a client keeps saying "connected" on a link that carries nothing."""

from __future__ import annotations

from harness.checks.dead_link import DeadLinkDetected
from harness.units import Duration
from tests.unit.journal_builder import JournalBuilder


def blackholed(noticed: str) -> JournalBuilder:
    """b0 connected at t=1, pinged until t=4, blackholed from t=5 to t=25; then `noticed`."""
    j = JournalBuilder(["b0"]).attempt(1.0, "b0").ws_open(1.0, "b0", "s1")
    j.frame(2.0, "b0", "received", "ping").frame(4.0, "b0", "received", "ping")
    j.fault(5.0, ["b0"], "blackhole", revert_at=25.0)
    if noticed == "watchdog":
        j.attempt(11.5, "b0").ws_close(12.0, "b0", "s1").attempt(25.5, "b0").ws_open(25.6, "b0", "s2")
    elif noticed == "revert":
        j.ws_close(25.0, "b0", "s1").attempt(25.4, "b0").ws_open(25.5, "b0", "s2")
    return j.steps_end(30.0)


def test_a_watchdog_that_dials_again_is_timed_from_the_fault():
    """A new attempt 6.5 s into the blackhole is the detection; the metric is 6.5 s."""
    result = DeadLinkDetected(within=Duration(10.0)).judge(blackholed("watchdog").run())
    assert result.passed, result
    assert result.metrics["detection_s"] == 6.5
    assert result.evidence == ["b0: blackhole from t=5.0s: noticed at t=11.5s (it dialled a new socket) after 6.5s; "
                               "socket s1 received 0 frames meanwhile"]


def test_the_app_calling_close_counts_as_noticing_though_the_close_event_waits():
    """The chat example closes its socket on a pong timeout; on a dead link the close event only comes when the
    blackhole is lifted (the closing handshake never completes), but the call was the page noticing."""
    j = blackholed("revert").add(12.5, "ws.closing", client="b0", socket="s1", code=4000, reason="pong timeout")
    result = DeadLinkDetected(within=Duration(10.0)).judge(j.run())
    assert result.passed, result
    assert result.evidence[0].startswith("b0: blackhole from t=5.0s: noticed at t=12.5s (it closed its socket) after 7.5s")


def test_a_close_caused_by_removing_the_fault_is_not_noticing():
    """Closed only when the blackhole was removed: at least 20 s on a dead link, a failure."""
    result = DeadLinkDetected(within=Duration(10.0)).judge(blackholed("revert").run())
    assert not result.passed
    assert result.summary == "1 client stayed 'connected' on a dead link longer than 10s (longest 20s)"
    assert result.evidence == ["b0: blackhole from t=5.0s: still 'connected' when the fault ended at t=25.0s, "
                               "at least 20s: not noticed; socket s1 received 0 frames meanwhile"]
    assert result.metrics["detection_s"] == 20.0


def test_steps_that_end_on_the_dead_link_give_a_lower_bound():
    """An expect that failed mid-fault ended the steps: measured up to there."""
    j = JournalBuilder(["b0"]).attempt(1.0, "b0").ws_open(1.0, "b0", "s1").fault(5.0, ["b0"], "blackhole")
    result = DeadLinkDetected(within=Duration(10.0)).judge(j.steps_end(17.0).run())
    assert not result.passed
    assert "still 'connected' when the steps ended at t=17.0s, at least 12s: not noticed" in result.evidence[0]


def test_no_blackhole_on_a_connected_client_is_a_failure_not_a_pass():
    """Nothing to time is said, and fails: the scenario does not test what the check is for."""
    j = JournalBuilder(["b0"]).attempt(1.0, "b0").ws_open(1.0, "b0", "s1").steps_end(10.0)
    result = DeadLinkDetected().judge(j.run())
    assert not result.passed
    assert result.summary == "no blackhole hit a connected client of b0: nothing to time"


def test_the_state_probe_leaving_connected_counts_as_noticing():
    """A page that says reconnecting before it closes anything has noticed."""
    j = JournalBuilder(["b0"]).connect(1.0, "b0").fault(5.0, ["b0"], "blackhole", revert_at=25.0)
    j.probe(9.0, "b0", state="reconnecting").steps_end(30.0)
    result = DeadLinkDetected(within=Duration(10.0)).judge(j.run())
    assert result.passed
    assert "noticed at t=9.0s (its state became reconnecting) after 4s" in result.evidence[0]


def test_a_close_journaled_just_before_the_revert_event_is_the_removal():
    """Toxiproxy closes held connections during the revert call: a close 0.1 s before fault.revert is no detection."""
    j = JournalBuilder(["b0"]).attempt(1.0, "b0").ws_open(1.0, "b0", "s1")
    j.fault(5.0, ["b0"], "blackhole", revert_at=25.0).ws_close(24.9, "b0", "s1").steps_end(30.0)
    result = DeadLinkDetected(within=Duration(10.0)).judge(j.run())
    assert not result.passed
    assert "still 'connected' when the fault ended at t=25.0s, at least 20s: not noticed" in result.evidence[0]


def test_a_late_detection_is_marked_when_the_client_noticed():
    """Noticed 6.5 s in with a 5 s limit: the marker is the detection (t=11.5 s), not the fault's start."""
    result = DeadLinkDetected(within=Duration(5.0)).judge(blackholed("watchdog").run())
    assert not result.passed
    assert result.summary == "1 client stayed 'connected' on a dead link longer than 5s (longest 6.5s)"
    assert result.at == [11.5]


def test_a_link_never_noticed_is_marked_when_the_limit_ran_out():
    """Still 'connected' when the 20 s blackhole ended: marked at its start + the 10 s limit."""
    result = DeadLinkDetected(within=Duration(10.0)).judge(blackholed("revert").run())
    assert result.at == [15.0]


def test_the_marker_uses_the_scaled_limit():
    """At time_scale 0.5 a 10 s limit runs out 5 s into the fault."""
    j = JournalBuilder(["b0"], time_scale=0.5).attempt(1.0, "b0").ws_open(1.0, "b0", "s1")
    j.fault(5.0, ["b0"], "blackhole", revert_at=25.0).ws_close(25.0, "b0", "s1")
    result = DeadLinkDetected(within=Duration(10.0)).judge(j.steps_end(30.0).run())
    assert result.at == [10.0]


def test_a_fault_shorter_than_the_limit_never_noticed_is_marked_at_its_end_and_said_so():
    """Never noticed in a 4 s fault under a 10 s limit: marked where the fault ended, and the summary
    does not claim it took longer than the limit."""
    j = JournalBuilder(["b0"]).attempt(1.0, "b0").ws_open(1.0, "b0", "s1")
    j.fault(5.0, ["b0"], "blackhole", revert_at=9.0).ws_close(9.0, "b0", "s1").steps_end(12.0)
    result = DeadLinkDetected(within=Duration(10.0)).judge(j.run())
    assert not result.passed
    assert result.summary == ("1 client stayed 'connected' on a dead link until the fault or the steps ended "
                              "without noticing it (longest 4s); limit 10s")
    assert result.at == [9.0]


def test_late_and_never_noticed_clients_are_summed_up_and_each_marked():
    """b0 noticed late (marked at its detection), b1 never noticed a short fault (marked at its end)."""
    j = JournalBuilder(["b0", "b1"]).attempt(1.0, "b0").ws_open(1.0, "b0", "s1")
    j.attempt(1.0, "b1").ws_open(1.0, "b1", "s1")
    j.fault(5.0, ["b0"], "blackhole", revert_at=30.0).ws_close(20.0, "b0", "s1")
    j.fault(6.0, ["b1"], "blackhole", revert_at=9.0).ws_close(9.0, "b1", "s1")
    result = DeadLinkDetected(within=Duration(10.0)).judge(j.steps_end(35.0).run())
    assert result.summary == ("2 clients stayed 'connected' on a dead link longer than 10s (longest 15s), or "
                              "until the fault or the steps ended without noticing it (longest 3s)")
    assert result.at == [20.0, 9.0]
