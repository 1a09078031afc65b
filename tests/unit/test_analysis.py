"""Unit tests of harness.analysis on canned journals."""

from __future__ import annotations

import pytest
from journal_builder import JournalBuilder

from harness.analysis import (AttemptRun, FaultWindow, Window, attempt_runs, client_names,
                              disconnections, fault_windows, probe_series, reconnect_times, scenario_end,
                              server_state_at, server_windows, socket_windows, state_timeline)
from harness.message_audit import message_audit, message_stats
from harness.metrics import percentile


def test_state_timeline_keeps_only_changes_of_the_probed_state():
    """Probe snapshots that do not change `state` add nothing to the timeline."""
    j = JournalBuilder().probe(0.5, "b0", state="connecting").probe(1.0, "b0", state="connected")
    j.probe(2.0, "b0", health="DEGRADED").probe(3.0, "b0", state="reconnecting")
    assert state_timeline(j.events(), "b0") == [(0.5, "connecting"), (1.0, "connected"), (3.0, "reconnecting")]


def test_state_timeline_falls_back_to_sockets_without_probes():
    """A protocol client's timeline comes from ws.open / ws.close / client.close."""
    j = JournalBuilder([], protocol=["p0"]).ws_open(1.0, "p0").ws_close(2.0, "p0").ws_close(2.5, "p0", "s2")
    j.ws_open(3.0, "p0", "s3").add(4.0, "client.close", client="p0")
    assert state_timeline(j.events(), "p0") == [
        (1.0, "connected"), (2.0, "reconnecting"), (3.0, "connected"), (4.0, "disconnected")]


def test_disconnections_merge_states_and_ignore_the_initial_connect():
    """States before the first connect are not a disconnection; consecutive outages are one window."""
    j = JournalBuilder().probe(0.2, "b0", state="connecting").probe(1.0, "b0", state="connected")
    j.probe(2.0, "b0", state="reconnecting").probe(3.0, "b0", state="offline")
    j.probe(4.0, "b0", state="connected").probe(6.0, "b0", state="failed")
    assert disconnections(j.events(), "b0") == [Window(2.0, 4.0, "offline"), Window(6.0, None, "failed")]


def test_reconnect_times_counts_completed_disconnections_only():
    """An unfinished disconnection has no reconnect time."""
    j = JournalBuilder(["b0", "b1"]).connect(1, "b0").drop(2, "b0").connect(3.5, "b0", "s2")
    j.connect(1, "b1").drop(5, "b1")
    assert reconnect_times(j.events()) == [1.5]
    assert reconnect_times(j.events(), ["b1"]) == []


def test_fault_windows_pair_apply_and_revert_by_id():
    """fault.apply / fault.revert become windows; an unreverted fault has end None."""
    j = JournalBuilder().fault(2, ["b0"], "latency", revert_at=5, params={"latency": "300ms"})
    j.fault(6, ["b0"], "down")
    assert fault_windows(j.events()) == [
        FaultWindow("f1", "latency", ("b0",), 2.0, 5.0),
        FaultWindow("f2", "down", ("b0",), 6.0, None, {})]
    assert fault_windows(j.events())[0].params == {"latency": "300ms", "jitter": "0ms", "stream": "downstream"}


def test_server_windows_label_up_down_paused():
    """proc.start/resume => up, pause => paused, stop/exit => down; other processes ignored."""
    j = JournalBuilder().proc(0.1, "start", name="toxiproxy").proc(0.2, "start").proc(0.5, "ready")
    j.proc(2, "pause").proc(3, "resume").proc(4, "stop").proc(4.3, "exit").proc(5, "start", pid=101)
    assert server_windows(j.events()) == [
        Window(0.2, 2.0, "up"), Window(2.0, 3.0, "paused"), Window(3.0, 4.0, "up"),
        Window(4.0, 5.0, "down"), Window(5.0, None, "up")]
    assert server_state_at(j.events(), 4.5) == "down"
    assert server_state_at(j.events(), 0.0) is None


def test_scenario_end_is_the_last_step_end():
    """Teardown after the last step is not part of the scenario."""
    j = JournalBuilder().step(0, 4).step(4, 9).end(12)
    assert scenario_end(j.events()) == 9.0
    assert scenario_end(JournalBuilder().end(3).events()) == 3.0


def test_attempt_runs_group_reconnection_attempts_and_measure_waits():
    """Waits are measured on the page clock from the close, then from attempt to attempt."""
    j = JournalBuilder().connect(1, "b0").drop(2, "b0")
    j.attempt(2.5, "b0").attempt(3.5, "b0").attempt(5.6, "b0").ws_open(5.6, "b0", "s2")
    assert attempt_runs(j.events(), "b0") == [
        AttemptRun("b0", 2.0, (2.5, 3.5, 5.6), (0.5, 1.0, pytest.approx(2.1)), 5.6)]


def test_attempt_runs_skip_the_initial_connect_of_a_never_connected_client():
    """A client that never connected: its first attempt is not a reconnection attempt."""
    j = JournalBuilder().attempt(1, "b0").attempt(2, "b0").attempt(4, "b0")
    assert attempt_runs(j.events(), "b0") == [AttemptRun("b0", None, (2.0, 4.0), (1.0, 2.0), None)]


