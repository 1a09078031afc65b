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
    assert result.at == [2.875, 5.875, 8.875]  # each gap where it ran over the limit (it used to mark none)


def test_heartbeat_fails_when_the_socket_goes_silent():
    """No ping after t=4: the trailing gap to the end of the steps is a missed heartbeat."""
    result = Heartbeat().judge(pinging([2.5, 4.0]).run())
    assert not result.passed
    assert result.evidence == ["b0: no ping for 6s between t=4.0s and t=10.0s on socket s1, "
                               "limit 1.88s (15s x 0.1 x 1.25)"]
    assert result.at == [5.875]  # the last ping + the limit: where the next one was overdue


def test_heartbeat_fails_when_faster_than_configured():
    """The median interval must not be below interval x (1 - tolerance)."""
    result = Heartbeat().judge(pinging([1.5 + 0.5 * i for i in range(17)]).run())
    assert not result.passed
    assert result.evidence == ["b0: ping every 500ms (median of 16), expected at least 1.12s: "
                               "heartbeat faster than configured"]
    assert result.at == []  # a rate has no moment of its own


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
    assert result.at == [5.5, 7.6]  # the ping while hidden; where the resume limit ran out


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


# -- a late machine: measured lag can excuse a late ping, never a wrong rate or a ping while hidden

LATE_GAP = "b0: no ping for 2.4s between t=4.0s and t=6.4s on socket s1, limit 1.88s (15s x 0.1 x 1.25)"


def late_once() -> JournalBuilder:
    """One heartbeat 525ms over the limit (t=4.0 -> 6.4), the others on time."""
    return pinging([2.5, 4.0, 6.4, 7.9, 9.4])


def test_heartbeat_fails_on_a_late_ping_without_measured_lag():
    """Nothing says the machine was busy: the late ping is the app's fault."""
    result = Heartbeat().judge(late_once().run())
    assert result.status == "failed"
    assert result.evidence == [LATE_GAP]


def test_heartbeat_is_inconclusive_when_the_page_lag_explains_the_late_ping():
    """b0's timers ran 600ms late inside the gap: 525ms over the limit is no evidence of a bug."""
    result = Heartbeat().judge(late_once().lag(6.0, "b0", 600).run())
    assert (result.passed, result.inconclusive, result.status) == (False, True, "inconclusive")
    assert result.summary == ("heartbeat ping every 15s (x 0.1 = 1.5s): 1 late ping by no more "
                              "than the machine's measured lag (up to 600ms): a busy machine, not the app, "
                              "can explain it")
    assert result.evidence == [f"{LATE_GAP}: 525ms over, but b0's timers ran up to 600ms late between t=5.0s "
                               "and t=6.0s (machine busy)"]
    assert result.metrics["late_explained_by_lag"] == 1 and result.metrics["lag_s"] == 0.6


def test_heartbeat_fails_when_the_lag_is_too_small_to_explain_the_late_ping():
    """300ms of lag cannot explain 525ms over the limit."""
    result = Heartbeat().judge(late_once().lag(6.0, "b0", 300).run())
    assert result.status == "failed"
    assert result.evidence == [LATE_GAP]


def test_heartbeat_at_the_legacy_interval_fails_even_when_the_machine_was_late():
    """slow_heartbeat: 2s of lag could cover each 3s gap, but a typical interval over the limit is the rate."""
    result = Heartbeat().judge(pinging([2.5, 5.5, 8.5]).lag(10.0, "b0", 2000, window_s=9.0).run())
    assert result.status == "failed"
    assert result.evidence == [
        "b0: no ping for 3s between t=2.5s and t=5.5s on socket s1, limit 1.88s (15s x 0.1 x 1.25)",
        "b0: no ping for 3s between t=5.5s and t=8.5s on socket s1, limit 1.88s (15s x 0.1 x 1.25)",
        "b0: ping every 3s (median of 2), limit 1.88s: heartbeat slower than configured; measured lag "
        "excuses single late pings, not the rate"]


def test_heartbeat_pings_while_hidden_are_never_excused_but_a_late_resume_is():
    """A ping while hidden fails whatever the lag; the resume 800ms late is explained by 900ms of lag."""
    j = hidden([2.5, 4.0, 5.5, 8.4, 9.9]).lag(8.0, "b0", 900, window_s=1.0)
    result = Heartbeat(paused_while_hidden=True).judge(j.run())
    assert result.status == "failed"
    assert result.evidence == [
        "b0: sent 1 ping while hidden (t=4.2s..t=7.0s), first at t=5.5s",
        "b0: no ping within 600ms after becoming visible at t=7.0s (1s x 0.1 + 500ms slack); the next at "
        "t=8.4s: 800ms over, but b0's timers ran up to 900ms late between t=7.0s and t=8.0s (machine busy)"]


def test_heartbeat_late_resume_is_inconclusive_when_lag_explains_it_and_nothing_else_failed():
    """No ping while hidden; the resume 800ms late under 900ms of lag: inconclusive, not failed."""
    j = hidden([2.5, 4.0, 8.4, 9.9]).lag(8.0, "b0", 900, window_s=1.0)
    assert Heartbeat(paused_while_hidden=True).judge(j.run()).status == "inconclusive"


# -- the page's clock: Playwright may journal a sent frame late; the page stamped when the app sent it

PAGE_EPOCH = 1_800_000_000.0  # page_t is epoch seconds; only its differences matter


def stamped(sends: list[tuple[float, float]], other_at: float = 3.0) -> JournalBuilder:
    """b0's pings as (journal t, page clock - epoch) pairs, each with its ws.sent_at, plus one
    non-ping frame sent at `other_at` (so a ping's n counts every frame sent on the socket)."""
    j = JournalBuilder(time_scale=0.1).connect(1, "b0")
    frames = sorted([(t, page, "ping") for t, page in sends] + [(other_at, other_at, "add_ticket")])
    for n, (t, page, kind) in enumerate(frames, start=1):
        j.frame(t, "b0", "sent", kind, f"m{n}")
        j.add(t + 0.05, "ws.sent_at", client="b0", socket="s1", n=n, page_t=PAGE_EPOCH + page)
    return j.steps_end(10.0)


def test_heartbeat_times_pings_by_the_page_clock_when_frames_were_delivered_late():
    """The third ping reached the journal 900ms late (a 2.4s gap there), but the page sent every
    ping 1.5s apart: passed, timed by the page's clock."""
    result = Heartbeat().judge(stamped([(2.5, 2.5), (4.0, 4.0), (6.4, 5.5), (7.0, 7.0), (8.5, 8.5)]).run())
    assert result.passed
    assert result.summary == "heartbeat ping every 15s (x 0.1 = 1.5s): 4 intervals, longest 1.5s"
    assert result.metrics["interval_clock"] == "page" and result.metrics["page_clock_intervals"] == 4


def test_heartbeat_fails_when_the_page_clock_shows_the_gap_too():
    """The page itself sent the third ping 2.4s after the second: the same failure as by journal time."""
    result = Heartbeat().judge(stamped([(2.5, 2.5), (4.0, 4.0), (6.4, 6.4), (7.9, 7.9), (9.4, 9.4)]).run())
    assert result.status == "failed"
    assert result.evidence == [LATE_GAP]
    assert result.metrics["interval_clock"] == "page"


def test_heartbeat_without_stamps_keeps_journal_time():
    """Protocol clients and older journals have no ws.sent_at: intervals are journal time differences."""
    result = Heartbeat().judge(late_once().run())
    assert result.metrics["interval_clock"] == "journal" and result.metrics["page_clock_intervals"] == 0
