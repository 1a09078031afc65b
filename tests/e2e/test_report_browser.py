"""The generated report opens from disk in real Chromium: no console errors, every image
loads, the timeline is visible."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from harness.report import render_run_dir, update_index

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).parents[1] / "fixtures" / "journals"
CHROMIUM = os.environ.get("WSCHAOS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def make_run_dir(reports: Path) -> Path:
    spec = importlib.util.spec_from_file_location("rundir", FIXTURES / "rundir.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_run_dir(reports, size=(480, 300))


@pytest.fixture
async def page():
    playwright_api = pytest.importorskip("playwright.async_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: run `make setup` or set WSCHAOS_CHROMIUM")
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1300, "height": 900})
            yield await context.new_page()
        finally:
            await browser.close()


async def test_run_report_renders_in_chromium(page, tmp_path):
    """index.html opens via file://, logs no errors, loads every image, shows the timeline."""
    run_dir = make_run_dir(tmp_path / "reports")
    report = render_run_dir(run_dir)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    await page.goto(report.as_uri())
    await page.wait_for_load_state("load")
    images = page.locator("img")
    assert await images.count() == 8  # both scenarios, 2 screenshots x 2 browsers each
    widths = await page.eval_on_selector_all("img", "els => els.map(e => e.complete && e.naturalWidth)")
    assert all(w and w > 0 for w in widths), widths
    timeline = page.locator("#s-server-restart-while-connected svg.plot").first
    await timeline.scroll_into_view_if_needed()
    assert await timeline.is_visible()
    box = await timeline.bounding_box()
    assert box["width"] > 800 and box["height"] > 250
    await page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert problems == []


async def test_collapsed_scenario_images_load_when_opened(page, tmp_path):
    """Opening a passing scenario's section shows its screenshots, all loaded."""
    report = render_run_dir(make_run_dir(tmp_path / "reports"))
    await page.goto(report.as_uri())
    await page.click("#s-network-cut-heals > summary")
    await page.locator("#s-network-cut-heals img").last.scroll_into_view_if_needed()
    await page.wait_for_function(
        "() => [...document.querySelectorAll('img')].every(i => i.complete && i.naturalWidth > 0)")
    assert await page.locator("img").count() == 8


async def test_run_index_renders_in_chromium(page, tmp_path):
    """reports/index.html shows the trend plot and links to the run's report."""
    reports = tmp_path / "reports"
    make_run_dir(reports)
    render_run_dir(reports / "20240611-021500-7")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await page.goto(update_index(reports).as_uri())
    await page.click("text=20240611-021500-7")
    await page.wait_for_load_state("load")
    assert "wschaos run 20240611-021500-7" in await page.locator("h1").inner_text()
    assert errors == []
