"""A real run draws its scenarios' charts in the worker while it goes on, and its report is the
one `wschaos report` would draw from the journals."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

import harness.report.plots as plots
from harness.plan import RunOptions, make_plan
from harness.report import render_run_dir
from harness.run import Run, run_plans
from harness.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def test_a_run_report_is_drawn_by_the_worker_and_equals_the_offline_one(tmp_path, monkeypatch):
    options = RunOptions(report_dir=tmp_path / "reports")
    plans = [make_plan(load_scenario(ROOT / "scenarios" / name), options)
             for name in ("connects-on-load.yaml", "server-restart-reconnects.yaml")]
    write_reports = Run.write_reports

    def in_process_drawing_forbidden(self: Run, junit: Path | None = None) -> Path:
        def drawn_here(*args: object, **kwargs: object) -> str:
            raise AssertionError("the report drew a timeline itself: the worker's drawings were not used")
        monkeypatch.setattr(plots, "timeline_svg", drawn_here)
        return write_reports(self, junit)

    monkeypatch.setattr(Run, "write_reports", in_process_drawing_forbidden)
    result, html = asyncio.run(run_plans(plans, options))
    assert result.outcome == "passed" and html is not None
    monkeypatch.undo()

    offline = tmp_path / "offline"
    shutil.copytree(html.parent, offline)
    render_run_dir(offline)
    assert (offline / "index.html").read_bytes() == html.read_bytes()
