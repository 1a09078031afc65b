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



def seeded_by(j: JournalBuilder, how: str) -> JournalBuilder:
    """b0's page as the harness opened it: whether --seed replays its randomness (`page_random`)."""
    return j.add(0.5, "client.open", client="b0", client_kind="browser", proxy="ws-b0",
                 url="http://127.0.0.1:8080/?seed=7", page_random=how)


UNSEEDED = "replay: --seed 7 draws these delays again only if the page's randomness follows it " \
           "(`seed_random: true` in the target); this journal does not say"


# -- equal jitter: nominal x 0.5..1 (the reference client)

def test_backoff_equal_passes_jittered_exponential_delays():
    """Delays of 0.5..1 x min(30s, 1s x 2^(n-1)) pass, and the check says which model it saw."""
    result = Backoff(jitter="equal").judge(reconnecting([0.6, 1.8, 2.8, 7.6, 8.8]).run())
    assert result.passed
    assert result.summary == "5 reconnection delays of b0 fit equal jitter: min(30s, 1s x 2^(n-1)) x 0.5..1"
    assert (result.metrics["model"], result.metrics["models_fitting"]) == ("equal", ["equal"])
    assert result.metrics["intervals"] == 5


def test_backoff_scales_the_schedule_with_the_time_scale():
    """At time_scale 0.1 the nominal delays are 0.1s, 0.2s, 0.4s, ..."""
    assert Backoff(jitter="equal").judge(reconnecting([0.06, 0.18, 0.28, 0.76], time_scale=0.1).run()).passed


def test_backoff_equal_fails_without_jitter():
    """Six delays exactly on the nominal schedule: the thundering-herd bug, at odds no jitter model explains."""
    result = Backoff(jitter="equal").judge(reconnecting([1, 2, 4, 8, 16, 30]).run())
    assert not result.passed and not result.inconclusive
    assert result.summary == ("reconnection delays do not fit equal jitter (min(30s, 1s x 2^(n-1)) x 0.5..1): "
                              "1 problem")
    assert result.evidence == ["b0: no jitter: all 6 delays are 1.00..1.00 x nominal; equal jitter "
                               "(0.5..1 x nominal) puts them there 1 in 12 billion times"]
    assert result.at == [71.0]  # the sixth delay, the last one judged, completes the pattern
    assert result.metrics["model"] == "none" and result.metrics["jitter_odds"] == 8.24e-11


def test_backoff_cannot_tell_jitter_from_none_on_too_few_short_delays():
    """Four delays on the schedule at time_scale 0.1: equal jitter does that 1 in 3,000 times: inconclusive."""
    result = Backoff(jitter="equal").judge(reconnecting([0.1, 0.2, 0.4, 0.8], time_scale=0.1).run())
    assert result.status == "inconclusive"
    assert result.summary == ("cannot tell equal jitter (min(30s, 1s x 2^(n-1)) x 0.5..1) from no jitter: every "
                              "delay of b0 is on the nominal schedule, but there are too few to be sure (make the "
                              "outage longer for more attempts)")
    assert result.evidence == [
        "b0: maybe no jitter: all 4 delays are 1.00..1.00 x nominal; equal jitter (0.5..1 x nominal) puts them "
        "there 1 in 3,000 times: too often to call it no jitter; a longer outage (more attempts) tells them apart",
        UNSEEDED]


def test_backoff_fails_when_the_delay_does_not_grow():
    """A fixed 1s delay is too short for equal jitter from the third attempt on."""
    result = Backoff(jitter="equal").judge(reconnecting([1, 1, 1, 1]).run())
    assert not result.passed
    assert result.summary == ("reconnection delays do not fit equal jitter (min(30s, 1s x 2^(n-1)) x 0.5..1): "
                              "2 problems")
    assert result.evidence == [
        "b0: reconnection attempt 3 at t=13.0s waited 1s, expected 1.35s..4.85s (nominal 4s)",
        "b0: reconnection attempt 4 at t=14.0s waited 1s, expected 2.75s..9.45s (nominal 8s)",
        UNSEEDED]
    assert result.at == [13.0, 14.0]  # the attempts that came too early, not the disconnection


