"""`wschaos soak` end to end: a 3m soak (18 s at the reference app's 0.1) on real Toxiproxy,
Chromium and the app passes, samples resources, and shows up in the report and the run index.

No process outlives the run (tests/cli_process.py).
"""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest

from harness.journal import read_journal
from cli_process import REPO, WSCHAOS, run_cli
from harness.invocation import command

pytestmark = pytest.mark.e2e

# As the subprocess will spell itself: `wschaos` if the venv is activated, else `.venv/bin/wschaos`.
RERUN = f"{shlex.join(command(WSCHAOS[0], cwd=REPO))} soak --duration 3m --seed 5"


@pytest.fixture(scope="module")
def soak_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """One real `wschaos soak --duration 3m --seed 5`, shared by the tests below."""
    report = tmp_path_factory.mktemp("reports")
    return run_cli("soak", "--duration", "3m", "--seed", "5", "--report", str(report), "--quiet", timeout=120), report


def test_soak_passes_and_prints_seed_and_rerun(soak_run):
    """The fixed app survives the 3m soak: exit 0, the seed and the rerun command before and after."""
    result, _ = soak_run
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("soak soak-3m-seed5: Nightly soak of kanban: ")
    assert lines[1].startswith("workload: add_ticket (action, weight 3, up to 5), trigger_workflow (action, on created")
    assert lines[3] == f"seed 5; rerun: {RERUN}"
    assert lines[-2].startswith("soak report: ") and lines[-2].endswith("/scenarios/soak-3m-seed5/soak.html")
    assert lines[-1] == f"seed 5; rerun: {RERUN}"


def test_soak_journal_has_resource_samples_and_a_drift_verdict(soak_run):
    """The journal holds `resources` samples with server RSS, fds and page heaps, and resource_drift passed."""
    _, report = soak_run
    (run_dir,) = [p for p in report.iterdir() if p.is_dir()]
    events = read_journal(run_dir / "scenarios" / "soak-3m-seed5" / "journal.jsonl")
    samples = [e for e in events if e["kind"] == "resources"]
    assert len(samples) >= 5
    assert all(e["server_rss_kb"] > 0 and e["server_fds"] > 0 for e in samples if e["server_pid"])
    assert any(isinstance(e["pages"].get("b0"), int) for e in samples)
    verdicts = {e["name"]: e for e in events if e["kind"] == "check"}
    assert verdicts["resource_drift"]["passed"], verdicts["resource_drift"]
    assert next(e for e in events if e["kind"] == "run.start")["rerun"] == RERUN
    assert all(e["harness_rss_kb"] > 0 for e in samples) and any(e["server_sockets"] for e in samples)


def test_soak_run_is_in_the_report_and_the_run_index(soak_run):
    """reports/<run-id>/index.html lists the soak's steps; reports/index.html lists the run."""
    _, report = soak_run
    (run_dir,) = [p for p in report.iterdir() if p.is_dir()]
    doc = json.loads((run_dir / "results.json").read_text())
    assert (doc["outcome"], doc["seed"], doc["scenarios"][0]["tags"]) == ("passed", 5, ["soak", "nightly"])
    assert "soak[2]" in (run_dir / "index.html").read_text()
    assert f'href="{run_dir.name}/index.html"' in (report / "index.html").read_text()
