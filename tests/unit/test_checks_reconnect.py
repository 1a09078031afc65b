"""Checks `reconnected` and `max_disconnection` on canned journals."""

from __future__ import annotations

import pytest
from journal_builder import JournalBuilder

from harness.checks import checks
from harness.checks.reconnected import MaxDisconnection, Reconnected
from harness.units import Duration


def outage(time_scale: float = 1.0, min_wait_s: float = 0.0) -> JournalBuilder:
    """b0 and b1 connect at t=1; b0 is out 10..13.5, b1 10..12."""
    j = JournalBuilder(["b0", "b1"], time_scale=time_scale, min_wait_s=min_wait_s)
    j.connect(1, "b0").connect(1, "b1").drop(10, "b0").drop(10, "b1")
    j.connect(13.5, "b0", "s2").connect(12, "b1", "s2")
    return j.steps_end(20)


def test_reconnected_passes_when_every_outage_recovers_in_time():
    """Both clients back within 20s: the summary gives the longest outage."""
    result = Reconnected().judge(outage().run())
    assert result.passed
    assert result.summary == "2 disconnections of b0, b1 all recovered within 20s (longest 3.5s)"
    assert result.evidence == ["b0: reconnecting t=10.0s -> connected t=13.5s (3.5s)",
                               "b1: reconnecting t=10.0s -> connected t=12.0s (2s)"]
    assert result.metrics["max_reconnect_s"] == 3.5


def test_reconnected_fails_on_a_slow_reconnect_with_the_scaled_limit():
    """The limit is within x time_scale; the evidence shows how it was derived."""
    result = Reconnected(within=Duration(20.0)).judge(outage(time_scale=0.1).run())
    assert not result.passed
    assert result.summary == "1 problem reconnecting within 2s (20s app time x 0.1)"
    assert result.evidence == ["b0: reconnecting from t=10.0s, connected again at t=13.5s after 3.5s, "
                               "limit 2s (20s app time x 0.1)"]
    assert result.at == [12.0]  # marked when it became late: 2s after the disconnection


def test_reconnected_raises_a_scaled_limit_to_min_wait():
    """A deadline is never below min_wait: 2s scaled becomes 5s, and 3.5s passes."""
    result = Reconnected().judge(outage(time_scale=0.1, min_wait_s=5.0).run())
    assert result.passed
    assert result.summary == ("2 disconnections of b0, b1 all recovered within 5s "
                              "(20s app time x 0.1 = 2s, raised to min_wait 5s) (longest 3.5s)")


def test_reconnected_fails_when_still_disconnected_at_the_end_past_the_limit():
    """A disconnection still open when the scenario ended, longer than the limit, fails."""
    j = JournalBuilder().connect(1, "b0").drop(4, "b0").steps_end(9)
    result = Reconnected(within=Duration.parse("3s")).judge(j.run())
    assert not result.passed
    assert result.evidence == ["b0: reconnecting since t=4.0s, still not connected when the scenario "
                               "ended at t=9.0s, 5s later; limit 3s"]


def test_reconnected_does_not_pass_a_window_the_scenario_ended_inside_the_limit():
    """A scenario that ended 5s into a disconnection with a 20s limit never saw the client
    reconnect: not late, but not a pass either (not judged)."""
    j = JournalBuilder().connect(1, "b0").drop(4, "b0").steps_end(9)
    result = Reconnected().judge(j.run())
    assert not result.passed and result.status == "not_judged"
    assert result.summary == "1 disconnection still open when the scenario ended could not be judged"
    assert result.evidence == ["b0: not connected again when the scenario ended at t=9.0s, only 5s after the "
                               "disruption was lifted, under the 20s limit: the run could not watch it long "
                               "enough (raise the scenario's `timeout:`)"]


def test_reconnected_fails_for_a_client_that_never_connected():
    """A client that never connected cannot have reconnected."""
    j = JournalBuilder().probe(1, "b0", state="connecting").probe(2, "b0", state="failed").steps_end(5)
    result = Reconnected().judge(j.run())
    assert not result.passed
    assert result.evidence == ["b0: never connected (states seen: connecting -> failed)"]


