"""Checks `backoff` and `gives_up` on canned journals of reconnection attempts."""

from __future__ import annotations

from journal_builder import JournalBuilder

from harness.checks.backoff import Backoff
from harness.checks.gives_up import GivesUp
from harness.units import Duration


def reconnecting(delays: list[float], reconnect: bool = True, time_scale: float = 1.0) -> JournalBuilder:
    """b0 loses its socket at t=10 and waits `delays` before each attempt (page clock = journal)."""
    j = JournalBuilder(time_scale=time_scale).connect(1, "b0").drop(10, "b0")
    t = 10.0
    for delay in delays:
        t += delay
        j.attempt(t, "b0")
    if reconnect:
        j.ws_open(t, "b0", "s2").probe(t, "b0", state="connected")
    return j.steps_end(t + 5)


def test_backoff_passes_for_jittered_exponential_delays():
    """Delays of 0.5..1 x min(30s, 1s x 2^(n-1)) with varying jitter pass."""
    result = Backoff().judge(reconnecting([0.6, 1.8, 2.8, 7.6, 8.8]).run())
    assert result.passed
    assert result.summary == "5 reconnection delays of b0 follow min(30s, 1s x 2^(n-1)) with jitter"
    assert result.metrics["intervals"] == 5


def test_backoff_scales_the_schedule_with_the_time_scale():
    """At time_scale 0.1 the nominal delays are 0.1s, 0.2s, 0.4s, ..."""
    assert Backoff().judge(reconnecting([0.06, 0.18, 0.28, 0.76], time_scale=0.1).run()).passed


def test_backoff_fails_without_jitter():
    """Delays exactly on the nominal schedule: the thundering-herd bug."""
    result = Backoff().judge(reconnecting([1, 2, 4, 8]).run())
    assert not result.passed
    assert result.summary == "reconnection backoff does not follow min(30s, 1s x 2^(n-1)) with jitter: 1 problem"
    assert result.evidence == ["b0: no jitter: none of 4 delays is shorter than 0.9 x nominal (shortest 1.00 x, mean 1.00 x); jitter makes them 0.5..1 x"]


def test_backoff_without_jitter_expected_accepts_exact_delays():
    """jitter: false expects the delays on the nominal schedule."""
    assert Backoff(jitter=False).judge(reconnecting([1, 2, 4, 8]).run()).passed


def test_backoff_fails_when_the_delay_does_not_grow():
    """A fixed 1s delay is too short from the third attempt on."""
    result = Backoff().judge(reconnecting([1, 1, 1, 1]).run())
    assert not result.passed
    assert result.summary == "reconnection backoff does not follow min(30s, 1s x 2^(n-1)) with jitter: 2 problems"
    assert result.evidence == [
        "b0: reconnection attempt 3 at t=13.0s waited 1s, expected 1.35s..4.85s (nominal 4s)",
        "b0: reconnection attempt 4 at t=14.0s waited 1s, expected 2.75s..9.45s (nominal 8s)"]


def test_backoff_fails_when_the_cap_is_exceeded():
    """With cap 2s the fourth delay of 7.6s is far over the cap."""
    result = Backoff(cap=Duration(2.0)).judge(reconnecting([0.6, 1.8, 1.5, 7.6]).run())
    assert not result.passed
    assert result.evidence == ["b0: reconnection attempt 4 at t=21.5s waited 7.6s, expected 650ms..2.55s (nominal 2s)"]


def test_backoff_needs_enough_attempts():
    """Two attempts cannot show exponential growth: the check says how many it needs."""
    result = Backoff().judge(reconnecting([0.7, 1.5]).run())
    assert not result.passed
    assert result.evidence == ["b0: at most 2 reconnection attempts in one disconnection, need 3 to judge "
                               "the backoff (make the outage longer)"]


def test_gives_up_passes_after_the_configured_attempts():
    """Five failed reconnection attempts, then state `failed`."""
    j = reconnecting([0.7, 1.5, 3, 6, 12], reconnect=False).probe(34, "b0", state="failed")
    result = GivesUp(after_attempts=5).judge(j.run())
    assert result.passed
    assert result.summary == "b0 gave up after 5 attempts and showed 'failed'"
    assert result.evidence == ["b0: 5 reconnection attempts since t=10.0s", "b0: state 'failed' from t=34.0s"]


def test_gives_up_fails_when_the_client_gives_up_too_early():
    """The legacy client stops after 5 attempts where 20 were expected."""
    j = reconnecting([0.7, 1.5, 3, 6, 12], reconnect=False).probe(34, "b0", state="failed")
    result = GivesUp().judge(j.run())
    assert not result.passed
    assert result.summary == "1 problem giving up after 20 attempts"
    assert result.evidence == ["b0: 5 reconnection attempts since t=10.0s, expected exactly 20",
                               "b0: state 'failed' from t=34.0s"]


def test_gives_up_fails_when_the_client_never_gives_up():
    """Still reconnecting at the end: wrong count and wrong final state."""
    result = GivesUp(after_attempts=3).judge(reconnecting([0.7, 1.5, 3, 6], reconnect=False).run())
    assert not result.passed
    assert result.evidence == ["b0: 4 reconnection attempts since t=10.0s, expected exactly 3",
                               "b0: final state 'reconnecting', expected 'failed'"]


def test_gives_up_counts_retries_of_a_client_that_never_connected():
    """Never connected: the initial connect is not a reconnection attempt."""
    j = JournalBuilder().probe(0.5, "b0", state="connecting")
    for t in (1, 2, 4, 8):
        j.attempt(t, "b0")
    j.probe(9, "b0", state="failed").steps_end(10)
    result = GivesUp(after_attempts=3).judge(j.run())
    assert result.passed
    assert result.evidence == ["b0: 3 reconnection attempts since the start", "b0: state 'failed' from t=9.0s"]


def test_backoff_accepts_an_immediate_first_attempt():
    """Reconnecting at once (online event, pong timeout) is by design, not a broken backoff."""
    assert Backoff().judge(reconnecting([0.005, 1.8, 2.8, 7.6, 8.8]).run()).passed


def test_backoff_detects_missing_jitter_at_a_small_time_scale():
    """At time_scale 0.1 the first nominal delay (100ms) is a delay, not an immediate attempt."""
    result = Backoff().judge(reconnecting([0.1, 0.2, 0.4, 0.8], time_scale=0.1).run())
    assert not result.passed
    assert result.evidence == ["b0: no jitter: none of 4 delays is shorter than 0.9 x nominal (shortest 1.00 x, mean 1.00 x); jitter makes them 0.5..1 x"]
