"""Check `heartbeat` on canned journals (time_scale 0.1: a 15s heartbeat is every 1.5s)."""

from __future__ import annotations

from journal_builder import JournalBuilder

from harness.checks.heartbeat import Heartbeat


def pinging(times: list[float], end: float = 10.0) -> JournalBuilder:
    """b0 connected from t=1 on socket s1, sending pings at `times`."""
    j = JournalBuilder(time_scale=0.1).connect(1, "b0")
    for i, t in enumerate(times):
        j.frame(t, "b0", "sent", "ping", f"p{i}", timestamp=int(t * 1000))
    return j.steps_end(end)


def test_heartbeat_passes_on_a_steady_ping():
    """A ping every 1.5s, the scaled interval."""
    result = Heartbeat().judge(pinging([2.5, 4.0, 5.5, 7.0, 8.5]).run())
    assert result.passed
    assert result.summary == "heartbeat ping every 15s (x 0.1 = 1.5s): 4 intervals, longest 1.5s"
    assert result.metrics["limit_s"] == 1.875


def test_heartbeat_fails_on_the_legacy_30s_interval():
    """A ping every 3s leaves gaps over 15s x 1.25."""
    result = Heartbeat().judge(pinging([4.0, 7.0, 10.0]).run())
    assert not result.passed
    assert result.summary == "heartbeat ping every 15s (x 0.1 = 1.5s): 3 problems"
    assert result.evidence[0] == ("b0: no ping for 3s between t=1.0s and t=4.0s on socket s1, "
                                  "limit 1.88s (15s x 0.1 x 1.25)")


def test_heartbeat_fails_when_the_socket_goes_silent():
    """No ping after t=4: the trailing gap to the end of the steps is a missed heartbeat."""
    result = Heartbeat().judge(pinging([2.5, 4.0]).run())
    assert not result.passed
    assert result.evidence == ["b0: no ping for 6s between t=4.0s and t=10.0s on socket s1, "
                               "limit 1.88s (15s x 0.1 x 1.25)"]


def test_heartbeat_fails_when_faster_than_configured():
    """The median interval must not be below interval x (1 - tolerance)."""
    result = Heartbeat().judge(pinging([1.5 + 0.5 * i for i in range(17)]).run())
    assert not result.passed
    assert result.evidence == ["b0: ping every 500ms (median of 16), expected at least 1.12s: "
                               "heartbeat faster than configured"]


def test_heartbeat_needs_two_pings_on_one_socket():
    """Too short a run to measure an interval fails and says what to change."""
    result = Heartbeat().judge(pinging([2.0], end=3.0).run())
    assert not result.passed
    assert result.evidence == ["b0: fewer than 2 ping frames on one socket while connected and visible; "
                               "run the scenario longer than 2 x 1.5s"]


def hidden(times: list[float]) -> JournalBuilder:
    """b0 is hidden from t=4.2 to t=7.0."""
    return pinging(times).browser(4.2, "b0", "hidden").browser(7.0, "b0", "visible")


def test_heartbeat_paused_while_hidden_passes():
    """No ping while hidden, one right after becoming visible."""
    result = Heartbeat(paused_while_hidden=True).judge(hidden([2.5, 4.0, 7.2, 8.7]).run())
    assert result.passed
    assert result.summary == "heartbeat ping every 15s (x 0.1 = 1.5s), paused while hidden: 2 intervals, longest 1.5s"


def test_heartbeat_paused_while_hidden_fails_on_pings_while_hidden_and_a_late_resume():
    """A ping while hidden, and none within resume_within after visible."""
    result = Heartbeat(paused_while_hidden=True).judge(hidden([2.5, 4.0, 5.5, 8.4, 9.9]).run())
    assert not result.passed
    assert result.evidence == [
        "b0: sent 1 ping while hidden (t=4.2s..t=7.0s), first at t=5.5s",
        "b0: no ping within 600ms after becoming visible at t=7.0s (1s x 0.1 + 500ms slack)"]


def test_heartbeat_field_filter_separates_heartbeats_from_health_samples():
    """Health pings every 0.3s share the socket; only `source: heartbeat` pings are judged."""
    j = JournalBuilder(time_scale=0.1).connect(1, "b0")
    for i in range(28):
        j.frame(1.3 + 0.3 * i, "b0", "sent", "ping", f"h{i}", source="health")
    for i, t in enumerate([2.5, 4.0, 5.5, 7.0, 8.5]):
        j.frame(t, "b0", "sent", "ping", f"p{i}", source="heartbeat")
    j.steps_end(10)
    result = Heartbeat(field="source", equals="heartbeat").judge(j.run())
    assert result.passed
    assert result.summary == "heartbeat ping (source = heartbeat) every 15s (x 0.1 = 1.5s): 4 intervals, longest 1.5s"
    assert not Heartbeat().judge(j.run()).passed
