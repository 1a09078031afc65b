"""`wschaos validate` checks each scenario against the target `run` would use: the target is
found and loaded as `run` finds it, and has every action, message and probe the scenario names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.cli import main
from harness.errors import InvalidInput
from harness.plan import RunOptions, make_plan
from harness.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]
CHAT = ROOT / "examples" / "chat" / "targets" / "chat.yaml"
MISFIT = """\
target: chat
clients: {browsers: 1, protocol: 1}
steps:
  - action: post_mesage
  - send: helo
  - expect: {queue_length: 0, health: HEALTHY, within: 5s}
checks:
  - reconnected
  - alerts_persisted
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with the chat target in targets/ and a scenario that does not fit it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "targets").mkdir()
    shutil.copy(CHAT, tmp_path / "targets" / "chat.yaml")
    (tmp_path / "sc.yaml").write_text(MISFIT)
    return tmp_path


def _problems(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    assert main(["validate", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[-1] == f"{len(lines) - 1} problem(s); nothing was started."
    return lines[:-1]


MISFIT_PROBLEMS = [
    "sc.yaml:4:1 steps[0]: target 'chat' has no UI action 'post_mesage' (did you mean 'post_message'?); its actions: "
    "post_message (add it under `actions:` in targets/chat.yaml)",
    "sc.yaml:5:1 steps[1]: target 'chat' has no protocol message 'helo'; its messages: chat, ping (add it under "
    "`protocol: messages:` in targets/chat.yaml)",
    "sc.yaml:6:1 steps[2]: target 'chat' has no probe 'health', which expect reads; its probes: state, attempt, "
    "queue_length, indicator (add it under `probes:` in targets/chat.yaml, see docs/targets.md)",
    "sc.yaml:9:5 checks[1].alerts_persisted: target 'chat' has no probe 'alerts', which alerts_persisted reads; its "
    "probes: state, attempt, queue_length, indicator (add it under `probes:` in targets/chat.yaml, see docs/targets.md)",
]


def test_validate_checks_a_scenario_against_its_target(project, capsys):
    """Unknown actions (with the closest name), messages and probes fail `validate`, not only `run`."""
    assert _problems(capsys, "sc.yaml") == MISFIT_PROBLEMS


def test_validate_with_both_files_given_checks_one_against_the_other(project, capsys):
    """Given the scenario and its target, validate checks both files and the scenario against the target, once."""
    assert _problems(capsys, "sc.yaml", "targets/chat.yaml") == MISFIT_PROBLEMS


def test_validate_reports_what_run_reports(project):
    """`run` refuses the same scenario with the same problems (make_plan is what run calls)."""
    with pytest.raises(InvalidInput) as info:
        make_plan(load_scenario(Path("sc.yaml")), RunOptions())
    assert [str(p) for p in info.value.problems] == MISFIT_PROBLEMS


def test_validate_resolves_the_target_name_like_run(project, capsys):
    """An unknown `target:` is reported at that key with the known targets, as `run` says it."""
    Path("sc.yaml").write_text("target: chta\nsteps: [idle: 1s]\n")
    (problem,) = _problems(capsys, "sc.yaml")
    assert problem.startswith("sc.yaml:1:9 target: no target 'chta': looked for chta.yaml in targets/, ")
    assert problem.endswith("; known targets: chat, kanban; fix the name, or give a path to a target YAML file")
    with pytest.raises(InvalidInput) as info:
        make_plan(load_scenario(Path("sc.yaml")), RunOptions())
    assert [str(p) for p in info.value.problems] == [problem]


def test_validate_lists_a_broken_target_once_for_all_its_scenarios(project, capsys):
    """Two scenarios on a target that does not load: the target's problems are listed once."""
    Path("targets/chat.yaml").write_text(CHAT.read_text().replace("time_scale", "#").replace("min_wait: 10s",
                                                                                              "min_wait: 10s\ntime_scale: 0"))
    Path("sc.yaml").write_text("target: chat\nsteps: [idle: 1s]\n")
    Path("sc2.yaml").write_text("target: chat\nsteps: [idle: 2s]\n")
    (problem,) = _problems(capsys, "sc.yaml", "sc2.yaml")
    assert problem.startswith("targets/chat.yaml:") and problem.endswith(
        " time_scale: expected a number from 0.001 to 1000, got 0")


def test_validate_target_option_replaces_the_scenarios_own(project, capsys):
    """`validate --target` checks against that target, as `run --target` runs on it."""
    Path("sc.yaml").write_text("target: chat\nsteps:\n  - add_tickets: 1\n")
    assert _problems(capsys, "sc.yaml")[0].startswith("sc.yaml:3:1 steps[0]: target 'chat' has no UI action 'add_ticket';")
    assert main(["validate", "sc.yaml", "--target", "kanban"]) == 0
    assert capsys.readouterr().out == "ok  sc.yaml  (1 steps, 0 checks, target kanban)\n"


def test_a_target_with_only_a_snapshot_may_hold_any_probe(tmp_path):
    """Without `probes:` the page reports the snapshot itself, so any name may be in it: not refused."""
    target = tmp_path / "snap.yaml"
    target.write_text(CHAT.read_text().split("\nprobes:")[0] + "\n")  # keeps its snapshot
    path = tmp_path / "s.yaml"
    path.write_text(f"target: {target}\nsteps:\n  - expect: {{queue_length: 0}}\n")
    assert make_plan(load_scenario(path), RunOptions()).target.name == "chat"
