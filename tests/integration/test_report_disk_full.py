"""A report that cannot be written is the harness's trouble, said plainly: on a full disk the run
exits 3 with no traceback, never leaves a cut-off index.html, and results.json (when it fits)
says `error` with the reason, never `passed` beside a page that is not there."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cli_process import run_cli

# Four screenshots (about 320 kB) fit; the report embedding them (about 1.4 times as much) does not.
WITH_SHOTS = "scenarios/server-restart-reconnects.yaml"


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A 640 kB tmpfs: room for the scenario and results.json, not for the HTML report that embeds its screenshots."""
    where = tmp_path / "disk"
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=640k", "tmpfs", str(where)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_disk_is_an_error_and_no_half_report(tiny_disk: Path):
    """index.html does not fit: exit 3, the reason printed, no index.html, results.json says error."""
    result = run_cli("run", WITH_SHOTS, "--report", str(tiny_disk), "--quiet", timeout=120)
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert "ERROR could not write the report: [Errno 28] No space left on device" in result.stderr
    [run_dir] = [p for p in tiny_disk.iterdir() if p.is_dir()]
    assert not (run_dir / "index.html").exists()
    assert not list(run_dir.glob("*.tmp"))
    assert f"report: not written; results: {run_dir / 'results.json'}" in result.stderr
    doc = json.loads((run_dir / "results.json").read_text())
    assert doc["outcome"] == "error"
    assert doc["infra_error"] == "could not write the report: [Errno 28] No space left on device"