def test_backoff_fails_when_the_cap_is_exceeded():
    """With cap 2s the fourth delay of 7.6s is far over the cap."""
    result = Backoff(cap=Duration(2.0), jitter="equal").judge(reconnecting([0.6, 1.8, 1.5, 7.6]).run())
    assert not result.passed
    assert result.evidence[0] == "b0: reconnection attempt 4 at t=21.5s waited 7.6s, expected 650ms..2.55s (nominal 2s)"


def test_backoff_needs_enough_attempts():
    """Two attempts cannot show exponential growth: the check says how many it needs."""
    result = Backoff().judge(reconnecting([0.7, 1.5]).run())
    assert not result.passed
    assert result.summary == "cannot judge the reconnection delays against equal, full or randomized jitter: 1 problem"
    assert result.evidence == ["b0: at most 2 reconnection attempts in one disconnection, need 3 to judge "
                               "the backoff (make the outage longer)"]


def test_backoff_accepts_an_immediate_first_attempt():
    """Reconnecting at once (online event, pong timeout) is by design, not a broken backoff."""
    assert Backoff(jitter="equal").judge(reconnecting([0.005, 1.8, 2.8, 7.6, 8.8]).run()).passed


# -- full jitter: nominal x 0..1 (AWS; python `backoff`'s default)

FULL = [0.036, 0.7, 0.3, 2.5, 1.1]  # base 500ms, cap 8s: the correct client issue 17 saw fail


def test_backoff_full_passes_delays_down_to_zero():
    """A first delay of 36ms is 0.07 x nominal: full jitter, not an early attempt."""
    result = Backoff(base=Duration(0.5), cap=Duration(8), jitter="full").judge(reconnecting(FULL).run())
    assert result.passed
    assert result.summary == "5 reconnection delays of b0 fit full jitter: min(8s, 500ms x 2^(n-1)) x 0..1"
    assert result.metrics["model"] == "full"


def test_backoff_equal_fails_full_jitter_and_names_the_model_that_fits():
    """The same delays against equal jitter: too early, and the evidence says which model they fit."""
    j = seeded_by(reconnecting(FULL), "unseeded")
    result = Backoff(base=Duration(0.5), cap=Duration(8), jitter="equal").judge(j.run())
    assert not result.passed
    assert result.evidence == [
        "b0: reconnection attempt 1 at t=10.0s waited 36ms, expected 125ms..825ms (nominal 500ms)",
        "b0: reconnection attempt 3 at t=11.0s waited 300ms, expected 650ms..2.55s (nominal 2s)",
        "b0: reconnection attempt 5 at t=14.6s waited 1.1s, expected 2.75s..9.45s (nominal 8s)",
        "these delays fit full jitter (min(8s, 500ms x 2^(n-1)) x 0..1): if that is the app's model, write "
        "`jitter: full`",
        "replay: the rerun with --seed 7 does not draw these delays again: the page's Math.random is not seeded; "
        "add `seed_random: true` to the target to replay them"]


def test_backoff_full_fails_a_late_delay():
    """Full jitter never waits longer than the nominal: 2.9s before attempt 2 (nominal 2s) is late."""
    result = Backoff(jitter="full").judge(reconnecting([0.4, 2.9, 1.0, 5.0]).run())
    assert not result.passed
    assert result.summary == "reconnection delays do not fit full jitter (min(30s, 1s x 2^(n-1)) x 0..1): 1 problem"
    assert result.evidence[0] == "b0: reconnection attempt 2 at t=13.3s waited 2.9s, expected 0ms..2.55s (nominal 2s)"


def test_backoff_full_fails_without_jitter():
    """Five delays on the nominal schedule: full jitter spreads over 0..1 x, so that is no jitter."""
    result = Backoff(jitter="full").judge(reconnecting([1, 2, 4, 8, 16]).run())
    assert result.status == "failed"
    assert result.evidence == ["b0: no jitter: all 5 delays are 1.00..1.00 x nominal; full jitter "
                               "(0..1 x nominal) puts them there 1 in 5.1 billion times"]


def test_backoff_full_fails_a_fixed_delay():
    """A constant 1s is inside full jitter's windows, but no jittered client draws it five times."""
    result = Backoff(jitter="full").judge(reconnecting([1, 1, 1, 1, 1]).run())
    assert result.status == "failed"
    assert result.evidence == ["b0: no jitter: all 5 delays are a fixed 1s..1s (base 1s, no growth); full jitter "
                               "(0..1 x nominal) puts them there 1 in 2.8 billion times"]


