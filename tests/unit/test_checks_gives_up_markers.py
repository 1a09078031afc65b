"""`gives_up` marks each failure where it shows (kept apart from test_checks_backoff.py, which
another branch reworks)."""

from __future__ import annotations

from journal_builder import JournalBuilder

from harness.checks.gives_up import GivesUp


def lost_at_10(delays: list[float], reconnect: bool = False) -> JournalBuilder:
    """b0 loses its socket at t=10 and makes an attempt after each of `delays`."""
    j = JournalBuilder().connect(1, "b0").drop(10, "b0")
    t = 10.0
    for delay in delays:
        t += delay
        j.attempt(t, "b0")
    if reconnect:
        j.ws_open(t, "b0", "s2").probe(t, "b0", state="connected")
    return j


def test_too_many_attempts_are_marked_at_the_first_one_past_the_limit():
    """after_attempts 3, four made: the fourth (t=21.2) is marked; the wrong final state at its last change."""
    result = GivesUp(after_attempts=3).judge(lost_at_10([0.7, 1.5, 3, 6]).steps_end(25).run())
    assert result.evidence == ["b0: 4 reconnection attempts since t=10.0s, expected exactly 3",
                               "b0: final state 'reconnecting', expected 'failed'"]
    assert result.at == [21.2, 10.0]


def test_giving_up_too_early_is_marked_at_the_last_attempt():
    """Five attempts where 20 were expected: marked where it stopped trying (t=33.2)."""
    j = lost_at_10([0.7, 1.5, 3, 6, 12]).probe(34, "b0", state="failed").steps_end(40)
    result = GivesUp().judge(j.run())
    assert result.evidence == ["b0: 5 reconnection attempts since t=10.0s, expected exactly 20",
                               "b0: state 'failed' from t=34.0s"]
    assert result.at == [33.2]


def test_a_client_that_reconnected_is_marked_where_it_did():
    """Connected again at t=12.2: it never had to give up; marked there."""
    result = GivesUp(after_attempts=3).judge(lost_at_10([0.7, 1.5], reconnect=True).steps_end(20).run())
    assert result.evidence == ["b0: reconnected at t=12.2s after 2 attempts; it never had to give up"]
    assert result.at == [12.2]
