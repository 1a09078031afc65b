"""results.json: built purely from fixture journals, versioned, and round-trips."""

from __future__ import annotations

import json

import pytest

from harness.checks.base import CheckResult
from harness.journal import read_journal
from harness.report import SCHEMA, run_document, scenario_entry, load_results, write_results

from journal_builder import FIXTURES, rundir_module


@pytest.fixture
def failing():
    return read_journal(FIXTURES / "failing.jsonl")


@pytest.fixture
def passing():
    return read_journal(FIXTURES / "passing.jsonl")


def test_scenario_fields_come_from_run_start_and_end(failing):
    """Name, file, seed, rerun, tags and outcome are read from run.start / run.end."""
    s = scenario_entry(failing, None, "scenarios/server-restart-while-connected")
    assert s["name"] == "server-restart-while-connected"
    assert s["file"] == "scenarios/server-restart-while-connected.yaml"
    assert s["seed"] == 42
    assert s["rerun"] == "wschaos run scenarios/server-restart-while-connected.yaml --seed 42 --bugs legacy"
    assert s["tags"] == ["ci", "restart"]
    assert s["outcome"] == "failed"
    assert s["duration_s"] == pytest.approx(16.0)


def test_checks_are_read_from_journal_check_events(failing):
    """Without explicit results, the journal's `check` events are the verdicts."""
    s = scenario_entry(failing, None, "scenarios/x")
    assert [(c["name"], c["passed"]) for c in s["checks"]] == [
        ("reconnected", False), ("delivered_exactly_once", False), ("backoff", True)]
    assert s["checks"][0]["at"] == [3.0, 13.0]


def test_explicit_check_results_override_the_journal(passing):
    """CheckResult objects passed in replace the journal's checks; the outcome stays the one the
    runner decided (harness.verdict) and recorded in run.end: reports never decide again."""
    result = CheckResult("backoff", False, "attempts did not grow", ["waits 1.0, 1.0, 1.0"])
    s = scenario_entry(passing, [result], "scenarios/network-cut-heals")
    assert s["checks"] == [result.to_dict()]
    assert s["outcome"] == "passed"


def test_a_journal_cut_short_is_interrupted(passing):
    """A journal without run.end (Ctrl-C, SIGKILL) reads as interrupted."""
    cut = [e for e in passing if e["kind"] != "run.end"]
    assert scenario_entry(cut, None, "scenarios/x")["outcome"] == "interrupted"


def test_metrics_summarise_reconnects_and_messages(failing, passing):
    """Reconnect percentiles and sent/acked/lost/duplicated come from harness.analysis."""
    m = scenario_entry(failing, None, "scenarios/x")["metrics"]
    assert (m["messages_sent"], m["acked"], m["lost"], m["duplicated"]) == (2, 1, 1, 1)
    assert m["resent_after_ack"] == 1
    assert m["reconnect_max_s"] == pytest.approx(2.67)  # b0: socket closed at 3.03, the probe showed connected at 5.7
    assert m["latency_samples"] == 5 and m["latency_p50_ms"] == pytest.approx(1210.0)
    ok = scenario_entry(passing, None, "scenarios/x")["metrics"]
    assert (ok["lost"], ok["duplicated"], ok["reconnect_count"]) == (0, 0, 2)


def test_paths_are_relative_to_the_run_directory(passing):
    """Screenshot and journal paths resolve against reports/<run-id>/."""
    s = scenario_entry(passing, None, "scenarios/network-cut-heals")
    assert s["journal"] == "scenarios/network-cut-heals/journal.jsonl"
    assert s["screenshots"][0] == {"label": "connected", "client": "b0", "t": 2.0,
                                   "path": "scenarios/network-cut-heals/screenshots/connected-b0.png"}
    bare = [dict(e, path=e["path"].rsplit("/", 2)[-2] + "/" + e["path"].rsplit("/", 1)[-1])
            if e["kind"] == "screenshot" else e for e in passing]
    s = scenario_entry(bare, None, "scenarios/network-cut-heals")
    assert s["screenshots"][0]["path"] == "scenarios/network-cut-heals/screenshots/connected-b0.png"


def test_a_journal_without_run_end_is_interrupted(failing):
    """A run cut short (no run.end) is reported as interrupted, not passed."""
    cut = [e for e in failing if e["kind"] != "run.end" and e["t"] < 8.0]
    assert scenario_entry(cut, [], "scenarios/x")["outcome"] == "interrupted"


def test_run_counts_outcome_and_metadata(failing, passing):
    """The run document counts outcomes, takes the worst, and carries run metadata."""
    scenarios = [scenario_entry(passing, None, "a"), scenario_entry(failing, None, "b")]
    doc = run_document(scenarios, {"run_id": "r1", "started_at": "2024-06-11T02:15:00+00:00",
                                       "rerun": "wschaos run scenarios/"})
    assert doc["schema"] == SCHEMA == "wschaos.results/1"
    assert doc["counts"] == {"passed": 1, "inconclusive": 0, "failed": 1, "error": 0, "interrupted": 0, "skipped": 0}
    assert doc["outcome"] == "failed" and doc["target"] == "kanban"
    assert doc["metrics"]["reconnect_count"] == 5 and doc["metrics"]["lost"] == 1


def test_results_round_trip_through_disk(tmp_path):
    """write_results then load_results gives back the same document."""
    run_dir = rundir_module().make_run_dir(tmp_path)
    doc = load_results(run_dir / "results.json")
    write_results(tmp_path / "copy.json", doc)
    assert load_results(tmp_path / "copy.json") == doc
    assert json.loads((run_dir / "results.json").read_text())["scenarios"][1]["traces"] == [
        "scenarios/server-restart-while-connected/traces/b1.zip"]


def test_an_unknown_schema_is_refused_with_advice(tmp_path):
    """A results.json of another schema version is refused and says how to recover."""
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"schema": "wschaos.results/2"}))
    with pytest.raises(ValueError, match=r"unknown results schema 'wschaos.results/2'.*wschaos report"):
        load_results(path)
