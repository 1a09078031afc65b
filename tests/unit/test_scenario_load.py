"""Scenario loading and validation: every problem of a file at once, each located."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import InvalidInput
from harness.scenario.collect import collect, scenario_files, select
from harness.scenario.load import load_scenario
from harness.steps.base import Parallel, Repeat, StepNode
from harness.units import Duration

FIXTURES = Path(__file__).parent.parent / "fixtures" / "scenarios"
ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InvalidInput) as info:
        load_scenario(path)
    return [str(p) for p in info.value.problems]


def test_five_mistakes_give_five_located_errors():
    """A file with five mistakes reports all five, each with file:line:col, path, bad value and what is allowed."""
    path = FIXTURES / "five-mistakes.yaml"
    f = str(path)
    got = problems_of(path)
    assert got[:4] == [
        f"{f}:4:39 steps[0].latency.jitter: expected a duration like 300ms, 15s or 5m, got 'lots'",
        f"{f}:6:13 steps[1].server.action: expected one of 'start', 'stop', 'restart', 'crash', 'kill', 'pause', 'resume', got 'reboot'",
        f"{f}:7:40 steps[2].expect.within: expected a duration like 300ms, 15s or 5m, got 'soon'",
        f"{f}:9:14 steps[3].clients: unknown client or group 'b7'; known: all, browsers, protocol, b0",
    ]
    assert got[4].startswith(f"{f}:11:5 checks[0].reconected: unknown check 'reconected'; did you mean 'reconnected'? known: alerts_persisted, backoff,")
    assert len(got) == 5


def test_unknown_top_level_key_suggests_the_close_one(tmp_path):
    """A misspelt top-level key names the key it probably meant and lists the allowed ones."""
    path = write(tmp_path, "descripton: x\nsteps:\n  - idle: 1s\n")
    assert problems_of(path) == [
        f"{path}:1:1 descripton: unknown key 'descripton' (did you mean 'description'?); allowed: name, description, tags, target, seed, timeout, time_scale, clients, steps, checks, thresholds, profiles"
    ]


def test_not_yaml_is_one_located_error(tmp_path):
    """Broken YAML syntax is reported with its position, not a traceback."""
    path = write(tmp_path, "steps:\n  - idle: [1s\n")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:3:1 not valid YAML:")


def test_step_with_two_types_is_refused(tmp_path):
    """A step mapping must hold exactly one step type besides the envelope keys."""
    path = write(tmp_path, "steps:\n  - idle: 1s\n    down: {}\n")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:2:5 steps[0]: a step needs exactly one step type, found several step types (idle, down); step types: action, add_tickets,")


def test_for_on_a_step_that_cannot_be_undone(tmp_path):
    """`for:` is refused on steps that cannot be undone, and on server actions other than stop/kill/pause."""
    path = write(tmp_path, "steps:\n  - idle: 1s\n    for: 2s\n  - server: restart\n    for: 2s\n")
    assert problems_of(path) == [
        f"{path}:3:5 steps[0].for: 'for' only applies to steps that can be undone; 'idle' cannot",
        f"{path}:4:13 steps[1].server: 'for' undoes stop, kill or pause; 'restart' cannot be undone",
    ]


def test_browser_step_needs_a_browser_client(tmp_path):
    """A browser step in a scenario with only protocol clients says so."""
    path = write(tmp_path, "clients: {protocol: 2}\nsteps:\n  - screenshot: x\n")
    assert problems_of(path) == [f"{path}:3:5 steps[0]: 'screenshot' acts on browser clients, but the scenario declares none"]


def test_unknown_step_type_lists_known_ones(tmp_path):
    """An unknown step type names the close match and every known step."""
    path = write(tmp_path, "steps:\n  - latncy: 300ms\n")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:2:5 steps[0].latncy: unknown step 'latncy'; did you mean 'latency'? known: action, add_tickets, bandwidth,")


def test_missing_required_parameter(tmp_path):
    """A step without a required parameter names it."""
    path = write(tmp_path, "steps:\n  - latency: {jitter: 10ms}\n")
    assert problems_of(path) == [f"{path}:2:14 steps[0].latency: missing required key 'latency'"]


def test_expect_without_condition(tmp_path):
    """An expect with nothing to wait for is refused with the conditions it accepts."""
    path = write(tmp_path, "steps:\n  - expect: {within: 5s}\n")
    assert problems_of(path) == [f"{path}:2:13 steps[0].expect: expect needs a condition: state, health, min_health, queue_length, alerts_at_least or js"]


def test_full_scenario_loads_into_typed_model(tmp_path):
    """A valid scenario becomes typed steps with envelopes, parallel/repeat blocks, checks and groups."""
    path = write(tmp_path, """
name: demo
tags: [ci]
seed: 3
clients: {browsers: 2, protocol: 1, groups: {left: [b0]}}
steps:
  - latency: 300ms
    clients: left
    for: 10s
  - parallel:
      - server: restart
      - idle: 2s
  - repeat: {times: 2, steps: [{down: {}, for: 1s}, {idle: 1s}]}
