"""The terminal output of a run: plain verdict lines that tools parse, and a live display that ticks per lane."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace as NS

import pytest

from harness import progress as progress_mod
from harness.progress import Progress


def outcome(name: str, verdict: str, duration_s: float = 1.23, checks=()):
    plan = NS(seed=7, rerun=f"wschaos run scenarios/{name}.yaml --seed 7", scenario=NS(name=name))
    return NS(name=name, outcome=verdict, duration_s=duration_s, error=None, reasons=(), checks=list(checks), plan=plan,
              events=[])


def run_start(name: str) -> dict:
    return {"kind": "run.start", "scenario": name, "time_scale": 0.1, "min_wait_s": 5.0}


def test_plain_lines_keep_their_exact_format(tmp_path, monkeypatch):
    """Without a terminal: `PASS  name  (1.2s)`, a failure's check, seed and rerun, SKIP lines, the summary."""
    out = io.StringIO()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reports" / "x").mkdir(parents=True)
    (tmp_path / "reports" / "x" / "index.html").write_text("<html>")
    p = Progress(3, live=False, out=out)
    p.on_outcome(outcome("a", "passed"))
    check = NS(name="reconnected", passed=False, summary="1/1 clients did not reconnect within 10s", evidence=["b0 ..."],
               status="failed")
    p.on_outcome(outcome("b", "failed", 2.0, [check]))
    skipped = [(NS(scenario=NS(name="c")), "the run was interrupted before it started")]
    p.final(NS(outcomes=[outcome("a", "passed"), outcome("b", "failed")], skipped=skipped, flaky={}, thresholds=[],
               infra_error=None, interrupted=True), "reports/x/index.html")
    lines = out.getvalue().splitlines()
    assert lines[:5] == ["PASS  a  (1.2s)", "FAIL  b  (2.0s)",
                         "      check reconnected: 1/1 clients did not reconnect within 10s", "        b0 ...",
                         "      seed 7; rerun: wschaos run scenarios/b.yaml --seed 7"]
    assert lines[5] == "SKIP  c  (the run was interrupted before it started)"
    assert lines[-2].startswith("1 failed, 1 passed, 1 skipped in ") and lines[-2].endswith("s (interrupted)")
    assert lines[-1] == "report: reports/x/index.html"


def test_a_report_that_could_not_be_written_is_not_pointed_at(tmp_path):
    """A full disk kept index.html from being written: the last line says so and where results.json is."""
    out = io.StringIO()
    p = Progress(1, live=False, out=out)
    p.final(NS(outcomes=[outcome("a", "passed")], skipped=[], flaky={}, thresholds=[], run_dir=tmp_path,
               infra_error="could not write the report: [Errno 28] No space left on device", interrupted=False),
            tmp_path / "index.html")
    lines = out.getvalue().splitlines()
    assert lines[-4] == "ERROR could not write the report: [Errno 28] No space left on device"
    assert lines[-1] == f"report: not written; results: {tmp_path / 'results.json'}"


def test_lanes_tick_with_their_own_step_and_deadline(monkeypatch: pytest.MonkeyPatch):
    """Two scenarios side by side keep their own lines; elapsed time and the expect/idle countdown move on their
    own; a step is named by its place in the file (`steps[3].during.steps[1]`), as errors and the report name it."""
    now = [100.0]
    monkeypatch.setattr(progress_mod.time, "monotonic", lambda: now[0])
    p = Progress(2, live=False)
    a, b = p.lane("a"), p.lane("b")
    a(run_start("a"))
    b(run_start("b"))
    a({"kind": "step.start", "step": 1, "path": "steps[0]", "name": "expect", "summary": "expect connected within 10s",
       "params": {"within": "10s"}})
    b({"kind": "step.start", "step": 13, "path": "steps[3].during.steps[1]", "name": "idle", "summary": "idle 1m30s",
       "params": {"duration": "1m30s"}})
    now[0] += 2.0
    first = [line.plain for line in p._render().renderables]
    now[0] += 1.5
    second = [line.plain for line in p._render().renderables]
    assert first == ["[1/2] a    2.0s  steps[0]: expect connected within 10s  (3.0s left)",
                     "[2/2] b    2.0s  steps[3].during.steps[1]: idle 1m30s  (7.0s left)"]
    assert second == ["[1/2] a    3.5s  steps[0]: expect connected within 10s  (1.5s left)",
                      "[2/2] b    3.5s  steps[3].during.steps[1]: idle 1m30s  (5.5s left)"]
    p.on_outcome(outcome("a", "passed"))
    assert [line.plain for line in p._render().renderables] == [
        "[2/2] b    3.5s  steps[3].during.steps[1]: idle 1m30s  (5.5s left)"]


def test_live_display_draws_on_a_terminal_and_prints_verdicts_above_it():
    """On a terminal, rich draws the running lanes and the verdict line is printed as plain text."""
    out = io.StringIO()
    p = Progress(1, live=True, out=out)
    p.console = progress_mod.Console(file=out, force_terminal=True, width=120, highlight=False, soft_wrap=True)
    p.on_event(run_start("a"))
    p.on_event({"kind": "step.start", "step": 1, "path": "steps[0]", "name": "idle", "summary": "idle 5s",
                "params": {"duration": "5s"}})
    p._display.refresh()
    p.on_outcome(outcome("a", "passed"))
    p.close()
    text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", out.getvalue())  # without the terminal's escape codes
    assert "[1/1] a" in text and "steps[0]: idle 5s" in text and "left)" in text
    assert "PASS  a  (1.2s)" in text


def test_repeat_rounds_are_separated_and_totalled(tmp_path):
    """With --repeat 3: a separator before each round's verdicts, and each scenario's total over
    the rounds before the summary (`a: 3/3 passed`, `b: 2/3 passed (round 2: failed)`)."""
    out = io.StringIO()
    p = Progress(6, live=False, out=out, rounds=3)
    done = []
    for r, verdicts in enumerate([("passed", "passed"), ("passed", "failed"), ("passed", "passed")], 1):
        for name, verdict in zip("ab", verdicts):
            o = outcome(name, verdict)
            o.dir = tmp_path / f"repeat-{r}" / "scenarios" / name
            p.on_outcome(o)
            done.append(o)
    p.final(NS(outcomes=done, skipped=[], flaky={"b": ["passed", "failed", "passed"]}, thresholds=[],
               infra_error=None, interrupted=False, run_dir=tmp_path), None)
    lines = [line for line in out.getvalue().splitlines() if not line.startswith("      ")]
    assert lines[:9] == ["── round 1 of 3 ──", "PASS  a  (1.2s)", "PASS  b  (1.2s)",
                         "── round 2 of 3 ──", "PASS  a  (1.2s)", "FAIL  b  (1.2s)",
                         "── round 3 of 3 ──", "PASS  a  (1.2s)", "PASS  b  (1.2s)"]
    assert lines[9:13] == ["", "per scenario over 3 rounds:", "  a: 3/3 passed", "  b: 2/3 passed (round 2: failed)"]
    assert lines[13] == "FLAKY b: passed, failed, passed"
