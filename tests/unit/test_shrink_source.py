"""What `wschaos shrink` starts from, and what it refuses before replaying anything."""

from __future__ import annotations

import json
from pathlib import Path

from harness.cli import main
from harness.shrink.source import find_source, read_steps_and_checks

SCENARIO = "name: tiny\nclients: {browsers: 1}\nsteps:\n  - down: {}\n    for: 2s\n  - idle: 3s\nchecks:\n  - reconnected\n"


def run_folder(tmp_path: Path, outcome: str, check_status: str) -> Path:
    """A run folder with one scenario, its journal naming its scenario file and one check verdict."""
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(SCENARIO)
    run = tmp_path / "run"
    folder = run / "scenarios" / "tiny"
    folder.mkdir(parents=True)
    events = [{"t": 0.0, "kind": "run.start", "scenario": "tiny", "scenario_file": str(scenario), "seed": 3,
               "time_scale": 1.0, "bugs": [], "clients": [], "rerun": "wschaos run tiny.yaml --seed 3"},
              {"t": 1.0, "kind": "step.start", "path": "steps[0]", "name": "down"},
              {"t": 1.1, "kind": "ws.frame", "client": "b0", "dir": "sent", "type": "ping", "id": "p", "data": {}},
              {"t": 9.0, "kind": "check", "name": "reconnected", "status": check_status, "passed": False,
               "summary": "b0 still disconnected", "at": [3.0]},
              {"t": 9.5, "kind": "run.end", "outcome": outcome}]
    (folder / "journal.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events) + '{"t": 10, "ki')
    (run / "results.json").write_text(json.dumps({"scenarios": [
        {"name": "tiny", "outcome": outcome, "journal": "scenarios/tiny/journal.jsonl"}]}))
    return run


def test_a_run_folder_leads_to_its_failed_scenario_and_file(tmp_path):
    """A run folder, its scenario folder and its journal all find the journal and the scenario file it names."""
    run = run_folder(tmp_path, "failed", "failed")
    for path in (run, run / "scenarios" / "tiny", run / "scenarios" / "tiny" / "journal.jsonl"):
        source = find_source(path)
        assert source.journal == run / "scenarios" / "tiny" / "journal.jsonl"
        assert source.scenario_file == tmp_path / "tiny.yaml" and source.start.seed == 3
    kinds = [e["kind"] for e in read_steps_and_checks(source.journal)]
    assert kinds == ["run.start", "step.start", "check", "run.end"]  # frames left unparsed, a torn line ignored


def test_a_run_that_did_not_fail_is_refused_before_anything_starts(tmp_path, capsys):
    """Exit 2, saying there is nothing to shrink and what the run's outcomes were."""
    run = run_folder(tmp_path, "passed", "passed")
    assert main(["shrink", str(run)]) == 2
    assert capsys.readouterr().err == (f"{run}: no scenario of this run failed (tiny passed): there is nothing to "
                                       "shrink\n1 problem(s); nothing was started.\n")


def test_a_failure_that_is_not_there_is_refused_with_the_failures_there_are(tmp_path, capsys):
    """`--check` naming a check that did not fail lists the run's failures."""
    run = run_folder(tmp_path, "failed", "failed")
    assert main(["shrink", str(run), "--check", "no_page_errors"]) == 2
    err = capsys.readouterr().err
    assert ("no failure 'no_page_errors' in this run: nothing to shrink; its failures: check reconnected: b0 still "
            "disconnected") in err


def test_a_budget_out_of_range_is_refused(tmp_path, capsys):
    """--budget 10s is below a trial's worth."""
    assert main(["shrink", str(run_folder(tmp_path, "failed", "failed")), "--budget", "10s"]) == 2
    assert "--budget: expected a duration from 1m to 48h (real time the search may take), got 10s" in capsys.readouterr().err
