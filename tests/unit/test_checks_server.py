"""Server-side checks: `server_restarts`, `restart_detected`, `close_codes`, `server_health`, `frames_seen`."""

from __future__ import annotations

import pytest
from journal_builder import JournalBuilder

from harness.checks.close_codes import CloseCodes
from harness.checks.frames import FramesSeen
from harness.checks.restart_detected import RestartDetected
from harness.checks.server import ServerHealth, ServerRestarts


def restart(code: int = 1012, new_id: str = "s-2", how: str = "graceful") -> JournalBuilder:
    """The server stops at t=5 (b0's socket closes with `code`) and is back at t=6."""
    j = JournalBuilder().proc(0.2, "start").proc(0.5, "ready")
    j.connect(1, "b0", server_instance_id="s-1")
    j.proc(5, "stop", how=how).drop(5.1, "b0", code=code).proc(5.3, "exit")
    j.attempt(5.5, "b0").proc(6, "start", pid=101).proc(6.3, "ready", pid=101)
    return j.connect(7, "b0", "s2", server_instance_id=new_id).steps_end(10)


def test_server_restarts_counts_restarts_and_checks_the_server_is_up():
    """One restart, up at the end; each restart is described."""
    result = ServerRestarts(count=1).judge(restart().run())
    assert result.passed
    assert result.summary == "server restarted 1 time, up at the end"
    assert result.evidence == ["restart 1: stop (graceful) at t=5.0s, started again at t=6.0s, down 1s"]


def test_server_restarts_fails_on_the_wrong_count_and_a_server_left_down():
    """Expected two restarts; the server was stopped for good before the steps ended."""
    j = restart().proc(9, "stop").proc(9.2, "exit")
    result = ServerRestarts(count=2).judge(j.run())
    assert not result.passed
    assert result.summary == ("server restarted 1 time, expected 2; "
                              "server down when the steps ended at t=10.0s, expected up")
    assert result.at == [6.0, 9.2]  # the restart, and where the server went down for good (its exit)


def test_restart_detected_passes_on_a_new_instance_id():
    """b0 reports s-2 after the restart."""
    result = RestartDetected().judge(restart().run())
    assert result.passed
    assert result.summary == "b0 detected 1 server restart"
    assert result.evidence == ["b0: server_instance_id s-1 -> s-2 at t=7.0s"]


def test_restart_detected_fails_when_the_id_does_not_change():
    """The legacy client never looks at the server instance id."""
    result = RestartDetected().judge(restart(new_id="s-1").run())
    assert not result.passed
    assert result.summary == "the server restart at t=6.0s was not detected by b0"
    assert result.evidence == ["b0: still reports server_instance_id s-1 after the restart at t=6.0s (until t=10.0s)"]


def test_one_restart_missed_by_two_clients_is_one_restart():
    """Two clients that both miss the one restart make one missed restart, naming both (not '2 restarts')."""
    j = JournalBuilder(["b0", "b1"]).proc(0.2, "start").proc(0.5, "ready")
    j.connect(1, "b0", server_instance_id="s-1").connect(1, "b1", server_instance_id="s-1")
    j.proc(5, "stop").drop(5.1, "b0").drop(5.1, "b1").proc(5.3, "exit").proc(6, "start", pid=101)
    j.connect(7, "b0", "s2", server_instance_id="s-1").connect(7, "b1", "s2", server_instance_id="s-1").steps_end(10)
    result = RestartDetected().judge(j.run())
    assert not result.passed
    assert result.summary == "the server restart at t=6.0s was not detected by b0, b1"
    assert result.metrics == {"restarts": 1, "missed": 1}


def test_restart_detected_reads_connected_frames_of_protocol_clients():
    """Without probes the id comes from `connected` frames."""
    j = JournalBuilder([], protocol=["p0"]).proc(0.2, "start").ws_open(1, "p0")
    j.frame(1, "p0", "received", "connected", server_instance_id="s-1").proc(5, "stop").proc(6, "start")
    j.ws_open(7, "p0", "s2").frame(7, "p0", "received", "connected", socket="s2", server_instance_id="s-2")
    assert RestartDetected().judge(j.steps_end(8).run()).passed