def test_reconnected_ignores_a_deliberate_disconnect_and_teardown():
    """`disconnected` is on purpose; outages after the last step belong to teardown."""
    j = JournalBuilder(["b0", "b1"]).connect(1, "b0").connect(1, "b1").drop(5, "b0", state="disconnected")
    j.steps_end(8).drop(9, "b1")
    result = Reconnected().judge(j.run())
    assert result.passed
    assert result.summary == "no disconnection of b0, b1: nothing to recover from"


def test_reconnected_rejects_a_selector_that_matches_nobody():
    """A typo in `clients` fails with the known client names, it does not pass vacuously."""
    result = Reconnected(clients="b9").judge(outage().run())
    assert not result.passed
    assert result.summary == "no client matches 'b9' (clients: b0, b1)"


def test_reconnected_is_registered_by_its_scenario_name():
    """The scenario key `reconnected` resolves to the class."""
    assert checks.get("reconnected") is Reconnected
    assert checks.get("max_disconnection") is MaxDisconnection


def test_max_disconnection_passes_under_the_bound():
    """The longest outage, 3.5s, is under 5s."""
    result = MaxDisconnection(max=Duration(5.0)).judge(outage().run())
    assert result.passed
    assert result.summary == "longest disconnection 3.5s (b0) within 5s"
    assert result.evidence == ["b0: reconnecting from t=10.0s, connected again at t=13.5s: 3.5s"]


def test_max_disconnection_fails_over_the_bound():
    """3.5s is over a 3s bound."""
    result = MaxDisconnection(max=Duration(3.0)).judge(outage().run())
    assert not result.passed
    assert result.summary == "longest disconnection 3.5s (b0) exceeds 3s"
    assert result.evidence[0] == "b0: reconnecting from t=10.0s, connected again at t=13.5s: 3.5s, exceeds 3s"
    assert result.metrics == {"max_disconnection_s": 3.5, "limit_s": 3.0, "disconnections": 2}


def test_max_disconnection_zero_means_never_disconnected_without_a_min_wait_floor():
    """`max: 0s` fails on any disconnection, even a short one under min_wait."""
    result = MaxDisconnection(max=Duration(0.0)).judge(outage(time_scale=0.1, min_wait_s=5.0).run())
    assert not result.passed
    assert result.summary == "b0 was disconnected for 3.5s, expected no disconnection"
    assert result.evidence == [
        "b0: reconnecting from t=10.0s, connected again at t=13.5s: 3.5s, expected no disconnection",
        "b1: reconnecting from t=10.0s for 2s"]
    assert MaxDisconnection(max=Duration(0.0)).judge(JournalBuilder().connect(1, "b0").steps_end(5).run()).passed


def blip(gap_s: float = 0.073) -> JournalBuilder:
    """b0's socket closes at t=12.4 and reopens `gap_s` later; its 100 ms state probe never changes."""
    j = JournalBuilder().connect(1, "b0").ws_close(12.4, "b0", page_t=12.4)
    j.attempt(12.4 + gap_s / 2, "b0").ws_open(12.4 + gap_s, "b0", "s2")
    return j.steps_end(20)


def test_max_disconnection_sees_a_reconnect_shorter_than_the_state_probe():
    """A 73 ms socket-only gap fails `max: 50ms`, and the evidence says only the sockets saw it."""
    result = MaxDisconnection(max=Duration(0.05)).judge(blip().run())
    assert not result.passed
    assert result.summary == "longest disconnection 73ms (b0) exceeds 50ms"
    assert result.evidence == ["b0: disconnected 73ms (socket closed 1006 at t=12.4s, reopened at "
                               "t=12.47s; the state probe did not see it), exceeds 50ms"]
    assert result.at == [pytest.approx(12.45)]  # when the gap passed 50ms
    assert MaxDisconnection(max=Duration(0.1)).judge(blip().run()).passed


def test_max_disconnection_zero_fails_on_a_socket_only_reconnect():
    """`max: 0s` ("never disconnected") no longer passes when only the sockets saw the reconnect."""
    result = MaxDisconnection(max=Duration(0.0)).judge(blip().run())
    assert not result.passed
    assert result.summary == "b0 was disconnected for 73ms, expected no disconnection"


