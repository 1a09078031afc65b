"""The `wschaos` command, run as a real subprocess against real Toxiproxy, Chromium and the app.

Every run is checked for leftover processes (tests/cli_process.py says how).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
from pathlib import Path

import pytest
import yaml

from cli_process import FACTOR, REPO, WSCHAOS, marked_processes, only_run_dir, run_cli, wait_for_step, wschaos
from harness.invocation import command

pytestmark = pytest.mark.e2e

FIVE_MISTAKES = "tests/fixtures/scenarios/five-mistakes.yaml"
# As the subprocess will spell itself: `wschaos` if the venv is activated, else `.venv/bin/wschaos`.
BUGGED_RERUN = (f"{shlex.join(command(WSCHAOS[0], cwd=REPO))} run scenarios/connects-on-load.yaml --seed 1 "
                "--bugs no_pong_timestamp")


@pytest.fixture(scope="module")
def passing_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path, Path]:
    """One real `wschaos run scenarios/connects-on-load.yaml`, shared by the tests that read its output."""
    report = tmp_path_factory.mktemp("reports")
    junit = tmp_path_factory.mktemp("ci") / "out" / "junit.xml"
    result = run_cli("run", "scenarios/connects-on-load.yaml", "--report", str(report), "--junit", str(junit))
    return result, report, junit


def test_validate_good_folder_prints_one_ok_line_per_file():
    """`validate scenarios` exits 0 with one `ok` line per scenario file, saying its steps and checks."""
    result = run_cli("validate", "scenarios")
    files = sorted(p.name for p in (REPO / "scenarios").glob("*.yaml"))
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    assert [re.match(r"ok  scenarios/(\S+)  \(\d+ steps, \d+ checks, target kanban\)$", line).group(1)
            for line in lines] == files
    assert "ok  scenarios/connects-on-load.yaml  (4 steps, 3 checks, target kanban)" in lines


def test_validate_reports_five_located_problems_and_starts_nothing():
    """`validate` on the five-mistakes file exits 2 with five file:line:col problems and a summary."""
    result = run_cli("validate", FIVE_MISTAKES)
    lines = result.stderr.splitlines()
    assert result.returncode == 2
    assert result.stdout == ""
    assert lines[:4] == [
        f"{FIVE_MISTAKES}:4:39 steps[0].latency.jitter: expected a duration like 300ms, 15s or 5m, got 'lots'",
        f"{FIVE_MISTAKES}:6:13 steps[1].server.action: expected one of 'start', 'stop', 'restart', 'crash', "
        "'kill', 'pause', 'resume', got 'reboot'",
        f"{FIVE_MISTAKES}:7:40 steps[2].expect.within: expected a duration like 300ms, 15s or 5m, got 'soon'",
        f"{FIVE_MISTAKES}:9:14 steps[3].clients: unknown client or group 'b7'; known: all, browsers, protocol, b0",
    ]
    assert lines[4].startswith(f"{FIVE_MISTAKES}:11:5 checks[0].reconected: unknown check 'reconected'; "
                               "did you mean 'reconnected'? known: alerts_persisted, ")
    assert lines[5:] == ["5 problem(s); nothing was started."]


def test_list_prints_name_tags_and_description():
    """`list` prints each scenario's name padded to 40, its tags in brackets and its description below."""
    result = run_cli("list", "scenarios/connects-on-load.yaml")
    description = yaml.safe_load((REPO / "scenarios/connects-on-load.yaml").read_text())["description"].strip()
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{'connects-on-load':<40} [ci,e2e,connect]", f"    {description}"]


def test_run_passing_scenario_exits_0_and_says_pass(passing_run):
    """A passing run exits 0, prints `PASS  <name>`, a summary and where the report is."""
    result, report, _ = passing_run
    lines = result.stderr.splitlines()
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"PASS  connects-on-load  \(\d+\.\ds\)", lines[0]), lines
    assert re.fullmatch(r"1 passed in \d+\.\ds", lines[-2]), lines
    assert lines[-1] == f"report: {only_run_dir(report) / 'index.html'}"


def test_run_writes_every_report(passing_run):
    """A run writes index.html, results.json and junit.xml in its folder, the --junit copy and the run index."""
    _, report, junit = passing_run
    run_dir = only_run_dir(report)
    for name in ("index.html", "results.json", "junit.xml", "scenarios/connects-on-load/journal.jsonl"):
        assert (run_dir / name).is_file(), name
    doc = json.loads((run_dir / "results.json").read_text())
    assert (doc["outcome"], [s["outcome"] for s in doc["scenarios"]]) == ("passed", ["passed"])
    assert junit.read_bytes() == (run_dir / "junit.xml").read_bytes()
    assert run_dir.name in (report / "index.html").read_text()


