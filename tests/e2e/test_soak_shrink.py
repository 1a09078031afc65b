"""A failed soak shrunk for real: a 2m soak of the reference app with its `no_queue` bug (messages typed while
disconnected are dropped) fails; `wschaos shrink` replays candidates through the run owner and writes a scenario
of at most 3 steps that fails with the bug and passes on the fixed app.

About two minutes: the soak (12 s at 0.1), then short candidates, each replayed twice.
No process outlives a command (tests/cli_process.py).
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from harness.scenario.load import load_scenario
from harness.steps.base import walk
from cli_process import REPO, WSCHAOS, run_cli
from harness.invocation import command

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def shrunk(tmp_path_factory) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess, Path]:
    """`wschaos soak --duration 2m --seed 6 --bugs no_queue`, then `wschaos shrink` of its run folder."""
    report = tmp_path_factory.mktemp("reports")
    soak = run_cli("soak", "--duration", "2m", "--seed", "6", "--bugs", "no_queue", "--report", str(report),
                   "--quiet", timeout=180)
    (run_dir,) = [p for p in report.iterdir() if p.is_dir()]
    shrink = run_cli("shrink", str(run_dir), "--budget", "8m", "--replays", "2", "--report", str(report),
                     timeout=600)
    return soak, shrink, report


def test_the_soak_fails_on_the_lost_messages(shrunk):
    """The night fails delivered_exactly_once: tickets typed while the server was away are gone."""
    soak, _, _ = shrunk
    assert soak.returncode == 1, soak.stdout + soak.stderr
    said = soak.stdout + soak.stderr  # verdict lines go to stderr, the seed and report paths to stdout
    assert "check delivered_exactly_once:" in said and " lost" in said


def test_shrink_writes_a_scenario_of_at_most_three_steps_and_its_rerun(shrunk):
    """Exit 0, the minimal scenario's path and rerun command printed; at most 3 steps, the closing gate included."""
    _, shrink, _ = shrunk
    assert shrink.returncode == 0, shrink.stdout + shrink.stderr
    path = Path(re.search(r"^minimal scenario: (.+)$", shrink.stdout, re.M).group(1))
    assert f"rerun: {shlex.join(command(WSCHAOS[0], cwd=REPO))} run {path} --bugs no_queue" in shrink.stdout
    scenario = load_scenario(path)
    assert len(list(walk(scenario.steps))) <= 3, path.read_text()
    assert [c.registered_name for c in scenario.checks] == ["delivered_exactly_once"]
    assert "shrink: trial 1 (where it failed):" in shrink.stderr


def test_shrink_json_has_both_schedules_and_every_trial_s_replays(shrunk):
    """shrink.json: the original and minimal schedules, each trial with its verdict and replay count."""
    _, shrink, report = shrunk
    (folder,) = report.glob("shrink-*")
    doc = json.loads((folder / "shrink.json").read_text())
    assert doc["reproduced"] and doc["failure"]["name"] == "delivered_exactly_once" and "lost" in doc["failure"]["way"]
    assert len(doc["original"]) == doc["original_steps"] > len(doc["minimal"]) == doc["minimal_steps"]
    kept = [t for t in doc["trials"] if t["accepted"]]
    assert kept and all(t["replays"] == 2 for t in kept)
    assert all(1 <= t["replays"] <= 2 for t in doc["trials"])
    html = (folder / "shrink.html").read_text()
    assert "original and minimal schedule" in html and doc["minimal"][0] in html


def test_the_minimal_scenario_fails_with_the_bug_and_passes_on_the_fixed_app(shrunk):
    """`wschaos validate` takes it; `wschaos run` fails with no_queue, passes without."""
    _, shrink, report = shrunk
    path = re.search(r"^minimal scenario: (.+)$", shrink.stdout, re.M).group(1)
    assert run_cli("validate", path).returncode == 0
    with_bug = run_cli("run", path, "--bugs", "no_queue", "--report", str(report / "bug"), "--quiet", timeout=120)
    assert with_bug.returncode == 1 and "delivered_exactly_once" in with_bug.stderr
    fixed = run_cli("run", path, "--report", str(report / "fixed"), "--quiet", timeout=120)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
