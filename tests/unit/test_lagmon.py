"""The lag monitor journals the harness's event-loop lag only when notable, and the pages' reports."""

from __future__ import annotations

import asyncio
import time

import pytest

from harness.drivers.browser_js import init_script
from harness.drivers.lagmon import LagMonitor, p95, record_page_lag
from harness.journal import Journal


def kinds(journal: Journal, kind: str) -> list[dict]:
    return [e for e in journal.events if e["kind"] == kind]


async def test_a_blocked_loop_is_journaled_as_harness_lag():
    """A 300 ms block of the event loop becomes one `lag` window with max_ms >= 250."""
    journal = Journal()
    async with LagMonitor(journal, interval_s=0.02, window_s=0.1):
        await asyncio.sleep(0.1)
        time.sleep(0.3)  # the machine (here: this test) keeps the loop from running
        await asyncio.sleep(0.2)
    lags = kinds(journal, "lag")
    assert [e["source"] for e in lags] == ["harness"]
    assert lags[0]["max_ms"] >= 250
    assert lags[0]["since_t"] < lags[0]["t"]
    assert set(lags[0]) == {"t", "kind", "source", "since_t", "window_s", "samples", "max_ms", "p95_ms",
                            "total_ms"}
    summary = kinds(journal, "lag.summary")[0]["sources"]["harness"]
    assert summary["max_ms"] >= 250 and summary["notable_windows"] == 1 and summary["samples"] > 5
    assert summary["total_ms"] >= summary["max_ms"]


async def test_a_quiet_loop_journals_only_the_summary():
    """Without a notable window the only trace is the summary at close."""
    journal = Journal()
    async with LagMonitor(journal, interval_s=0.02, window_s=0.1, notable_ms=1000):
        await asyncio.sleep(0.25)
    assert kinds(journal, "lag") == []
    assert [e["kind"] for e in journal.events] == ["lag.summary"]


async def test_close_is_idempotent_and_works_without_start():
    """Closing twice, or a monitor never started, records nothing more and raises nothing."""
    journal = Journal()
    never = LagMonitor(journal)
    await never.close()
    monitor = LagMonitor(journal, interval_s=0.02, window_s=0.1, notable_ms=10_000)  # a busy machine must not add `lag`
    monitor.start()
    await asyncio.sleep(0.05)
    await monitor.close()
    await monitor.close()
    assert [e["kind"] for e in journal.events] == ["lag.summary"]


async def test_page_reports_become_lag_events_and_reach_the_summary():
    """A page's report is journaled with the client as source; the summary keeps its worst."""
    journal = Journal()
    async with LagMonitor(journal, notable_ms=10_000):
        event = record_page_lag(journal, "b0", {"event": "lag", "max_ms": 612.4, "p95_ms": 80.0, "total_ms": 700,
                                                "samples": 9, "window_ms": 1400, "page_t": 1.7e9})
        assert record_page_lag(journal, "b0", {"event": "lag", "max_ms": "soon"}) is None
    assert (event["source"], event["max_ms"], event["total_ms"], event["window_s"]) == ("b0", 612.4, 700.0, 1.4)
    assert event["since_t"] == pytest.approx(max(0.0, event["t"] - 1.4), abs=0.002)
    assert kinds(journal, "lag.summary")[0]["sources"] == {"b0": {"max_ms": 612.4, "total_ms": 700.0,
                                                                        "notable_windows": 1}}


def test_bad_intervals_are_refused():
    """The window must hold at least one sample."""
    with pytest.raises(ValueError, match="need 0 < interval_s <= window_s, got interval_s=1, window_s=0.5"):
        LagMonitor(Journal(), interval_s=1.0, window_s=0.5)


def test_p95_is_the_nearest_rank():
    """p95 of 1..20 is 19; of one value, that value."""
    assert p95([float(v) for v in range(20, 0, -1)]) == 19.0
    assert p95([3.0]) == 3.0


def test_the_init_script_carries_the_page_lag_monitor():
    """The page monitor is configured in the init script, and can be left out."""
    assert '"lag": {"interval_ms": 100, "window_ms": 1000, "notable_ms": 50}' in init_script("ws://a", "ws://b")
    assert '"lag": null' in init_script("ws://a", "ws://b", lag=None)


def test_the_socket_tracker_journals_a_page_lag_report():
    """The init script's binding channel carries `lag` reports to the journal as `lag` events."""
    from harness.drivers.ws_tracker import SocketTracker

    journal = Journal()
    SocketTracker("b1", journal).page_event({"event": "lag", "max_ms": 75, "p95_ms": 60, "samples": 10,
                                             "window_ms": 1000, "page_t": 1.7e9})
    assert [(e["kind"], e["source"], e["max_ms"], e["total_ms"]) for e in journal.events] == [("lag", "b1", 75.0, 75.0)]
