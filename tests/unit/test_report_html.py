"""The run report and the run index render from fixture journals, self-contained and escaped."""

from __future__ import annotations

import re

import pytest

from harness.journal import read_journal
from harness.report import (load_results, render_from_journal, render_index, render_run_dir,
                            render_run_html, update_index)
from harness.report.html import checks_html, summary_html

from journal_builder import FIXTURES, rundir_module


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    run = rundir_module().make_run_dir(tmp_path_factory.mktemp("reports"))
    render_run_dir(run)
    return run


@pytest.fixture(scope="module")
def page(run_dir):
    return (run_dir / "index.html").read_text(encoding="utf-8")


def failing_section(page: str) -> str:
    return page[page.index('id="s-server-restart-while-connected"'):]


def test_summary_shows_outcome_seed_target_bugs_and_rerun(page):
    """The summary carries the run's verdict, seed, target, bugs, versions and rerun command."""
    assert '<span class="badge failed">failed</span>' in page
    assert "<b>42</b>" in page and "<b>kanban</b>" in page and "<b>legacy</b>" in page
    assert "chromium 126.0.6478.126" in page
    assert '<pre class="cmd">wschaos run scenarios/ --seed 42 --bugs legacy</pre>' in page


def test_a_passing_multi_scenario_run_says_there_is_nothing_to_rerun():
    """No failure: no empty command box; the seed is per scenario when there are several."""
    html = summary_html({"outcome": "passed", "counts": {"passed": 2}, "seed": None, "rerun": ""})
    assert "<b>per scenario</b>" in html
    assert "nothing to rerun: no scenario failed (each scenario's own command is in its section)" in html
    assert '<pre class="cmd">' not in html


def test_failed_scenario_is_open_and_passing_one_closed(page):
    """Failed scenarios start expanded; passing ones are collapsed."""
    assert '<details class="scenario" id="s-server-restart-while-connected" open>' in page
    assert '<details class="scenario" id="s-network-cut-heals">' in page


def test_check_evidence_and_failed_expectation_are_shown(page):
    """Every failed check's evidence line and the failed inline expectation are on the page."""
    section = failing_section(page)
    assert "<li>b1 still &#39;reconnecting&#39; 12.5s after the server restart at 3.0s (limit 10s)</li>" in section
    assert "<li>trigger:T-3:m-9 was queued by b1 at 3.5s and never reached the server</li>" in section
    assert "b0: connected, b1: reconnecting, p0: connected" in section


def test_log_lines_are_escaped(page):
    """A server log line containing <script> is shown as text, never executed."""
    assert "<script>" not in page
    assert "replay &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; friends" in page


def test_only_log_lines_that_report_trouble_are_red(page):
    """A WARNING line is marked (here as the consequence of the server crash and restart just
    before it, not in red); an ordinary line is not, whichever stream it came on."""
    section = failing_section(page)
    assert ('<span class="expected">WARNING ledger: replay &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; '
            '&amp; friends</span> <span class="during">· during the injected server stop '
            '(expected)</span>') in section
    assert '<span class="stdout">accepted ticket_notification m-7 (new id)</span>' in section


def test_log_excerpt_is_the_window_around_failures(page):
    """The excerpt keeps server lines around the failure markers, and shows the markers among them."""
    section = failing_section(page)
    assert ("server log around the failure markers (t=3.0s reconnected, t=3.5s delivered_exactly_once, "
            "t=5.9s delivered_exactly_once, t=13.0s reconnected, t=14.9s expect): every line within ±5 s of "
            "a marker, and at least the 3 lines before and after each (up to 30 s away)") in section
    assert "accepted ticket_notification m-7 (new id)" in section
    assert ('<span class="t">    5.900</span> <span class="marker" data-t="5.900">◀ failure marker: '
            'delivered_exactly_once</span>\n<span class="t">    5.960</span>') in section


