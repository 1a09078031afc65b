"""Charts drawn in the worker process are exactly the report's own, and used only when they fit."""

from __future__ import annotations

import copy

import pytest

from harness.journal import read_journal
from harness.report import load_results, render_run_dir, render_run_html
from harness.report.html import inputs_key
from harness.report.prerender import Prerenderer, charts_of

from journal_builder import rundir_module


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    run_dir = rundir_module().make_run_dir(tmp_path_factory.mktemp("reports"))
    render_run_dir(run_dir)
    doc = load_results(run_dir / "results.json")
    events = {s["journal"]: read_journal(run_dir / s["journal"]) for s in doc["scenarios"]}
    return doc, events


@pytest.fixture(scope="module")
def drawn(run):
    """Every scenario drawn by a real worker process."""
    doc, events = run
    worker = Prerenderer()
    for s in doc["scenarios"]:
        worker.submit(s, events[s["journal"]])
    return worker.collect()


def test_the_worker_draws_what_the_report_would(run, drawn):
    """Same SVG from the worker as in-process, for every scenario, and the same page."""
    doc, events = run
    assert sorted(drawn) == sorted(events)
    for s in doc["scenarios"]:
        assert drawn[s["journal"]] == charts_of(s, events[s["journal"]])
    assert render_run_html(doc, events, prerendered=drawn) == render_run_html(doc, events)


def test_a_drawing_is_used_when_its_inputs_match(run):
    """The page takes the drawing it is given (a marker proves it was not drawn again)."""
    doc, events = run
    s = doc["scenarios"][0]
    marker = '<svg id="drawn-by-the-worker"></svg>'
    html = render_run_html(doc, events, prerendered={s["journal"]: {"key": inputs_key(s), "timeline": marker,
                                                                    "reconnects": None}})
    assert html.count(marker) == 1


def test_a_drawing_of_other_inputs_is_not_used(run):
    """A drawing made before the entry changed (another failure time, another screenshot) is ignored."""
    doc, events = run
    s = doc["scenarios"][0]
    before = copy.deepcopy(s)
    before["screenshots"] = [{"label": "extra", "client": "b0", "path": "x.png", "t": 1.0}]
    marker = '<svg id="stale-drawing"></svg>'
    stale = {s["journal"]: {"key": inputs_key(before), "timeline": marker, "reconnects": marker}}
    assert marker not in render_run_html(doc, events, prerendered=stale)


def test_a_failed_drawing_is_left_out_and_the_worker_is_gone(run):
    """A drawing that raises in the worker is missing from `collect` (the report draws it itself),
    and `collect` leaves no worker process behind."""
    doc, events = run
    worker = Prerenderer()
    s = doc["scenarios"][0]
    worker.submit(s, [{"kind": "run.start", "t": "not a time"}])
    proc, folder = worker._proc, worker._dir
    assert proc is not None and folder is not None
    assert worker.collect() == {}
    assert proc.returncode == 0  # it ended by itself when its input closed, after logging the failure
    assert worker._proc is None and not folder.exists()


def test_an_unfinished_drawing_is_not_waited_for_past_the_bound(run, monkeypatch):
    """A worker that does not finish in time is killed; the report draws that scenario itself."""
    import harness.report.prerender as prerender

    doc, events = run
    monkeypatch.setattr(prerender, "WAIT_PER_SCENARIO_S", 0.01)
    worker = Prerenderer()
    s = doc["scenarios"][0]
    worker.submit(s, events[s["journal"]])
    proc = worker._proc
    assert worker.collect() == {}  # still importing matplotlib after 10 ms
    assert proc is not None and proc.returncode is not None


def test_nothing_to_draw_starts_no_worker():
    """A run that wrote no scenario never spawns the worker; close is idempotent."""
    worker = Prerenderer()
    assert worker.collect() == {}
    worker.close()
    assert worker._proc is None and worker._dir is None