def test_run_with_seeded_bug_fails_with_check_seed_and_rerun(tmp_path):
    """A seeded bug makes the run exit 1 and print the failing check, the seed and the exact rerun command."""
    result = run_cli("run", "scenarios/connects-on-load.yaml", "--report", str(tmp_path), "--bugs", "no_pong_timestamp")
    lines = result.stderr.splitlines()
    assert result.returncode == 1, result.stderr
    assert re.fullmatch(r"FAIL  connects-on-load  \(\d+\.\ds\)", lines[0]), lines
    assert "      check frames_seen: 0 received 'pong' frames with a server_time, expected at least 1" in lines
    assert f"      seed 1; rerun: {BUGGED_RERUN}" in lines
    doc = json.loads((only_run_dir(tmp_path) / "results.json").read_text())
    assert (doc["outcome"], doc["rerun"]) == ("failed", BUGGED_RERUN)
    # the failed check left a screenshot of every page taken before teardown
    shots = [s for s in doc["scenarios"][0]["screenshots"] if s["label"] == "failure"]
    assert [(s["client"], s["path"]) for s in shots] == [("b0", "scenarios/connects-on-load/screenshots/failure-b0.png")]
    assert (only_run_dir(tmp_path) / shots[0]["path"]).is_file()


def test_run_unknown_bug_exits_2_and_starts_nothing(tmp_path):
    """An unknown seeded bug is invalid input: exit 2, the known bugs listed, no run folder created."""
    report = tmp_path / "reports"
    result = run_cli("run", "scenarios/connects-on-load.yaml", "--report", str(report), "--bugs", "no_such_bug")
    lines = result.stderr.splitlines()
    assert result.returncode == 2
    assert lines[0].startswith("targets/kanban.yaml:1:1 bugs: target 'kanban' has no seeded bug 'no_such_bug'; "
                               "known: dedupe_per_connection, leak_listeners, legacy, ")
    assert "no_pong_timestamp" in lines[0]
    assert lines[1:] == ["1 problem(s); nothing was started."]
    assert not report.exists()


def test_run_without_toxiproxy_exits_3_and_says_what_to_do(tmp_path):
    """A missing toxiproxy-server exits 3 with how to fix it, before any run folder exists."""
    report = tmp_path / "reports"
    result = run_cli("run", "scenarios/connects-on-load.yaml", "--report", str(report),
                     env={"WSCHAOS_TOXIPROXY": "/nonexistent"})
    assert result.returncode == 3
    assert result.stderr == ("wschaos: toxiproxy-server not found at /nonexistent (from $WSCHAOS_TOXIPROXY): "
                             "point WSCHAOS_TOXIPROXY at an executable file\n")
    assert not report.exists()


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_interrupt_tears_down_reports_and_exits_130(tmp_path, how):
    """Ctrl-C (SIGINT to the group) or SIGTERM (CI timeouts, kill) mid-scenario exits 130, writes a report marking it interrupted, and leaves no process alive."""
    scenario = "idle-five-minutes-stays-connected"
    with wschaos("run", f"scenarios/{scenario}.yaml", "--report", str(tmp_path)) as proc:
        wait_for_step(tmp_path, proc, timeout_s=60)
        assert len(marked_processes(proc.mark)) > 4  # wschaos, toxiproxy, the app's two, Chromium...
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)  # what a terminal does: the whole foreground group
        else:
            os.kill(proc.pid, signal.SIGTERM)  # only the harness: it must take its children down
        _, err = proc.communicate(timeout=30 * FACTOR)
        leftovers = marked_processes(proc.mark)
    assert proc.returncode == 130, err
    assert not leftovers, f"still alive after Ctrl-C: {leftovers}"
    assert re.search(rf"^INTERRUPTED {scenario}  \(\d+\.\ds\)$", err, re.M), err
    assert re.search(r"^1 interrupted in \d+\.\ds \(interrupted\)$", err, re.M), err
    run_dir = only_run_dir(tmp_path)
    doc = json.loads((run_dir / "results.json").read_text())
    assert (doc["outcome"], [(s["name"], s["outcome"]) for s in doc["scenarios"]]) == (
        "interrupted", [(scenario, "interrupted")])
    last = json.loads((run_dir / "scenarios" / scenario / "journal.jsonl").read_text().splitlines()[-1])
    assert (last["kind"], last["outcome"]) == ("run.end", "interrupted")
    assert (run_dir / "index.html").is_file()


def test_doctor_lists_tools_with_versions():
    """`doctor` exits 0 here and shows toxiproxy-server and Chromium with their versions and paths."""
    result = run_cli("doctor")
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout
    assert any(re.fullmatch(r"ok    toxiproxy-server  \S+  /\S+/toxiproxy-server", line) for line in lines), lines
    assert any(re.fullmatch(r"ok    chromium +\d+(\.\d+)+  /\S+", line) for line in lines), lines
    assert lines[-1] == "all good"


def test_report_rerenders_a_run_folder(passing_run):
    """`report <run dir>` rebuilds its index.html offline and says where it is."""
    _, report, _ = passing_run
    run_dir = only_run_dir(report)
    (run_dir / "index.html").unlink()
    result = run_cli("report", str(run_dir))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"report: {run_dir / 'index.html'}\n"
    assert "connects-on-load" in (run_dir / "index.html").read_text()