def test_reconnected_lists_a_socket_only_reconnect():
    """A reconnect the probe missed is a disconnection that recovered in time."""
    result = Reconnected().judge(blip().run())
    assert result.passed
    assert result.summary == "1 disconnection of b0 all recovered within 20s (longest 73ms)"
    assert result.evidence == ["b0: disconnected 73ms (socket closed 1006 at t=12.4s, reopened at "
                               "t=12.47s; the state probe did not see it)"]


def test_reconnected_fails_when_the_socket_never_reopened_although_the_probe_says_connected():
    """An app that keeps saying `connected` on a closed socket is still disconnected."""
    j = JournalBuilder().connect(1, "b0").ws_close(4, "b0").steps_end(9)
    result = Reconnected(within=Duration.parse("3s")).judge(j.run())
    assert not result.passed
    assert result.evidence == ["b0: disconnected since t=4.0s (socket closed 1006 at t=4.0s, not reopened; "
                               "the state probe did not see it), still not connected when the scenario "
                               "ended at t=9.0s, 5s later; limit 3s"]


def test_max_disconnection_still_counts_a_window_only_the_probe_saw():
    """A probe-only outage (no socket events) is judged as before."""
    j = JournalBuilder().probe(1, "b0", state="connected").probe(3, "b0", state="offline")
    j.probe(4.5, "b0", state="connected").steps_end(9)
    result = MaxDisconnection(max=Duration(1.0)).judge(j.run())
    assert not result.passed
    assert result.evidence == ["b0: offline from t=3.0s, connected again at t=4.5s: 1.5s, exceeds 1s"]


def test_socket_and_probe_views_of_one_outage_are_one_disconnection():
    """The socket closes before the probe notices and the probe says connected after the reopen: one window."""
    j = JournalBuilder().connect(1, "b0").ws_close(10.0, "b0").probe(10.08, "b0", state="reconnecting")
    j.ws_open(13.42, "b0", "s2").probe(13.5, "b0", state="connected").steps_end(20)
    result = MaxDisconnection(max=Duration(5.0)).judge(j.run())
    assert result.passed
    assert result.evidence == ["b0: reconnecting from t=10.0s, connected again at t=13.5s: 3.5s"]
    assert result.metrics["disconnections"] == 1


def test_reconnected_for_protocol_clients_reads_their_sockets():
    """A protocol-only scenario (no probes, no pages) is judged from its own socket events."""
    j = JournalBuilder([], protocol=["p0"]).ws_open(1, "p0").ws_close(2, "p0").ws_open(3, "p0", "s2")
    result = Reconnected().judge(j.steps_end(9).run())
    assert result.passed
    assert result.evidence == ["p0: reconnecting t=2.0s -> connected t=3.0s (1s)"]


def test_a_page_the_scenario_closed_is_not_a_disruption():
    """Closing the page closes its socket on purpose: at the end that is no disconnection."""
    j = JournalBuilder().connect(1, "b0").browser(5, "b0", "close").add(5.5, "ws.close", client="b0", socket="s1")
    result = Reconnected().judge(j.steps_end(9).run())
    assert result.passed
    assert result.summary == "no disconnection of b0: nothing to recover from"


def test_evidence_names_each_state_of_a_disconnection_in_sequence():
    """reconnecting until t=24.4, then failed: not 'failed since t=9.5s' for the whole window."""
    j = JournalBuilder().connect(1, "b0").drop(9.5, "b0").probe(24.4, "b0", state="failed").steps_end(30)
    result = Reconnected().judge(j.run())
    assert result.evidence == ["b0: reconnecting t=9.5-24.4s, then failed from t=24.4s, still not connected when "
                               "the scenario ended at t=30.0s, 20.5s later; limit 20s"]


def test_a_dead_link_never_noticed_is_not_nothing_to_recover_from():
    """No close and no state change under a blackhole: reconnected says the client sat on a dead link."""
    j = JournalBuilder().connect(1, "b0").fault(5.0, ["b0"], "blackhole").steps_end(30)
    result = Reconnected().judge(j.run())
    assert not result.passed
    assert result.summary == "no disconnection seen, but 1 client sat on a dead link without noticing"
    assert result.evidence == ["b0: said 'connected' on a dead link (blackhole from t=5.0s, socket s1 received 0 "
                               "frames) for at least 25s and never noticed, so it never reconnected (dead_link times this)"]
    assert result.at == [25.0]  # the fault's start plus the 20 s limit: where it became a failure


