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
    assert result.at == [25.0]  # the fourth delay, the last one judged, completes the pattern


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
    assert result.at == [13.0, 14.0]  # the attempts that came too early, not the disconnection


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


# -- a late machine: lateness the harness or the page measured can excuse a late delay, nothing else

STARVED = [0.2, 1.38, 0.7, 1.6]  # at time_scale 0.25: attempt 2 is 555ms over its 825ms limit
LATE_LINE = "b0: reconnection attempt 2 at t=11.6s waited 1.38s, expected 125ms..825ms (nominal 500ms)"


def test_backoff_fails_on_a_late_delay_without_measured_lag():
    """Nothing says the machine was busy: the late attempt is the app's fault."""
    result = Backoff().judge(reconnecting(STARVED, time_scale=0.25).run())
    assert result.status == "failed"
    assert result.evidence == [LATE_LINE]


def test_backoff_is_inconclusive_when_the_page_lag_explains_the_late_delay():
    """The page's timers ran 610ms late while attempt 2 was due: 555ms over is no evidence of a bug."""
    j = reconnecting(STARVED, time_scale=0.25).lag(11.7, "b0", 610, window_s=1.4)
    result = Backoff().judge(j.run())
    assert (result.passed, result.inconclusive, result.status) == (False, True, "inconclusive")
    assert result.summary == ("1 reconnection delay of min(30s, 1s x 2^(n-1)) with jitter came "
                              "late by no more than the machine's measured lag (up to 610ms): a busy machine, "
                              "not the app, can explain it")
    assert result.evidence == [f"{LATE_LINE}: 555ms over, but b0's timers ran up to 610ms late between "
                               "t=10.3s and t=11.7s (machine busy)"]
    assert result.metrics["late_explained_by_lag"] == 1 and result.metrics["lag_s"] == 0.61


def test_backoff_is_inconclusive_when_the_harness_lag_explains_the_late_delay():
    """The harness's own loop lag counts too: the whole machine was late."""
    j = reconnecting(STARVED, time_scale=0.25).lag(11.0, "harness", 900)
    result = Backoff().judge(j.run())
    assert result.status == "inconclusive"
    assert result.evidence[0].endswith("but the harness's timers ran up to 900ms late between t=10.0s and "
                                       "t=11.0s (machine busy)")


def test_backoff_fails_when_the_lag_is_too_small_to_explain_the_late_delay():
    """300ms of lag cannot explain 555ms over the limit."""
    j = reconnecting(STARVED, time_scale=0.25).lag(11.7, "b0", 300, window_s=1.4)
    result = Backoff().judge(j.run())
    assert result.status == "failed"
    assert result.evidence == [LATE_LINE]


def test_backoff_lag_of_another_client_or_another_time_explains_nothing():
    """b1's lag, or b0's lag long before the attempt, does not excuse b0's late attempt."""
    j = JournalBuilder(["b0", "b1"], time_scale=0.25).connect(1, "b0").drop(10, "b0")
    for t in (10.2, 11.58, 12.28, 13.88):
        j.attempt(t, "b0")
    j.ws_open(13.88, "b0", "s2").probe(13.88, "b0", state="connected").steps_end(20)
    j.lag(11.7, "b1", 2000).lag(5.0, "b0", 2000)
    assert Backoff(clients="b0").judge(j.run()).status == "failed"


def test_backoff_without_jitter_fails_even_when_the_machine_was_late():
    """no_jitter: lag may excuse the late attempt 2, never the identical 1.0 x delays."""
    j = reconnecting([0.25, 1.2, 1.0, 2.0], time_scale=0.25).lag(13.0, "b0", 2000, window_s=3.0)
    result = Backoff().judge(j.run())
    assert result.status == "failed"
    assert result.summary == "reconnection backoff does not follow min(30s, 1s x 2^(n-1)) with jitter: 1 problem"
    assert result.evidence == [
        "b0: no jitter: none of 4 delays is shorter than 0.9 x nominal (shortest 1.00 x, mean 1.35 x); "
        "jitter makes them 0.5..1 x",
        "b0: reconnection attempt 2 at t=11.4s waited 1.2s, expected 125ms..825ms (nominal 500ms): 375ms over, "
        "but b0's timers ran up to 2s late between t=10.0s and t=13.0s (machine busy)"]


def test_backoff_early_attempts_are_never_excused_by_lag():
    """A delay that does not grow is too short: a busy machine makes timers late, never early."""
    j = reconnecting([1, 1, 1, 1]).lag(15.0, "b0", 5000, window_s=5.0)
    result = Backoff().judge(j.run())
    assert result.status == "failed"
    assert result.evidence == [
        "b0: reconnection attempt 3 at t=13.0s waited 1s, expected 1.35s..4.85s (nominal 4s)",
        "b0: reconnection attempt 4 at t=14.0s waited 1s, expected 2.75s..9.45s (nominal 8s)"]