def test_screenshots_are_embedded_and_link_to_the_full_file(page):
    """Screenshots are data: URIs (works offline), each with a link to the file on disk."""
    assert len(re.findall(r'<img src="data:image/png;base64,', page)) == 8
    assert '<a href="scenarios/server-restart-while-connected/screenshots/after-restart-b1.png">' in page
    assert "<b>after-restart</b> · b1 · t=15.30 s" in page


def test_page_is_self_contained(page):
    """No script, no external stylesheet, no remote URL: the page opens from disk offline."""
    assert "<script" not in page.lower()
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert page.count("<svg") >= 4  # a timeline (its latency panel inside) and a reconnect chart per scenario


def test_timeline_has_lanes_faults_and_failure_markers(page):
    """The timeline SVG names its lanes, its faults and the failed checks it marks."""
    section = failing_section(page)
    svg = section[section.index("<svg"):section.index("</svg>")]
    for text in ("faults", "server", "b0 (browser)", "b1 (browser)", "p0 (protocol)",
                 "latency 1.2s → b0", "blackhole → p0", "✗ reconnected",
                 "seconds since run start", "client reconnecting", "server down", "screenshot"):
        assert text in svg, text


def test_svg_ids_are_unique_across_the_page(page):
    """Each inline figure has its own ids, so clip paths never point at another figure."""
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_rendering_is_deterministic(run_dir, page):
    """Rendering the same run twice gives byte-identical HTML (no clocks, no random ids)."""
    doc = load_results(run_dir / "results.json")
    events = {s["name"]: read_journal(run_dir / s["journal"]) for s in doc["scenarios"]}
    assert render_run_html(doc, events) == render_run_html(doc, events)


def test_missing_journal_and_image_degrade_gracefully(run_dir):
    """Without journals or images the report still renders and says what is missing."""
    html = render_run_html(load_results(run_dir / "results.json"), {}, {})
    assert "no journal available: timeline not drawn" in html
    assert ("screenshot file not found: scenarios/network-cut-heals/screenshots/connected-b0.png "
            "(not kept under --artifacts never; the report written by the run embeds it)") in html


def test_render_from_a_bare_journal(tmp_path):
    """A lone journal renders results.json, junit.xml and index.html with its check events."""
    out = render_from_journal(FIXTURES / "failing.jsonl", tmp_path / "out")
    assert {p.name for p in out.parent.iterdir()} == {"index.html", "junit.xml", "results.json"}
    doc = load_results(out.parent / "results.json")
    assert doc["outcome"] == "failed" and doc["run_id"] == "20240611-021500-7"
    assert "delivered_exactly_once" in out.read_text(encoding="utf-8")


def test_run_index_lists_runs_newest_first_with_trend(tmp_path):
    """reports/index.html lists every run newest first with pass rate and a trend plot."""
    make = rundir_module().make_run_dir
    make(tmp_path, "run-b", started_at="2024-06-11T02:00:00")
    make(tmp_path, "run-a", started_at="2024-06-10T02:00:00")
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "results.json").write_text("{not json")
    html = update_index(tmp_path).read_text(encoding="utf-8")
    assert html.index('href="run-b/index.html"') < html.index('href="run-a/index.html"')
    assert "50% <span" in html and "<svg" in html and "run (oldest → newest)" in html


def test_index_of_no_runs_says_so():
    """An empty reports directory renders a page that says there are no runs yet."""
    assert "no runs yet" in render_index([])


def _run(run_id: str, started: str, target: str, bugs: list[str], passed: int, failed: int,
         flaky: dict | None = None, tags: tuple[str, ...] = ("ci",)) -> dict:
    return {"run_id": run_id, "started_at": started, "target": target, "bugs": bugs,
            "outcome": "failed" if failed else "passed", "counts": {"passed": passed, "failed": failed},
            "metrics": {"reconnect_p95_s": 1.0}, "flaky": flaky or {},
            "scenarios": [{"name": f"s{i}", "tags": list(tags)} for i in range(passed + failed)]}