def test_restart_detected_needs_a_restart():
    """No restart in the run: nothing to detect."""
    result = RestartDetected().judge(JournalBuilder().proc(0.2, "start").steps_end(3).run())
    assert not result.passed
    assert result.summary == "the server was never restarted: no restart to detect"


def test_close_codes_pass_for_a_drained_shutdown():
    """1012 (service restart) is allowed."""
    result = CloseCodes().judge(restart().run())
    assert result.passed
    assert result.summary == "1 socket closed by 1 graceful stop with allowed codes (1012 x1)"


def test_close_codes_fail_on_an_abnormal_closure():
    """1006 during a graceful stop: the server did not drain its connections."""
    result = CloseCodes().judge(restart(code=1006).run())
    assert not result.passed
    assert result.summary == "1 socket closed with a code outside [1000, 1001, 1012] (codes seen: 1006 x1)"
    assert result.evidence == ["b0: socket s1 closed with 1006 at t=5.1s (abnormal closure: the server "
                               "did not close it), allowed [1000, 1001, 1012]"]


def test_close_codes_do_not_judge_a_kill():
    """A SIGKILL cannot drain; with no graceful stop the check has nothing to judge."""
    result = CloseCodes().judge(restart(code=1006, how="kill").run())
    assert not result.passed
    assert result.summary == "no graceful server stop or restart: no close code to judge"


def test_close_codes_set_aside_a_socket_the_page_closed_itself():
    """A page that calls close() after the stop (Engine.IO's close packet, then the client's 1005): not the server's code."""
    j = restart(code=1005).add(5.05, "ws.closing", client="b0", socket="s1", code=None, reason=None)
    result = CloseCodes().judge(j.run())
    assert result.status == "not_judged"
    assert result.summary == ("every socket the graceful stop ended was closed by the page itself (1): no server "
                              "close code to judge")
    assert result.evidence == ["b0: socket s1 closed by the page itself (close() at t=5.0s, code 1005): not the "
                               "server's code"]


def test_close_codes_still_fail_a_server_code_beside_a_page_close():
    """One socket the page closed, another the server closed with 1006: the 1006 fails the check."""
    j = JournalBuilder(["b0", "b1"]).proc(0.2, "start").connect(1, "b0").connect(1, "b1").proc(5, "stop")
    j.add(5.05, "ws.closing", client="b0", socket="s1", code=None, reason=None).drop(5.1, "b0", code=1005)
    j.drop(5.2, "b1", code=1006).proc(5.3, "exit").proc(6, "start", pid=101).steps_end(10)
    result = CloseCodes().judge(j.run())
    assert not result.passed and result.status == "failed"
    assert result.evidence[-1].startswith("b0: socket s1 closed by the page itself")


def test_server_health_passes_within_bounds():
    """active_connections 1 <= 1 in the last health document."""
    j = JournalBuilder().health(3, active_connections=4).health(9, active_connections=1).steps_end(10)
    result = ServerHealth(field="active_connections", max=1).judge(j.run())
    assert result.passed
    assert result.summary == "server health active_connections = 1 at t=9.0s, expected <= 1"


def test_server_health_fails_out_of_bounds_and_on_a_missing_field():
    """Stale connections not swept: 4 > 1; an unknown field lists the known ones."""
    j = JournalBuilder().health(9, active_connections=4, uptime_s=9.1).steps_end(10)
    result = ServerHealth(field="active_connections", max=1).judge(j.run())
    assert not result.passed
    assert result.summary == "server health active_connections = 4 at t=9.0s, expected <= 1"
    missing = ServerHealth(field="connections").judge(j.run())
    assert missing.summary == "server.health has no field 'connections'"
    assert missing.evidence == ["fields at t=9.0s: active_connections, uptime_s"]


def rate_limited(errors: int) -> JournalBuilder:
    """b0 receives `errors` rate_limited error frames and one unknown_type error."""
    j = JournalBuilder().connect(1, "b0")
    for i in range(errors):
        j.frame(2 + i, "b0", "received", "error", f"m{i}", code="rate_limited", retry_after=3)
    return j.frame(9, "b0", "received", "error", code="unknown_type").steps_end(10)