def test_reconnection_is_timed_from_when_a_held_fault_was_lifted():
    """A fault held by `during:` for 15 s (slow steps) is not the app's time: the limit counts
    from the revert; an app slow after the revert still fails."""
    from harness.checks.reconnected import Reconnected
    from harness.units import Duration

    def journal(reconnect_at: float) -> list:
        j = JournalBuilder(["b0"])
        j.connect(1.0, "b0", socket="s1")
        j.add(2.0, "fault.apply", fault_id="f1", fault="down", clients=["b0"], proxies=["p"], stream="both",
              params={})
        j.drop(2.1, "b0", "s1")
        j.add(17.0, "fault.revert", fault_id="f1", fault="down", clients=["b0"], note="")
        j.connect(reconnect_at, "b0", socket="s2")
        return j.steps_end(reconnect_at + 5).run()

    ok = Reconnected(within=Duration(5.0)).judge(journal(18.0))
    assert ok.passed, ok.evidence
    assert ok.summary == "1 disconnection of b0 all recovered within 5s (longest 1s after the disruption was lifted)"
    assert ok.evidence == ["b0: reconnecting t=2.1s -> connected t=18.0s (disconnected for 15.9s, connected 1s "
                           "after the fault was lifted at t=17.0s)"]
    late = Reconnected(within=Duration(5.0)).judge(journal(25.0))
    assert not late.passed
    assert "(the disruption lasted until t=17.0s)" in late.evidence[0] and "after 8s" in late.evidence[0]


def test_reconnected_cannot_judge_a_client_whose_server_never_came_back():
    """The steps stopped the server and never started it: whether b0 reconnects was never seen."""
    j = (JournalBuilder().proc(0.1, "start").proc(0.5, "ready").connect(1, "b0")
         .proc(4, "stop").proc(4.2, "exit").drop(4.2, "b0").steps_end(30))
    result = Reconnected(within=Duration.parse("5s")).judge(j.run())
    assert result.status == "not_judged" and not result.passed
    assert result.evidence == ["b0: disconnected since t=4.2s and the steps never lifted what disconnected it "
                               "(the server stopped at t=4.0s), so whether it reconnects was never seen: lift it "
                               "before the scenario ends (e.g. `server: start`, or `for:` on the fault)"]


def test_reconnected_cannot_judge_a_client_under_a_fault_never_reverted():
    """A `down` applied and never reverted before the steps ended is a disruption still in force."""
    j = JournalBuilder().connect(1, "b0").fault(3, ["b0"], "down").drop(3.1, "b0").steps_end(40)
    result = Reconnected(within=Duration.parse("5s")).judge(j.run())
    assert result.status == "not_judged"
    assert "the down fault applied at t=3.0s" in result.evidence[0]


def test_reconnected_still_fails_a_late_client_beside_one_it_cannot_judge():
    """A client late after its disruption was lifted fails, whatever another client's state."""
    j = (JournalBuilder(clients=("b0", "b1")).connect(1, "b0").connect(1, "b1")
         .fault(3, ["b0"], "down", revert_at=4).drop(3.1, "b0")
         .fault(3, ["b1"], "down").drop(3.1, "b1").steps_end(30))
    result = Reconnected(within=Duration.parse("5s")).judge(j.run())
    assert result.status == "failed"
    assert result.at == [9.0]


def test_max_disconnection_cannot_judge_a_disconnection_never_lifted():
    """Still disconnected under a fault never reverted, shorter than `max`: not a pass."""
    j = JournalBuilder().connect(1, "b0").fault(3, ["b0"], "down").drop(3.1, "b0").steps_end(8)
    result = MaxDisconnection(max=Duration.parse("30s")).judge(j.run())
    assert result.status == "not_judged"
    assert result.evidence == ["b0: still reconnecting at the end t=8.0s after 4.9s, and the steps never lifted "
                               "what disconnected it (the down fault applied at t=3.0s), so how long it stays "
                               "disconnected was never seen"]
