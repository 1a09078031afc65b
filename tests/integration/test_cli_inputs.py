"""What a command-line option or a file says is refused before anything starts: `wschaos`, run as a
real process, exits 2 in under 2 s with the option's name (or file:line:col) and what to write
instead, no traceback, no report folder, and nothing started.

"Nothing started" is proven twice: the process leaves nothing behind (tests/cli_process.py
scans for every process it started), and toxiproxy-server and Chromium point at a file that
does not exist, so a run that got as far as looking for them would exit 3 instead of 2.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cli_process import REPO, run_cli

SCENARIO = "scenarios/connects-on-load.yaml"
NO_TOOLS = {"WSCHAOS_TOXIPROXY": "/nonexistent/toxiproxy-server", "WSCHAOS_CHROMIUM": "/nonexistent/chromium"}
SEED = "expected a whole number from 0 to 9223372036854775807"
TIME_SCALE = ("expected a number from 0.001 to 1000, as a scenario's time_scale (below, the app's timers fire faster "
              "than a browser keeps up; above, a minute of app time takes over 16 hours), got {}")
CLIENTS = ("a soak needs from 1 to 200 browser clients (each is a Chromium page open for the whole soak, and a "
           "scenario file allows 200), got {}")


def refused(*args: str, report: Path) -> list[str]:
    """Run `wschaos ARGS`; assert exit 2, no traceback, no report folder; the stderr lines.

    Nothing started: the tools point at missing files, so a run that got past loading would exit
    3, not 2. How fast a refusal is (under half a second) is measured by bench/refusals.py, not
    asserted here: a busy CI machine must not fail a test for being slow."""
    result = run_cli(*args, env=NO_TOOLS, timeout=30)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not report.exists()
    return result.stderr.splitlines()


def argparse_error(lines: list[str]) -> str:
    """The one line argparse adds below its usage text."""
    assert lines[0].startswith("usage: wschaos ")
    return lines[-1]


@pytest.mark.parametrize("value", ["-1", "9223372036854775808", "abc", "１"])
def test_run_seed_out_of_range_is_refused_like_a_scenario_seed(tmp_path, value):
    """`run --seed` takes what a scenario's `seed:` takes, and says so in the same words."""
    report = tmp_path / "reports"
    lines = refused("run", SCENARIO, "--seed", value, "--report", str(report), report=report)
    assert argparse_error(lines) == f"wschaos run: error: argument --seed: {SEED}, got {value!r}"


def test_soak_seed_is_bounded_too(tmp_path):
    """`soak --seed` has the same bound."""
    report = tmp_path / "reports"
    lines = refused("soak", "--duration", "10m", "--seed", "-5", "--report", str(report), report=report)
    assert argparse_error(lines) == f"wschaos soak: error: argument --seed: {SEED}, got '-5'"


@pytest.mark.parametrize("flag, value, words", [
    ("-j", "²", "argument -j/--jobs: expected a whole number from 1 to 16 or 'auto', got '²'"),
    ("--repeat", "１", "argument --repeat: expected a whole number from 1 to 100, got '１'"),
])
def test_counts_in_other_digits_are_refused_in_words(tmp_path, flag, value, words):
    """Digits that are not 0-9 are refused with the option's range, not a Python function name."""
    report = tmp_path / "reports"
    assert argparse_error(refused("run", SCENARIO, flag, value, "--report", str(report), report=report)) == \
        f"wschaos run: error: {words}"


@pytest.mark.parametrize("args, problems", [
    (["--duration", "99999999h"], ["--duration: at most 168h (7 days) of app time, got 99999999h: every round is "
                                   "planned before the soak starts; for longer, run soaks one after another with "
                                   "different seeds"]),
    (["--duration", "1h", "--time-scale", "nan"], ["--time-scale: " + TIME_SCALE.format("nan")]),
    (["--duration", "1h", "--time-scale", "inf"], ["--time-scale: " + TIME_SCALE.format("inf")]),
    (["--duration", "1h", "--time-scale", "1e9"], ["--time-scale: " + TIME_SCALE.format("1e+09")]),
    (["--duration", "1h", "--time-scale", "0"], ["--time-scale: " + TIME_SCALE.format("0")]),
    (["--duration", "1h", "--clients", "100000"], ["--clients: " + CLIENTS.format(100000)]),
    (["--duration", "100h", "--time-scale", "1"], ["--duration: 100h of app time at --time-scale 1 is 100h of real "
                                                   "time; at most 48h, the longest a scenario may run: lower --duration "
                                                   "or --time-scale"]),
    (["--duration", "30s", "--clients", "0", "--sample", "20m"], [
        "--duration: a soak needs at least 1m of app time to fit one disruption and its recovery, got 30s",
        "--clients: " + CLIENTS.format(0),
        "--sample: expected a duration from 100ms to 10m (real time between resource samples: the drift check needs "
        "several), got 20m"]),
])
def test_soak_options_are_bounded_with_the_reason(tmp_path, args, problems):
    """Soak options out of range are refused together, each with its range and why, before anything starts."""
    report = tmp_path / "reports"
    lines = refused("soak", *args, "--seed", "1", "--report", str(report), report=report)
    assert lines == problems + [f"{len(problems)} problem(s); nothing was started."]


def test_report_naming_a_file_is_refused(tmp_path):
    """`--report` naming an existing file says to give a folder."""
    report = tmp_path / "reports.txt"
    report.write_text("not a folder")
    result = run_cli("run", SCENARIO, "--report", str(report), env=NO_TOOLS, timeout=30)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"--report: {report} is a file, not a folder: give the reports folder (it is created if missing), e.g. reports/",
        "1 problem(s); nothing was started."]
    assert report.read_text() == "not a folder"


