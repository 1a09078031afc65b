"""How lanes order and separate scenarios: durations from earlier runs, idle time, runs-alone rules."""

from __future__ import annotations

import json
from pathlib import Path

from harness.plan import RunOptions, make_plan
from harness.lanes import SETUP_GUESS_S, default_jobs, expected_s, past_durations, runs_alone
from harness.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def write_run(report_dir: Path, run_id: str, scenarios: list[dict]) -> None:
    folder = report_dir / run_id
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps({"run_id": run_id, "scenarios": scenarios}))


def test_the_newest_run_of_a_scenario_gives_its_duration(tmp_path: Path):
    write_run(tmp_path, "20261128-100000-aaaa", [{"name": "a", "bugs": [], "outcome": "passed", "duration_s": 9.0},
                                                 {"name": "b", "bugs": [], "outcome": "passed", "duration_s": 4.0}])
    write_run(tmp_path, "20261128-110000-bbbb", [{"name": "a", "bugs": [], "outcome": "failed", "duration_s": 7.5},
                                                 {"name": "a", "bugs": ["no_jitter"], "outcome": "passed",
                                                  "duration_s": 3.0},
                                                 {"name": "b", "bugs": [], "outcome": "error", "duration_s": 0.2}])
    (tmp_path / "20261128-120000-cccc").mkdir()  # interrupted before results.json: skipped
    (tmp_path / "20261128-130000-dddd").mkdir()
    (tmp_path / "20261128-130000-dddd" / "results.json").write_text("{not json")
    assert past_durations(tmp_path) == {("a", ()): 7.5, ("a", ("no_jitter",)): 3.0, ("b", ()): 4.0}


def test_no_report_folder_means_no_history(tmp_path: Path):
    assert past_durations(tmp_path / "missing") == {}


def test_a_scenario_never_run_is_guessed_from_its_idle_time(tmp_path: Path):
    options = RunOptions(report_dir=tmp_path)
    idle = make_plan(load_scenario(ROOT / "scenarios" / "idle-five-minutes-stays-connected.yaml"), options)
    quick = make_plan(load_scenario(ROOT / "scenarios" / "connects-on-load.yaml"), options)
    assert expected_s(quick, {}) == SETUP_GUESS_S
    assert expected_s(idle, {}) > 30  # five scaled minutes of idle
    assert expected_s(idle, {(idle.scenario.name, ()): 12.5}) == 12.5


def test_load_and_many_clients_run_alone(tmp_path: Path):
    options = RunOptions(report_dir=tmp_path)
    assert runs_alone(make_plan(load_scenario(ROOT / "scenarios" / "protocol-clients-ticket-burst.yaml"), options))
    assert not runs_alone(make_plan(load_scenario(ROOT / "scenarios" / "connects-on-load.yaml"), options))


def test_default_lanes_follow_cores_and_memory():
    assert default_jobs(cpus=2, mem_gib=24) == 2
    assert default_jobs(cpus=16, mem_gib=64) == 4
    assert default_jobs(cpus=8, mem_gib=3) == 1