# -- randomized: base x factor^(n-1) x (1 ± f), then the cap (socket.io-client's backo2)

SOCKET_IO = dict(base=Duration(1), cap=Duration(5), jitter="randomized")  # its defaults: 1s, 5s, 0.5


def test_backoff_randomized_passes_a_first_delay_of_1_5_base_and_delays_at_the_cap():
    """1.45s first (up to 1.5 x base), then delays capped after the randomization: exactly 5s."""
    result = Backoff(**SOCKET_IO).judge(reconnecting([1.45, 2.9, 2.1, 5.0, 5.0, 5.0]).run())
    assert result.passed
    assert result.summary == "6 reconnection delays of b0 fit randomized jitter: min(5s, 1s x 2^(n-1) x 0.5..1.5)"


def test_backoff_equal_fails_the_randomized_first_delay():
    """The same 1.45s first delay is over equal jitter's 1s nominal, and the hint names randomized."""
    result = Backoff(base=Duration(1), cap=Duration(5), jitter="equal").judge(
        reconnecting([1.45, 2.9, 2.1, 5.0, 5.0, 5.0]).run())
    assert not result.passed
    assert result.evidence[:3] == [
        "b0: reconnection attempt 1 at t=11.4s waited 1.45s, expected 300ms..1.4s (nominal 1s)",
        "b0: reconnection attempt 2 at t=14.3s waited 2.9s, expected 650ms..2.55s (nominal 2s)",
        "these delays fit randomized jitter (min(5s, 1s x 2^(n-1) x 0.5..1.5)): if that is the app's model, "
        "write `jitter: randomized`"]


def test_backoff_randomized_fails_a_delay_over_the_cap():
    """The cap applies after the randomization: 6.5s is over a 5s cap."""
    result = Backoff(**SOCKET_IO).judge(reconnecting([1.2, 1.4, 3.5, 6.5]).run())
    assert not result.passed
    assert result.evidence[0] == "b0: reconnection attempt 4 at t=22.6s waited 6.5s, expected 3.2s..6s (nominal 5s)"


def test_backoff_randomized_fails_without_jitter():
    """On the nominal schedule five times: capped delays count for nothing, the first three for a lot."""
    result = Backoff(base=Duration(1), cap=Duration(30), jitter="randomized").judge(
        reconnecting([1, 2, 4, 8, 16, 30]).run())
    assert result.status == "failed"
    assert result.evidence == ["b0: no jitter: all 6 delays are 1.00..1.00 x nominal; randomized jitter "
                               "(1-f..1+f x base x factor^(n-1)) puts them there 1 in 61 million times"]


def test_backoff_passes_but_says_when_delays_on_the_schedule_are_too_few_to_tell():
    """Four short delays on the schedule: randomized jitter lands there 1 in 820 times, no evidence either way."""
    result = Backoff(jitter="randomized").judge(reconnecting([0.1, 0.2, 0.4, 0.8], time_scale=0.1).run())
    assert result.passed
    assert result.summary == ("4 reconnection delays of b0 fit randomized jitter: min(30s, 1s x 2^(n-1) x 0.5..1.5); "
                              "every delay of b0 is where a client without jitter puts it, but too few to tell")
    assert result.evidence == ["b0: all 4 delays are 1.00..1.00 x nominal; randomized jitter (1-f..1+f x base x "
                               "factor^(n-1)) puts them there 1 in 820 times"]
    assert result.metrics["jitter_odds"] == 0.00122


def test_backoff_randomization_factor_narrows_the_window():
    """randomization_factor 0.1 with base 4s: 5.8s is over 1.1 x base (0.5 would allow 6s)."""
    delays = [5.8, 8.0, 15.0, 20.0]
    check = Backoff(base=Duration(4), cap=Duration(20), jitter="randomized", randomization_factor=0.1)
    result = check.judge(reconnecting(delays).run())
    assert result.evidence[0] == "b0: reconnection attempt 1 at t=15.8s waited 5.8s, expected 2.95s..5.31s (nominal 4s)"
    assert Backoff(base=Duration(4), cap=Duration(20), jitter="randomized").judge(reconnecting(delays).run()).passed


