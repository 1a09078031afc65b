"""`load_replies` over canned `load.summary` events, whichever engine recorded them."""

from __future__ import annotations

from journal_builder import JournalBuilder

from harness.checks.load import LoadReplies
from harness.drivers.protocol import LoadSummary
from harness.units import Duration


def summary(j: JournalBuilder, t: float = 5.0, sent: int = 800, acked: int = 800, failed: int = 0,
            engine: str = "locust", p95: float | None = 66.0) -> JournalBuilder:
    return j.add(t, "load.summary", group="200 users via p0,p1", clients=200, sent=sent, acked=acked,
                 errors=0 if acked == sent else 3, failed_connects=failed, duration_s=4.0, engine=engine,
                 rtt_p50_ms=1.0, rtt_p95_ms=p95, rtt_max_ms=77.0)


def test_every_message_answered_passes_for_either_engine():
    """All messages answered, no failed connection, p95 within the limit: passed, one line per load step."""
    j = summary(summary(JournalBuilder(clients=("p0", "p1")), t=3.0, engine="inprocess", p95=12.5), t=5.0)
    result = LoadReplies(rtt_p95=Duration(2.0)).judge(j.steps_end(6).run())
    assert result.passed
    assert result.summary == "1600 messages of 1600 answered in 2 load steps"
    assert result.evidence == [
        "load of 200 users via p0,p1 (inprocess) at t=3.0s: 800/800 answered, 0 failed connection(s), 0 client(s) "
        "with errors, round trip p95 12.5 ms",
        "load of 200 users via p0,p1 (locust) at t=5.0s: 800/800 answered, 0 failed connection(s), 0 client(s) "
        "with errors, round trip p95 66 ms"]
    assert result.metrics == {"sent": 1600, "answered": 1600, "failed_connects": 0, "rtt_p95_ms": 66.0}


def test_unanswered_messages_failed_connections_and_slow_round_trips_fail():
    """Short of answers, over the failed-connection allowance and over the p95 limit: each said."""
    j = summary(JournalBuilder(clients=("p0", "p1")), sent=800, acked=760, failed=2, p95=2500.0).steps_end(6)
    result = LoadReplies(rtt_p95=Duration(2.0)).judge(j.run())
    assert not result.passed
    where = "load of 200 users via p0,p1 (locust) at t=5.0s"
    assert result.summary == "; ".join([
        f"{where}: 760 of 800 messages answered (95.0%), expected at least 100%",
        f"{where}: 2 connections failed, at most 0 allowed",
        f"{where}: round trip p95 2500 ms, limit 2s"])


def test_a_share_of_answers_may_be_allowed():
    """`min_answered: 0.9` accepts 95% answered."""
    j = summary(JournalBuilder(clients=("p0",)), sent=800, acked=760).steps_end(6)
    assert LoadReplies(min_answered=0.9).judge(j.run()).passed


def test_no_load_summary_is_not_judged():
    """A scenario whose load never reached its summary is not judged (never a pass)."""
    result = LoadReplies().judge(JournalBuilder(clients=("p0",)).steps_end(6).run())
    assert result.status == "not_judged"
    assert result.summary == "no load step ran to its summary: nothing to judge"


def test_in_process_round_trips_are_summarised_as_percentiles():
    """The in-process generator's round trips become p50/p95/max in milliseconds (None without any)."""
    s = LoadSummary(group="g", clients=1, rtts_s=[0.001 * i for i in range(1, 101)])
    assert s.rtt_ms() == {"rtt_p50_ms": 51.0, "rtt_p95_ms": 95.0, "rtt_max_ms": 100.0}
    assert LoadSummary(group="g", clients=1).rtt_ms() == {"rtt_p50_ms": None, "rtt_p95_ms": None, "rtt_max_ms": None}