def test_run_index_trends_one_line_per_target_and_bug_set():
    """Runs of another kind (a soak beside a suite), another target or another seeded-bug set are
    separate trend lines, never one mixed line."""
    html = render_index([_run("r1", "2026-11-01", "kanban", [], 4, 0), _run("r2", "2026-11-02", "kanban", ["legacy"], 1, 3),
                         _run("r3", "2026-11-03", "chat", [], 2, 0), _run("r4", "2026-11-04", "kanban", [], 3, 1),
                         _run("r5", "2026-11-05", "kanban", [], 0, 1, tags=("soak", "nightly"))])
    lines = re.findall(r'class="trend" data-series="([^"]+)" data-metric="pass_rate"', html)
    assert sorted(lines) == ["soak · kanban · no bugs", "suite · chat · no bugs", "suite · kanban · legacy",
                             "suite · kanban · no bugs"]
    assert 'data-series="suite · kanban · legacy" data-outcome="failed"' in html


def test_run_index_marks_flaky_runs_and_filters_inline():
    """A run with flaky scenarios is marked with their verdicts; the filter is inline script, no network."""
    html = render_index([_run("r1", "2026-11-01", "kanban", [], 3, 1,
                              {"server-restart": ["passed", "failed", "passed"]})])
    assert '<span class="badge flaky" title="server-restart: passed, failed, passed">flaky</span>' in html
    assert 'data-flaky="yes"' in html and '<form id="filter"' in html and "<script>" in html
    assert not re.search(r'(src|href)="(https?:)?//', html) and "<script src" not in html


def test_only_failing_evidence_is_red():
    """Evidence of a passing check is muted; only a failed check's row (tr.fail) turns it red."""
    from harness.report.style import CSS

    assert "ul.evidence { margin:4px 0 0; padding-left:18px; color:var(--muted); }" in CSS
    assert "tr.fail ul.evidence { color:#7a0c14; }" in CSS
    html = checks_html([{"name": "reconnected", "passed": True, "summary": "ok", "evidence": ["b0: fine"]},
                        {"name": "backoff", "passed": False, "summary": "no", "evidence": ["b0: no jitter"]}])
    assert html.index('<tr class="">') < html.index("b0: fine") < html.index('<tr class="fail">')


def test_trouble_logged_as_a_fault_begins_or_ends_is_expected_but_not_in_the_quiet_middle():
    """An error the server logs within 2 s of a fault being applied or lifted is the injection's
    consequence (marked expected); one logged in the middle of a long outage stays red."""
    from harness.report.extract import log_window
    from harness.report.html import _log_class

    def line(t: float, text: str) -> dict:
        return {"t": t, "kind": "proc.log", "name": "server", "stream": "stderr", "line": text}

    events = [{"t": 0.0, "kind": "run.start", "clients": [{"name": "b0", "kind": "browser"}]},
              {"t": 2.0, "kind": "fault.apply", "fault_id": "f1", "fault": "down", "clients": ["b0"],
               "proxies": ["p"], "stream": "both", "params": {}},
              line(2.5, "ERROR connection reset by peer"), line(10.0, "ERROR ledger write failed"),
              {"t": 20.0, "kind": "fault.revert", "fault_id": "f1", "fault": "down", "clients": ["b0"], "note": ""},
              line(20.4, "Traceback (most recent call last):"), {"t": 30.0, "kind": "run.teardown"}]
    rows = [r for r in log_window(events, [(10.0, "delivered_exactly_once")]).rows if "line" in r]
    assert [(r["line"], _log_class(r), r.get("during")) for r in rows] == [
        ("ERROR connection reset by peer", "expected", "down on b0"),
        ("ERROR ledger write failed", "trouble", None),
        ("Traceback (most recent call last):", "expected", "end of the down on b0")]


def test_pages_that_ran_locally_are_not_announced(page):
    """Pages on the run's own Chromium: the scenario header says nothing about where they ran."""
    assert "pages on" not in page