# -- decorrelated: min(cap, random(base, 3 x the previous delay)) (AWS)

def test_backoff_decorrelated_passes_delays_that_grow_from_the_previous_one():
    """Each delay within base..3 x the one before: 2.5s, then 1.2s (up to 7.5s), 3.3s (up to 3.6s), 9s."""
    result = Backoff(jitter="decorrelated").judge(reconnecting([2.5, 1.2, 3.3, 9.0]).run())
    assert result.passed
    assert result.summary == ("4 reconnection delays of b0 fit decorrelated jitter: "
                              "min(30s, random(1s, 3 x previous delay))")


def test_backoff_decorrelated_fails_a_delay_over_three_times_the_previous():
    """9.5s after a 2.5s delay is over 3 x 2.5s (with its allowance, 8.88s)."""
    result = Backoff(jitter="decorrelated").judge(reconnecting([2.5, 9.5, 3.0, 5.0]).run())
    assert not result.passed
    assert result.evidence[0] == ("b0: reconnection attempt 2 at t=22.0s waited 9.5s, expected 800ms..8.88s "
                                  "(previous delay 2.5s)")


def test_backoff_decorrelated_fails_a_delay_under_base():
    """Decorrelated jitter never waits less than base: 400ms with base 1s is early."""
    result = Backoff(jitter="decorrelated").judge(reconnecting([2.0, 0.4, 3.0, 5.0]).run())
    assert result.evidence[0] == ("b0: reconnection attempt 2 at t=12.4s waited 400ms, expected 800ms..7.15s "
                                  "(previous delay 2s)")


def test_backoff_decorrelated_fails_a_fixed_delay():
    """A constant base delay is inside every window; decorrelated jitter draws it five times almost never."""
    result = Backoff(jitter="decorrelated").judge(reconnecting([1, 1, 1, 1, 1]).run())
    assert result.status == "failed"
    assert result.evidence == ["b0: no jitter: all 5 delays are a fixed 1s..1s (base 1s, no growth); decorrelated "
                               "jitter (base..3 x the previous delay) puts them there 1 in 310 million times"]


# -- none (jitter: false) and any (jitter: true)

def test_backoff_without_jitter_expected_accepts_exact_delays():
    """jitter: false (or none) expects the delays on the nominal schedule."""
    for jitter in (False, "none"):
        result = Backoff(jitter=jitter).judge(reconnecting([1, 2, 4, 8]).run())
        assert result.summary == "4 reconnection delays of b0 fit no jitter: min(30s, 1s x 2^(n-1))"


def test_backoff_without_jitter_expected_fails_jittered_delays_and_names_their_model():
    """jitter: false on an equal-jitter client: early delays, and the hint says they fit equal jitter."""
    result = Backoff(jitter=False).judge(reconnecting([0.6, 1.8, 2.8, 7.6, 8.8]).run())
    assert result.summary == "reconnection delays do not fit no jitter (min(30s, 1s x 2^(n-1))): 3 problems"
    assert result.evidence[-1] == ("these delays fit equal jitter (min(30s, 1s x 2^(n-1)) x 0.5..1): if that is the "
                                   "app's model, write `jitter: equal`")


def test_backoff_any_jitter_reports_the_model_that_fits_best():
    """jitter: true accepts equal, full or randomized; the narrowest that fits is the one reported."""
    result = Backoff().judge(reconnecting([0.6, 1.8, 2.8, 7.6, 8.8]).run())
    assert result.summary == ("5 reconnection delays of b0 fit equal jitter: min(30s, 1s x 2^(n-1)) x 0.5..1 "
                              "(jitter: true; full and randomized jitter fit too)")
    assert result.metrics["models_fitting"] == ["equal", "full", "randomized"]


def test_backoff_any_jitter_passes_the_full_jitter_client():
    """Issue 17's correct client: jitter: true now finds full jitter instead of failing attempt 1."""
    result = Backoff(base=Duration(0.5), cap=Duration(8)).judge(reconnecting(FULL).run())
    assert result.summary == "5 reconnection delays of b0 fit full jitter: min(8s, 500ms x 2^(n-1)) x 0..1"