def _read_only_folder(tmp_path: Path) -> Path:
    """A folder nobody may write in: one on sysfs as root (root may write in a folder marked 0555), else a 0555 one."""
    if os.geteuid() == 0:
        for candidate in (Path("/sys/kernel"), Path("/proc/sys")):
            if candidate.is_dir():
                return candidate
        pytest.skip("no read-only folder for root here")
    folder = tmp_path / "read-only"
    folder.mkdir(mode=0o555)
    return folder


def test_report_in_a_read_only_folder_is_refused(tmp_path):
    """`--report` on a folder one cannot write in names the folder and the reason."""
    folder = _read_only_folder(tmp_path)
    result = run_cli("run", SCENARIO, "--report", str(folder), env=NO_TOOLS, timeout=10)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    (line, summary) = result.stderr.splitlines()
    assert line.startswith(f"--report: cannot write in the folder {folder} (")
    assert line.endswith("): pick a folder you can write to") and summary == "1 problem(s); nothing was started."


@pytest.mark.parametrize("under", ["file", "read-only"])
def test_report_folder_that_cannot_be_created_is_refused(tmp_path, under):
    """A reports folder under a file, or under a folder nobody may write in, cannot be created: said at once."""
    if under == "file":
        (tmp_path / "plain").write_text("x")
        report = tmp_path / "plain" / "reports"
        expected = f"--report: cannot create the folder {report}: {tmp_path / 'plain'} is a file; pick a folder you can write to"
    else:
        report = _read_only_folder(tmp_path) / "wschaos-reports" / "run"
        expected = f"--report: cannot create the folder {report} ("
    lines = refused("run", SCENARIO, "--report", str(report), report=report)
    assert lines[0].startswith(expected) and lines[1:] == ["1 problem(s); nothing was started."]


def test_junit_naming_a_folder_is_refused_with_the_other_problems(tmp_path):
    """`--junit` naming a folder is refused, listed with the scenario's own problems."""
    report = tmp_path / "reports"
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps:\n  - idle: soon\n")
    lines = refused("run", str(bad), "--junit", str(tmp_path), "--report", str(report), report=report)
    assert lines == [
        f"--junit: {tmp_path} is a folder: --junit names the XML file to write, e.g. {tmp_path / 'junit.xml'}",
        f"{bad}:2:11 steps[0].idle.duration: expected a duration like 300ms, 15s or 5m, got 'soon'",
        "2 problem(s); nothing was started."]


def test_soak_checks_its_report_paths_too(tmp_path):
    """`soak --junit` naming a folder is refused before the soak is planned."""
    report = tmp_path / "reports"
    lines = refused("soak", "--duration", "10m", "--junit", str(tmp_path), "--report", str(report), report=report)
    assert lines[0] == f"--junit: {tmp_path} is a folder: --junit names the XML file to write, e.g. {tmp_path / 'junit.xml'}"


def test_validate_checks_a_scenario_against_its_target_as_a_process(tmp_path):
    """`validate sc.yaml target.yaml`: an action and a message the target lacks fail validate, exit 2."""
    shutil.copy(REPO / "examples/chat/targets/chat.yaml", tmp_path / "chat.yaml")
    sc = tmp_path / "sc.yaml"
    sc.write_text(f"target: {tmp_path / 'chat.yaml'}\nclients: {{browsers: 1, protocol: 1}}\n"
                  "steps:\n  - action: buyy\n  - send: helo\n")
    lines = refused("validate", str(sc), str(tmp_path / "chat.yaml"), report=tmp_path / "reports")
    assert lines == [
        f"{sc}:4:1 steps[0]: target 'chat' has no UI action 'buyy'; its actions: post_message (add it under "
        f"`actions:` in {tmp_path / 'chat.yaml'})",
        f"{sc}:5:1 steps[1]: target 'chat' has no protocol message 'helo'; its messages: chat, ping (add it under "
        f"`protocol: messages:` in {tmp_path / 'chat.yaml'})",
        "2 problem(s); nothing was started."]


def test_a_target_mistake_is_refused_at_run_before_anything_starts(tmp_path):
    """A target whose storage_state file is missing stops `run` with the target's position, exit 2."""
    target = tmp_path / "chat.yaml"
    target.write_text((REPO / "examples/chat/targets/chat.yaml").read_text() + "storage_state: saved.json\n")
    report = tmp_path / "reports"
    lines = refused("run", "examples/chat/scenarios/network-drop-reconnects.yaml", "--target", str(target),
                    "--report", str(report), report=report)
    assert lines[0].startswith(f"{target}:") and " storage_state: no file 'saved.json' (read as " in lines[0]
    assert lines[1:] == ["1 problem(s); nothing was started."]


def test_the_same_run_with_good_options_does_look_for_the_tools(tmp_path):
    """The control: with nothing refused, the run goes on to look for toxiproxy-server and exits 3 without it."""
    report = tmp_path / "reports"
    result = run_cli("run", SCENARIO, "--seed", "9223372036854775807", "--report", str(report), env=NO_TOOLS, timeout=10)
    assert result.returncode == 3 and "toxiproxy-server not found at /nonexistent/toxiproxy-server" in result.stderr


def test_report_out_naming_a_file_is_refused(tmp_path):
    """`wschaos report JOURNAL --out FILE` is refused naming --out, not a traceback."""
    out = tmp_path / "out.txt"
    out.write_text("x")
    result = run_cli("report", "tests/fixtures/journals/passing.jsonl", "--out", str(out), timeout=10)
    assert result.returncode == 2 and result.stderr.splitlines() == [
        f"--out: {out} is a file, not a folder: give the reports folder (it is created if missing), e.g. reports/",
        "1 problem(s); nothing was started."]
