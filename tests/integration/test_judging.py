"""A streamed journal is judged from its file in a worker process, with the same verdicts as in-process."""

from __future__ import annotations

from harness.checks.base import judge_all
from harness.checks.delivery import DeliveredExactlyOnce
from harness.checks.frames import FramesSeen
from harness.journal import Journal
from harness.judging import _in_worker, judge_journal
from harness.metrics import scenario_metrics


def soak_like(journal: Journal) -> None:
    journal.record("run.start", run_id="r", scenario="s", scenario_file="s.yaml", description="", tags=[],
                   target="t", seed=1, time_scale=1.0, min_wait_s=5.0, bugs=[],
                   clients=[{"name": "b0", "kind": "browser", "groups": []}], versions={}, rerun="", ack_type="ack")
    for i in range(200):
        journal.record("action", client="b0", action="add", key=f"k:{i}", message_id=f"m{i}", detail={})
        journal.record_frame("b0", "s1", "sent", "add", f"m{i}", {"type": "add", "id": f"m{i}"})
        journal.record_frame("b0", "s1", "received", "ack", f"m{i}", {"type": "ack", "id": f"m{i}"})
    journal.record("server.ledger", entries=[{"key": f"k:{i}", "message_id": f"m{i}", "seq": i} for i in range(199)])
    journal.record("run.teardown")


async def test_the_worker_judges_a_streamed_journal_like_the_run_would(tmp_path):
    """Checks over the traffic (acks, frames) get the in-process verdicts; the metrics event carries the counts."""
    journal = Journal(tmp_path / "journal.jsonl", streamed=True)
    soak_like(journal)
    checks = [DeliveredExactlyOnce(), FramesSeen(type="ack", min=200)]
    assert not any(e["kind"] == "ws.frame" for e in journal.events)
    results = await judge_journal(journal, checks)
    expected = judge_all(journal.read_all(), checks)
    assert [r.to_dict() for r in results] == [r.to_dict() for r in expected]
    assert results[0].summary == "200 messages sent: 1 lost" and results[1].passed
    metrics = scenario_metrics(journal.events)  # the lean list has the recorded `metrics` event
    (recorded,) = [e for e in journal.events if e["kind"] == "metrics"]
    assert recorded["judged"]["where"] == "worker" and recorded["judged"]["events"] == 603
    assert recorded["judged"]["rss_kb"] > 10_000
    assert (metrics["messages_sent"], metrics["acked"], metrics["lost"]) == (200, 200, 1)
    in_worker = await _in_worker(journal.path, checks)  # the worker itself ran (no in-process fallback)
    assert in_worker is not None and [r.to_dict() for r in in_worker[0]] == [r.to_dict() for r in expected]
    journal.close()