def test_backoff_any_jitter_fails_when_no_model_fits():
    """A 5s wait before attempt 2 (nominal 2s) fits none: the narrowest of the closest models is shown."""
    result = Backoff().judge(reconnecting([0.8, 5.0, 3.0, 6.0]).run())
    assert result.summary == ("reconnection delays fit none of equal, full or randomized jitter: 1 problem; "
                              "closest: equal jitter (min(30s, 1s x 2^(n-1)) x 0.5..1)")
    assert result.evidence[0] == "b0: reconnection attempt 2 at t=15.8s waited 5s, expected 650ms..2.55s (nominal 2s)"
    assert result.metrics["model"] is None


def test_backoff_any_jitter_fails_without_jitter():
    """On the schedule: every model of jitter: true would put them there less than once in a million."""
    result = Backoff().judge(reconnecting([1, 2, 4, 8, 16]).run())
    assert result.summary == "reconnection delays do not fit equal, full or randomized jitter: 1 problem"
    assert result.evidence == ["b0: no jitter: all 5 delays are 1.00..1.00 x nominal; equal, full or randomized "
                               "jitter puts them there 1 in 35 million times at most"]


# -- replaying the page's randomness

def test_backoff_says_the_rerun_replays_delays_of_a_seeded_page():
    """seed_random: the printed --seed draws the same delays again."""
    result = Backoff(jitter="equal").judge(seeded_by(reconnecting([1, 1, 1, 1]), "seeded").run())
    assert result.evidence[-1] == ("replay: the rerun with --seed 7 draws these delays again (the target seeds the "
                                   "page's Math.random: seed_random: true)")


def test_backoff_says_the_rerun_replays_delays_of_a_page_given_the_seed():
    """{seed} in the page URL: the rerun replays if the app draws its jitter from it."""
    result = Backoff(jitter="equal").judge(seeded_by(reconnecting([1, 1, 1, 1]), "seed_in_url").run())
    assert result.evidence[-1] == ("replay: the rerun with --seed 7 hands the page the same {seed} in its URL, "
                                   "which draws these delays again if the app takes its jitter from it (the "
                                   "reference app does)")


def test_backoff_offers_no_replay_for_a_failure_without_randomness():
    """No jitter is deterministic and too few attempts is not a draw: no replay line."""
    assert "replay" not in " ".join(Backoff().judge(reconnecting([1, 2, 4, 8, 16]).run()).evidence)
    assert "replay" not in " ".join(Backoff().judge(reconnecting([0.7, 1.5]).run()).evidence)


# -- a late machine: lateness the harness or the page measured can excuse a late delay, nothing else

STARVED = [0.2, 1.38, 0.7, 1.6]  # at time_scale 0.25: attempt 2 is 555ms over its 825ms limit
LATE_LINE = "b0: reconnection attempt 2 at t=11.6s waited 1.38s, expected 125ms..825ms (nominal 500ms)"
EQUAL = Backoff(jitter="equal")


def test_backoff_fails_on_a_late_delay_without_measured_lag():
    """Nothing says the machine was busy: the late attempt is the app's fault."""
    result = EQUAL.judge(reconnecting(STARVED, time_scale=0.25).run())
    assert result.status == "failed"
    assert result.evidence == [LATE_LINE, UNSEEDED]


def test_backoff_is_inconclusive_when_the_page_lag_explains_the_late_delay():
    """The page's timers ran 610ms late while attempt 2 was due: 555ms over is no evidence of a bug."""
    j = reconnecting(STARVED, time_scale=0.25).lag(11.7, "b0", 610, window_s=1.4)
    result = EQUAL.judge(j.run())
    assert (result.passed, result.inconclusive, result.status) == (False, True, "inconclusive")
    assert result.summary == ("1 reconnection delay of equal jitter (min(30s, 1s x 2^(n-1)) x 0.5..1) came "
                              "late by no more than the machine's measured lag (up to 610ms): a busy machine, "
                              "not the app, can explain it")
    assert result.evidence == [f"{LATE_LINE}: 555ms over, but b0's timers ran up to 610ms late between "
                               "t=10.3s and t=11.7s (machine busy)", UNSEEDED]
    assert result.metrics["late_explained_by_lag"] == 1 and result.metrics["lag_s"] == 0.61