def test_frames_seen_counts_frames_with_a_field_value():
    """Two rate_limited errors: at least one expected."""
    result = FramesSeen(type="error", field="code", equals="rate_limited").judge(rate_limited(2).run())
    assert result.passed
    assert result.summary == "2 received 'error' frames with code = rate_limited"
    assert result.evidence == ["b0: 2, first at t=2.0s"]


def test_frames_seen_fails_outside_min_and_max():
    """No rate limiting happened; and too many errors for max: 1."""
    result = FramesSeen(type="error", field="code", equals="rate_limited").judge(rate_limited(0).run())
    assert not result.passed
    assert result.summary == "0 received 'error' frames with code = rate_limited, expected at least 1"
    too_many = FramesSeen(type="error", max=1).judge(rate_limited(2).run())
    assert too_many.summary == "3 received 'error' frames, expected at least 1 and at most 1"


def test_a_failed_frames_seen_says_which_frame_types_did_arrive():
    """No pong for p0: the evidence lists what p0 received instead, by type, most first."""
    j = JournalBuilder([], protocol=["p0"]).connect(1, "p0").frame(1.1, "p0", "received", "connected")
    for i in range(12):
        j.frame(2 + i * 0.1, "p0", "received", "ack", f"m{i}")
    j.frame(5, "p0", "received", "ticket_created").frame(5.5, "p0", "received", "ticket_created")
    result = FramesSeen(type="pong").judge(j.frame(6, "p0", "sent", "ping").steps_end(10).run())
    assert not result.passed
    assert result.summary == "0 received 'pong' frames, expected at least 1"
    assert result.evidence == ["p0: 0", "p0: all received frames by type: ack x12, ticket_created x2, connected x1"]
    assert result.at == []  # a count that fell short has no moment of its own


def test_frames_seen_caps_the_types_it_lists_and_names_clients_that_got_nothing():
    """Ten types: eight listed, the other two counted; a client with no frame at all says so."""
    j = JournalBuilder([], protocol=["p0", "p1"]).connect(1, "p0").connect(1, "p1")
    for i in range(10):
        for _ in range(10 - i):
            j.frame(2 + i, "p0", "received", f"t{i}")
    result = FramesSeen(type="pong").judge(j.steps_end(20).run())
    assert result.evidence == ["p0: 0", "p1: 0",
                               "p0: all received frames by type: t0 x10, t1 x9, t2 x8, t3 x7, t4 x6, t5 x5, "
                               "t6 x4, t7 x3, and 2 more types",
                               "p1: no received frame at all"]


def test_frames_seen_with_a_field_says_what_the_frames_of_that_type_held():
    """Error frames came, but none with code = rate_limited: the codes they had are listed."""
    j = JournalBuilder().connect(1, "b0").frame(2, "b0", "received", "error", code="bad_json")
    j.frame(3, "b0", "received", "error", code="bad_json").frame(4, "b0", "received", "error", detail={"x": 1})
    result = FramesSeen(type="error", field="code", equals="rate_limited").judge(j.steps_end(10).run())
    assert result.evidence == ["b0: 0", "b0: all received frames by type: error x3",
                               "b0: 3 'error' frames without code = rate_limited (code: bad_json x2, (missing) x1)"]


def test_too_many_frames_are_marked_at_the_frame_that_went_over_max():
    """max: 1 and three error frames (t=2, 3, 9): the marker is the second one, at t=3."""
    result = FramesSeen(type="error", max=1).judge(rate_limited(2).run())
    assert not result.passed
    assert result.evidence == ["b0: 3, first at t=2.0s"]
    assert result.at == [3.0]


def test_frames_seen_equals_needs_a_field():
    """`equals` without `field` is a scenario error."""
    with pytest.raises(ValueError, match="equals: needs field:"):
        FramesSeen(type="error", equals="rate_limited")


def test_teardown_after_the_last_step_is_not_judged():
    """The runner's final graceful stop (after the last step.end) is no fault and no restart."""
    j = restart().proc(11, "stop").ws_close(11.1, "b0", "s2", code=1006).proc(11.3, "exit")
    result = CloseCodes().judge(j.run())
    assert result.passed
    assert result.summary == "1 socket closed by 1 graceful stop with allowed codes (1012 x1)"
    assert ServerRestarts(count=1).judge(j.run()).passed
