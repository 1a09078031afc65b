"""Planning: a scenario resolved against its target, options and profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import InvalidInput
from harness.plan import RunOptions, make_plan
from harness.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def scenario(tmp_path: Path, text: str):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return load_scenario(path)


def test_bundled_target_is_found_from_any_directory(tmp_path, monkeypatch):
    """`target: kanban` resolves to the bundled targets/kanban.yaml even from another working directory."""
    monkeypatch.chdir(tmp_path)
    plan = make_plan(scenario(tmp_path, "seed: 4\nsteps:\n  - idle: 1s\n"), RunOptions())
    assert plan.target.name == "kanban" and Path(plan.target.file).resolve() == ROOT / "targets" / "kanban.yaml"


def test_time_scale_precedence_and_rerun_command(tmp_path):
    """Profile beats scenario beats target; the rerun command carries seed, bugs and profile."""
    sc = scenario(tmp_path, "seed: 4\ntime_scale: 0.5\nprofiles: {nightly: {time_scale: 1.0}}\nsteps:\n  - idle: 1s\n")
    assert make_plan(sc, RunOptions()).time.factor == 0.5
    nightly = make_plan(sc, RunOptions(profile="nightly", bugs=("no_jitter",)))
    assert nightly.time.factor == 1.0 and nightly.seed == 4
    assert nightly.client_bugs == ("no_jitter",) and nightly.server_bugs == ()
    assert nightly.rerun == f"wschaos run {sc.file} --seed 4 --bugs no_jitter --profile nightly"
    assert make_plan(scenario(tmp_path, "steps:\n  - idle: 1s\n"), RunOptions()).time.factor == 0.1


def test_unknown_bug_lists_the_known_ones(tmp_path):
    """A bug the target does not have is invalid input naming the known ones."""
    with pytest.raises(InvalidInput) as info:
        make_plan(scenario(tmp_path, "steps:\n  - idle: 1s\n"), RunOptions(bugs=("no_such",)))
    assert "target 'kanban' has no seeded bug 'no_such'; known: dedupe_per_connection, leak_listeners, legacy, manual_latency," in str(info.value)


def test_unknown_target_action_is_caught_before_running(tmp_path):
    """A UI action the target does not declare is reported with the scenario position."""
    sc = scenario(tmp_path, "steps:\n  - action: fly\n")
    with pytest.raises(InvalidInput) as info:
        make_plan(sc, RunOptions())
    (problem,) = info.value.problems
    assert str(problem).startswith(f"{sc.file}:2:1 steps[0]: target 'kanban' has no UI action 'fly'; its actions: "
                                   f"add_ticket, trigger_workflow (add it under `actions:` in ")


def test_a_time_scale_or_seed_out_of_range_is_refused_whoever_built_the_scenario(tmp_path):
    """A scenario built in code (the soak, benchmarks) bypasses the file's ranges; the plan applies them."""
    import dataclasses

    sc = scenario(tmp_path, "steps:\n  - idle: 1s\n")
    with pytest.raises(InvalidInput) as info:
        make_plan(dataclasses.replace(sc, time_scale=1e9), RunOptions(seed=2**63))
    assert [str(p) for p in info.value.problems] == [
        f"{sc.file}: time_scale: expected a number from 0.001 to 1000, got 1e+09",
        f"{sc.file}: seed: expected a whole number from 0 to 9223372036854775807, got 9223372036854775808",
    ]