def test_backoff_is_inconclusive_when_the_harness_lag_explains_the_late_delay():
    """The harness's own loop lag counts too: the whole machine was late."""
    j = reconnecting(STARVED, time_scale=0.25).lag(11.0, "harness", 900)
    result = EQUAL.judge(j.run())
    assert result.status == "inconclusive"
    assert result.evidence[0].endswith("but the harness's timers ran up to 900ms late between t=10.0s and "
                                       "t=11.0s (machine busy)")


def test_backoff_fails_when_the_lag_is_too_small_to_explain_the_late_delay():
    """300ms of lag cannot explain 555ms over the limit."""
    j = reconnecting(STARVED, time_scale=0.25).lag(11.7, "b0", 300, window_s=1.4)
    result = EQUAL.judge(j.run())
    assert result.status == "failed"
    assert result.evidence == [LATE_LINE, UNSEEDED]


def test_backoff_lag_of_another_client_or_another_time_explains_nothing():
    """b1's lag, or b0's lag long before the attempt, does not excuse b0's late attempt."""
    j = JournalBuilder(["b0", "b1"], time_scale=0.25).connect(1, "b0").drop(10, "b0")
    for t in (10.2, 11.58, 12.28, 13.88):
        j.attempt(t, "b0")
    j.ws_open(13.88, "b0", "s2").probe(13.88, "b0", state="connected").steps_end(20)
    j.lag(11.7, "b1", 2000).lag(5.0, "b0", 2000)
    assert Backoff(clients="b0", jitter="equal").judge(j.run()).status == "failed"


def test_backoff_without_jitter_fails_when_lag_covers_only_one_delay():
    """300ms of lag while delay 2 ran may have moved that one; the five others still show no jitter."""
    j = reconnecting([0.25, 0.5, 1.0, 2.0, 4.0, 7.5], time_scale=0.25).lag(10.7, "b0", 300, window_s=0.2)
    result = EQUAL.judge(j.run())
    assert result.status == "failed"
    assert result.evidence == ["b0: no jitter: all 6 delays are 1.00..1.00 x nominal; equal jitter "
                               "(0.5..1 x nominal) puts them there 1 in 15 million times"]


def test_backoff_cannot_tell_no_jitter_when_lag_could_have_moved_the_delays():
    """Lag of 3s over the last delay could have moved a jittered draw onto the schedule: inconclusive."""
    j = reconnecting([1, 2, 4, 8]).lag(25.0, "b0", 3000, window_s=2.0)
    result = EQUAL.judge(j.run())
    assert result.status == "inconclusive"
    assert result.evidence[0] == (
        "b0: maybe no jitter: all 4 delays are 1.00..1.00 x nominal; equal jitter (0.5..1 x nominal) puts them "
        "there 1 in 48,000 times, counting that b0's timers ran up to 3s late between t=23.0s and t=25.0s "
        "(machine busy): too often to call it no jitter; a longer outage (more attempts) tells them apart")


def test_backoff_without_jitter_under_heavy_lag_is_inconclusive_never_passed():
    """no_jitter with 2s of lag over every delay: the late attempt 2 is excused, nothing passes."""
    j = reconnecting([0.25, 1.2, 1.0, 2.0], time_scale=0.25).lag(13.0, "b0", 2000, window_s=3.0)
    result = EQUAL.judge(j.run())
    assert result.status == "inconclusive"
    assert result.evidence[0] == (
        "b0: reconnection attempt 2 at t=11.4s waited 1.2s, expected 125ms..825ms (nominal 500ms): 375ms over, "
        "but b0's timers ran up to 2s late between t=10.0s and t=13.0s (machine busy)")


def test_backoff_early_attempts_are_never_excused_by_lag():
    """A delay that does not grow is too short: a busy machine makes timers late, never early."""
    j = reconnecting([1, 1, 1, 1]).lag(15.0, "b0", 5000, window_s=5.0)
    result = EQUAL.judge(j.run())
    assert result.status == "failed"
    assert result.evidence == [
        "b0: reconnection attempt 3 at t=13.0s waited 1s, expected 1.35s..4.85s (nominal 4s)",
        "b0: reconnection attempt 4 at t=14.0s waited 1s, expected 2.75s..9.45s (nominal 8s)",
        UNSEEDED]


# -- gives_up

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