checks:
  - reconnected: {within: 20s}
  - no_page_errors
""")
    sc = load_scenario(path)
    assert sc.name == "demo" and sc.seed == 3 and sc.tags == ("ci",)
    assert [c.name for c in sc.clients] == ["b0", "b1", "p0"]
    assert sc.clients[0].groups == ("left",)
    first = sc.steps[0]
    assert isinstance(first, StepNode) and first.env.for_ == Duration(10.0) and first.env.clients == "left"
    assert first.step.latency == Duration(0.3) and first.step.stream == "downstream"
    assert isinstance(sc.steps[1], Parallel) and len(sc.steps[1].steps) == 2
    assert isinstance(sc.steps[2], Repeat) and sc.steps[2].times == 2
    assert [c.registered_name for c in sc.checks] == ["reconnected", "no_page_errors"]
    assert sc.resolve("left", ("browser",)) == ["b0"]
    assert sc.resolve("all", ("protocol",)) == ["p0"]


def test_bundled_scenarios_are_valid():
    """Every scenario shipped in scenarios/ validates."""
    scenarios = collect([ROOT / "scenarios"])
    assert scenarios, "no scenarios shipped"


def test_select_by_keyword_and_tag():
    """-k matches names or tags; --tag keeps scenarios carrying every given tag."""
    scenarios = collect([ROOT / "scenarios"])
    assert select(scenarios, "connects-on-load", []) and all(
        "connects-on-load" in s.name or "connects-on-load" in s.tags for s in select(scenarios, "connects-on-load", []))
    assert select(scenarios, None, ["no-such-tag"]) == []


def test_collect_reports_problems_of_every_file(tmp_path):
    """Validating a folder reports the problems of all its files together."""
    (tmp_path / "a.yaml").write_text("steps:\n  - idle: soon\n")
    (tmp_path / "b.yaml").write_text("steps:\n  - nap: 1s\n")
    with pytest.raises(InvalidInput) as info:
        collect([tmp_path])
    files = sorted({p.file for p in info.value.problems})
    assert files == [str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")]


def test_a_folder_skips_its_targets_subfolder_but_a_named_file_is_read(tmp_path):
    """examples/chat/ holds scenarios/ and targets/: the folder is its scenarios; a target named
    on the command line is still read (and refused as a scenario)."""
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "targets").mkdir()
    (tmp_path / "scenarios" / "a.yaml").write_text("x: 1\n")
    (tmp_path / "targets" / "chat.yaml").write_text("name: chat\n")
    assert scenario_files([tmp_path]) == [tmp_path / "scenarios" / "a.yaml"]
    assert scenario_files([tmp_path / "targets" / "chat.yaml"]) == [tmp_path / "targets" / "chat.yaml"]


def test_bundled_example_folder_collects_its_two_scenarios():
    """`wschaos run examples/chat/` runs the example's scenarios, not its target."""
    assert sorted(s.name for s in collect([ROOT / "examples" / "chat"])) == [
        "chat-messages-while-down-arrive-once", "chat-network-drop-reconnects"]


def test_envelope_keys_on_blocks_are_refused(tmp_path):
    """`for`/`clients` on a parallel or repeat block are errors, not silently ignored."""
    path = write(tmp_path, "steps:\n  - parallel: [{idle: 1s}]\n    for: 2s\n  - repeat: {times: 2, steps: [{idle: 1s}]}\n    clients: b0\n")
    assert problems_of(path) == [
        f"{path}:3:5 steps[0].for: 'for' does not apply to a parallel block; put it on the steps inside",
        f"{path}:5:5 steps[1].clients: 'clients' does not apply to a repeat block; put it on the steps inside",
    ]


def test_profile_time_scale_must_be_positive(tmp_path):
    """A profile's time_scale of 0 is refused like the scenario's own."""
    path = write(tmp_path, "profiles: {nightly: {time_scale: 0}}\nsteps:\n  - idle: 1s\n")
    assert problems_of(path) == [f"{path}:1:34 profiles.nightly.time_scale: expected a number from 0.001 to 1000, got 0"]


def test_scalar_for_a_step_without_parameters(tmp_path):
    """`down: 5s` says that down takes no parameters and how to write it."""
    path = write(tmp_path, "steps:\n  - down: 5s\n")
    assert problems_of(path) == [f"{path}:2:11 steps[0].down: expected no parameters (write `down: {{}}`), got '5s'"]


def test_checks_with_a_primary_take_a_bare_value(tmp_path):
    """`- server_health: active_connections` and `- frames_seen: pong` fill each check's primary field."""
    sc = load_scenario(write(tmp_path, """
name: bare
clients: {browsers: 1}
steps: [{idle: 1s}]
checks:
  - server_health: active_connections
  - frames_seen: pong
"""))
    assert sc.checks[0].params()["field"] == "active_connections"
    assert sc.checks[1].params()["type"] == "pong"
