"""The generated report opens from disk in real Chromium: no console errors, every image
loads, the timeline is visible."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path

import pytest

from harness.report import render_from_journal, render_run_dir, update_index

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).parents[1] / "fixtures" / "journals"
CHROMIUM = os.environ.get("WSCHAOS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def make_run_dir(reports: Path, *args: str, **kwargs: str) -> Path:
    spec = importlib.util.spec_from_file_location("rundir", FIXTURES / "rundir.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_run_dir(reports, *args, size=(480, 300), **kwargs)


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


def failing_journal_with_custom_state(path: Path) -> Path:
    """The failing fixture plus a custom client state (`dead`), a DEGRADED level and two more
    failed checks whose times (13.1, 13.3) sit right next to `reconnected`'s 13.0."""
    lines = (FIXTURES / "failing.jsonl").read_text(encoding="utf-8").splitlines()
    extra = [
        {"t": 12.0, "kind": "probe", "client": "p0", "values": {"state": "dead", "health": "DEGRADED"}},
        {"t": 12.6, "kind": "probe", "client": "p0", "values": {"state": "connected", "health": "HEALTHY"}},
        {"t": 15.6, "kind": "check", "name": "backoff", "passed": False, "summary": "no jitter", "evidence": [],
         "metrics": {}, "params": {}, "at": [13.1], "inconclusive": False},
        {"t": 15.6, "kind": "check", "name": "max_disconnection", "passed": False, "summary": "too long",
         "evidence": [], "metrics": {}, "params": {}, "at": [13.3], "inconclusive": False},
    ]
    events = sorted([json.loads(x) for x in lines] + extra, key=lambda e: e["t"])
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


TIMELINE_FACTS = """svg => {
  const rect = el => el.getBoundingClientRect();
  const drawn = el => [...el.querySelectorAll('path, use')].find(x => !x.closest('defs')) || el;
  const fill = el => getComputedStyle(drawn(el)).fill;
  const all = sel => [...svg.querySelectorAll(sel)];
  return {
    drawn: all('.state, .marker, .failure-marker').map(g => g.dataset.key),
    bars: all('.state').map(g => [g.dataset.key, fill(g)]),
    legend: all('.legend-entry').map(g => g.dataset.key),
    swatches: all('.legend-swatch').map(g => [g.dataset.key, fill(g)]),
    axes: all('.time-axis').map(g => ({panel: g.dataset.panel, x0: +g.dataset.x0, x1: +g.dataset.x1,
                                       left: rect(g).left, width: rect(g).width})),
    markers: all('.failure-marker').map(g => ({t: +g.dataset.t, x: rect(g).left + rect(g).width / 2})),
    labels: all('.failure-label').map(g => { const r = rect(g); return [r.left, r.right, r.top, r.bottom]; }),
  };
}"""


async def test_timeline_legend_and_failure_markers_in_chromium(page, tmp_path):
    """Every state drawn has its own legend entry in its own colour; each failure marker sits
    at the time the failed check or expectation points at; labels do not overlap; the latency
    panel shares the timeline's time axis."""
    journal = failing_journal_with_custom_state(tmp_path / "journal.jsonl")
    report = render_from_journal(journal, tmp_path / "out")
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    scenario = doc["scenarios"][0]
    expected = sorted({round(float(t), 3) for c in scenario["checks"] if not c["passed"] for t in c["at"]}
                      | {round(x["t"], 3) for x in scenario["expectations"] if x["passed"] is False})
    await page.goto(report.as_uri())
    facts = await page.locator("svg.plot").first.evaluate(TIMELINE_FACTS)
    assert set(facts["drawn"]) <= set(facts["legend"]), set(facts["drawn"]) - set(facts["legend"])
    assert "client:dead" in facts["legend"] and "health:DEGRADED" in facts["legend"]
    swatch = dict(facts["swatches"])
    assert all(swatch[key] == color for key, color in facts["bars"]), (facts["bars"], swatch)
    state_colors = {key: color for key, color in facts["bars"]}
    assert len(set(state_colors.values())) == len(state_colors), state_colors  # one colour per meaning
    timeline, latency = facts["axes"]
    assert abs(timeline["left"] - latency["left"]) < 1 and abs(timeline["width"] - latency["width"]) < 1
    assert sorted(m["t"] for m in facts["markers"]) == expected
    for m in facts["markers"]:
        x = timeline["left"] + (m["t"] - timeline["x0"]) / (timeline["x1"] - timeline["x0"]) * timeline["width"]
        assert abs(m["x"] - x) < 1.5, (m, x)
    boxes = facts["labels"]
    overlaps = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                if a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]]
    assert len(boxes) == len(expected) and overlaps == []


async def test_run_index_filter_in_chromium(page, tmp_path):
    """Typing in the index's search box and ticking 'only flaky' hide the other runs, without errors."""
    reports = tmp_path / "reports"
    make_run_dir(reports)
    make_run_dir(reports, "run-older", started_at="2024-06-01T02:00:00")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(update_index(reports).as_uri())
    rows = page.locator("#runs tr[data-series]:visible")
    assert await rows.count() == 2
    await page.fill("#filter input[name=q]", "older")
    assert await rows.count() == 1 and "run-older" in await rows.first.inner_text()
    assert await page.locator("#shown").inner_text() == "1 of 2 runs shown"
    await page.fill("#filter input[name=q]", "")
    await page.check("#filter input[name=flaky]")
    assert await rows.count() == 0  # neither fixture run repeated a scenario
    assert errors == []