def test_report_renders_a_journal_next_to_it(passing_run):
    """`report <journal>` renders an index.html in the journal's folder."""
    _, report, _ = passing_run
    sdir = only_run_dir(report) / "scenarios" / "connects-on-load"
    result = run_cli("report", str(sdir / "journal.jsonl"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"report: {sdir / 'index.html'}\n"
    assert "connects-on-load" in (sdir / "index.html").read_text()


def test_report_of_missing_source_is_invalid_input(tmp_path):
    """`report` of a path that does not exist exits 2 with a located problem saying what to give instead."""
    missing = tmp_path / "nope"
    result = run_cli("report", str(missing))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{missing}:1:1 no such run folder or journal: give a reports/<run-id> folder or a journal.jsonl file",
        "1 problem(s); nothing was started.",
    ]


def test_validate_a_target_file_lists_every_problem(tmp_path):
    """`validate` recognises a target file: a broken one exits 2 with every problem located, a good one exits 0."""
    bad = tmp_path / "bad-target.yaml"
    bad.write_text('server: {command: [x]}\npage: "http://10.0.0.1/{bogus}"\nwebsocket: "ws://localhost:{port.nope}/ws"\n')
    result = run_cli("validate", str(bad), "targets/kanban.yaml")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{bad}:1:1 missing required key 'name'",
        f"{bad}:1:9 server: missing required key 'ready'",
        f"{bad}:2:7 page: unknown placeholder {{bogus}}; allowed here: {{bugs.client}}, {{bugs.server}}, {{client}}, "
        "{port.server}, {python}, {root}, {run_dir}, {seed}, {time_scale}, {ws_url}",
        f"{bad}:2:7 page: host '10.0.0.1' is not loopback (localhost, 127.0.0.0/8, ::1): wschaos sends faults and "
        "load to it; use a local address, or set `allow_remote: true` if you really mean to test that host",
        f"{bad}:3:12 websocket: unknown placeholder {{port.nope}}; allowed here: {{bugs.client}}, {{bugs.server}}, "
        "{port.server}, {python}, {root}, {run_dir}, {seed}, {time_scale}",
        "5 problem(s); nothing was started."]
    good = run_cli("validate", "targets/kanban.yaml", "examples/chat/targets/chat.yaml")
    assert (good.returncode, good.stdout) == (0, "ok  targets/kanban.yaml  (target)\n"
                                                 "ok  examples/chat/targets/chat.yaml  (target)\n")


def test_a_failing_threshold_exits_1_naming_the_value_and_the_limit(tmp_path):
    """A scenario threshold that does not hold fails its scenario, a run threshold fails the run (exit 1);
    both are printed and reported with the measured value against the limit; --seed 7 is the run's seed."""
    scenario = yaml.safe_load((REPO / "scenarios" / "connects-on-load.yaml").read_text())
    scenario["thresholds"] = ["latency_samples >= 1000", "lost == 0"]
    path = tmp_path / "limits.yaml"
    path.write_text(yaml.safe_dump(scenario))
    report = tmp_path / "reports"
    result = run_cli("run", str(path), "--report", str(report), "--seed", "7", "--threshold", "messages_sent>=1000",
                     "--threshold", "reconnect_count<=0")
    lines = result.stderr.splitlines()
    assert result.returncode == 1, result.stderr
    assert re.fullmatch(r"FAIL  connects-on-load  \(\d+\.\ds\)", lines[0]), lines
    assert any(re.fullmatch(r"      check threshold: latency_samples >= 1000 does not hold: measured \d+, limit 1000", line)
               for line in lines), lines
    assert "FAIL  threshold messages_sent >= 1000 does not hold: measured 0, limit 1000" in lines
    assert "PASS  threshold reconnect_count <= 0 holds: measured 0, limit 0" in lines
    assert re.fullmatch(r"1 failed, 1 run threshold not held in \d+\.\ds", lines[-2]), lines
    run_dir = only_run_dir(report)
    doc = json.loads((run_dir / "results.json").read_text())
    assert (doc["outcome"], doc["seed"]) == ("failed", 7)
    assert [(t["threshold"], t["passed"]) for t in doc["thresholds"]] == [
        ("messages_sent >= 1000", False), ("reconnect_count <= 0", True)]
    checks = {c["params"].get("threshold"): c["passed"] for c in doc["scenarios"][0]["checks"] if c["name"] == "threshold"}
    assert checks == {"latency_samples >= 1000": False, "lost == 0": True}
    assert '<property name="seed" value="7" />' in (run_dir / "junit.xml").read_text()
    html = (run_dir / "index.html").read_text()
    assert "<code>messages_sent &gt;= 1000</code>" in html and "✗ does not hold" in html
    assert "seed<b>7</b>" in html
