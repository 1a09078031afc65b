"""A real failure's evidence points at the moment that explains it: the marker on the timeline and
the server log around it, read in Chromium from the report a real run wrote."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from cli_process import only_run_dir, run_cli

pytestmark = pytest.mark.e2e

SCENARIO = "tests/fixtures/scenarios/dead-link-swept.yaml"
CHROMIUM = os.environ.get("WSCHAOS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def journal(run_dir: Path, scenario: str) -> list[dict]:
    path = run_dir / "scenarios" / scenario / "journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


async def server_log_text(report: Path) -> str:
    """The server log panel of the report's first scenario, as Chromium shows it."""
    playwright_api = pytest.importorskip("playwright.async_api")
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = await browser.new_page()
            await page.goto(report.as_uri())
            return await page.locator("details.scenario pre.log").first.inner_text()
        finally:
            await browser.close()


async def test_a_late_dead_link_detection_is_marked_where_the_log_explains_it(tmp_path):
    """dead_link fails when the server's sweep, not the client, ends the dead connections: the marker
    is the detection (the sockets' close, ~17 s in, not the blackhole's start) and the report's
    server log around it holds the server's "closing idle connection" lines."""
    result = run_cli("run", SCENARIO, "--target", "kanban", "--report", str(tmp_path), timeout=120)
    assert result.returncode == 1, result.stderr
    run_dir = only_run_dir(tmp_path)
    events = journal(run_dir, "dead-link-swept")
    (check,) = [e for e in events if e["kind"] == "check" and e["name"] == "dead_link"]
    closes = [e["t"] for e in events if e["kind"] == "ws.close" and e["t"] < check["t"]]
    fault = next(e["t"] for e in events if e["kind"] == "fault.apply")
    assert sorted(check["at"]) == sorted(closes[:2]) and min(check["at"]) > fault + 5, (check, closes)
    swept = [e for e in events if e["kind"] == "proc.log" and "closing idle connection" in e["line"]]
    assert len(swept) == 2
    text = await server_log_text(run_dir / "index.html")
    assert "◀ failure marker: dead_link" in text
    assert all(e["line"] in text for e in swept), text
    assert "Started server process" not in text  # the start-up lines the fault's start would show