def test_message_stats_count_lost_duplicated_and_resent():
    """Lost = not in the ledger, duplicated = twice in it, resent = sent again after the ack."""
    j = JournalBuilder().action(1, "b0", "ticket:T-1", "m1").action(2, "b0", "ticket:T-2", "m2")
    j.action(3, "b0", "ticket:T-3", "m3").frame(1.1, "b0", "sent", "ticket_notification", "m1")
    j.frame(1.2, "b0", "received", "ack", "m1").frame(4, "b0", "sent", "ticket_notification", "m1")
    j.ledger(9, ["ticket:T-1", "ticket:T-2", "ticket:T-2"])
    assert message_stats(j.events()) == {"sent": 3, "acked": 1, "lost": 1, "duplicated": 1,
                                         "resent_after_ack": 1}
    assert [a["key"] for a in message_audit(j.events()).lost] == ["ticket:T-3"]


def test_message_stats_without_a_ledger_leave_lost_unknown():
    """No server.ledger: lost and duplicated are None, not zero."""
    j = JournalBuilder().action(1, "b0", "ticket:T-1", "m1")
    assert message_stats(j.events()) == {"sent": 1, "acked": 0, "lost": None, "duplicated": None,
                                         "resent_after_ack": 0}


def test_percentile_interpolates_linearly():
    """p50 of four values lies between the middle two; empty input gives None."""
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([1, 2, 3], 100) == 3
    assert percentile([7], 95) == 7
    assert percentile([], 50) is None


def test_scenario_end_prefers_the_runner_teardown_mark():
    """run.teardown (after the ledger and health were read) ends the scenario."""
    j = JournalBuilder().step(0, 4).add(4.5, "server.ledger", entries=[]).add(4.6, "run.teardown").end(6)
    assert scenario_end(j.events()) == 4.6


def test_disconnections_add_what_only_the_sockets_saw():
    """A reconnect between two probe polls is a window from the socket's close to the next open."""
    j = JournalBuilder().connect(1, "b0").ws_close(12.4, "b0").ws_open(12.473, "b0", "s2")
    [w] = disconnections(j.events(), "b0")
    assert w == Window(12.4, 12.473, "socket closed")
    assert (w.source, w.note) == ("socket", "socket closed 1006 at t=12.4s, reopened at t=12.47s; "
                                            "the state probe did not see it")


def test_disconnections_merge_overlapping_probe_and_socket_windows():
    """Overlapping or touching windows from both sources become one, labelled by the probe."""
    j = JournalBuilder().connect(1, "b0").ws_close(5.0, "b0").probe(5.1, "b0", state="reconnecting")
    j.ws_open(6.0, "b0", "s2").ws_close(6.02, "b0", "s2").probe(6.1, "b0", state="offline")
    j.ws_open(7.0, "b0", "s3").probe(7.05, "b0", state="connected")
    j.ws_close(9.0, "b0", "s3").ws_open(9.05, "b0", "s4").probe(9.05, "b0", state="reconnecting")
    j.probe(9.2, "b0", state="connected")
    windows = disconnections(j.events(), "b0")
    assert windows == [Window(5.0, 7.05, "offline"), Window(9.0, 9.2, "reconnecting")]
    assert [w.source for w in windows] == ["probe+socket", "probe+socket"]


def test_disconnections_without_sockets_are_the_probe_windows():
    """A client with probes but no socket events: only the probe's windows, as before."""
    j = JournalBuilder().probe(1, "b0", state="connected").probe(2, "b0", state="offline")
    j.probe(3, "b0", state="connected")
    assert [(w, w.source) for w in disconnections(j.events(), "b0")] == [(Window(2.0, 3.0, "offline"), "probe")]


def test_socket_windows_follow_the_app_socket_through_the_proxy():
    """Another socket of the page (not through the client's proxy) does not hide the app socket's close."""
    j = JournalBuilder().proxy(0.1, "b0").connect(1, "b0").ws_open(1.2, "b0", "s2", url="ws://127.0.0.1:5173/hmr")
    j.ws_close(4, "b0", "s1").ws_open(4.05, "b0", "s3")
    assert socket_windows(j.events(), "b0") == [Window(4.0, 4.05, "socket closed")]
    assert socket_windows(JournalBuilder().connect(1, "b0").ws_open(1.2, "b0", "s2", url="ws://other:1/x")
                          .ws_close(4, "b0", "s1").ws_open(4.05, "b0", "s3").events(), "b0") == []


def test_socket_windows_mark_a_page_closed_on_purpose():
    """A socket lost because the scenario closed the page is labelled `closed` (deliberate)."""
    j = JournalBuilder().connect(1, "b0").browser(5, "b0", "close").add(5.5, "ws.close", client="b0", socket="s1")
    [w] = socket_windows(j.events(), "b0")
    assert (w, w.note) == (Window(5.5, None, "closed"), "socket closed (no close code) at t=5.5s, not reopened")


def test_client_names_and_probe_series_are_the_ones_the_report_reads():
    """One implementation: the report's extract module re-exports the analysis helpers."""
    from harness.report import extract
    assert extract.client_names is client_names and extract.probe_series is probe_series
    j = JournalBuilder(["b1", "b0"]).probe(1, "b0", queueLength=2).probe(2, "b0", queueLength=2)
    j.probe(3, "b0", queueLength=0).probe(4, "p9", state="connected")
    assert client_names(j.events()) == ["b1", "b0", "p9"]
    assert probe_series(j.events(), "b0", ("queue_length", "queueLength")) == [(1.0, 2), (3.0, 0)]
