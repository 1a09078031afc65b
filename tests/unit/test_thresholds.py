"""Thresholds: parsed with every mistake located, judged purely over the report's metrics, gating the verdict."""

from __future__ import annotations

import pytest

from harness import thresholds
from harness.errors import InvalidInput
from harness.report.junit import render_junit
from harness.report.results import run_document
from harness.scenario.load import load_scenario
from harness.verdict import exit_code, run_outcome


def test_a_threshold_names_the_measured_value_and_the_limit():
    """A threshold that does not hold says what was measured, with the unit, against which limit."""
    result = thresholds.parse("reconnect_p95_s<2").judge({"reconnect_p95_s": 3.104})
    assert not result.passed
    assert result.summary == "reconnect_p95_s < 2 does not hold: measured 3.104 s, limit 2 s"
    assert thresholds.parse(" lost == 0 ").judge({"lost": 0}).summary == "lost == 0 holds: measured 0, limit 0"


def test_an_unmeasured_metric_does_not_pass():
    """No reconnection to take a percentile of is not a pass: the gate could not look."""
    result = thresholds.parse("reconnect_p95_s < 2").judge({"reconnect_p95_s": None})
    assert not result.passed and result.value is None
    assert "reconnect_p95_s was not measured in this run" in result.summary


@pytest.mark.parametrize("text, message", [
    ("reconect_p95_s<2", "unknown metric 'reconect_p95_s' (did you mean 'reconnect_p95_s'?); metrics: reconnect_count,"),
    ("p95 < 2s", "expected a threshold like 'reconnect_p95_s < 2' (metric, one of < <= > >= == !=, a number), got 'p95 < 2s'"),
])
def test_a_bad_threshold_says_what_is_allowed(text, message):
    """A typo in a metric gets the closest name; a malformed expression gets an example."""
    with pytest.raises(ValueError) as info:
        thresholds.parse(text)
    assert str(info.value).startswith(message)


def test_scenario_thresholds_are_validated_at_load_with_positions(tmp_path):
    """Every bad `thresholds:` item of a scenario is a located problem, before anything starts."""
    path = tmp_path / "t.yaml"
    path.write_text("steps:\n  - idle: 1s\nthresholds:\n  - reconnect_p95_s < 2\n  - lots < 2\n  - 7\n")
    with pytest.raises(InvalidInput) as info:
        load_scenario(path)
    problems = [str(p) for p in info.value.problems]
    assert problems[0].startswith(f"{path}:5:5 thresholds[1]: unknown metric 'lots'")
    assert problems[1].startswith(f"{path}:6:5 thresholds[2]: expected a threshold like")
    path.write_text("steps:\n  - idle: 1s\nthresholds: [reconnect_p95_s < 2, lost == 0]\n")
    assert [t.text for t in load_scenario(path).thresholds] == ["reconnect_p95_s < 2", "lost == 0"]


def test_a_run_threshold_that_does_not_hold_fails_a_passing_run():
    """Run-level thresholds gate the run's verdict: passed -> failed (exit 1); worse verdicts stay."""
    assert run_outcome(["passed", "passed"], thresholds_failed=True) == "failed"
    assert exit_code(run_outcome(["passed"], thresholds_failed=True)) == 1
    assert run_outcome(["error"], thresholds_failed=True) == "error"
    assert run_outcome(["passed"], interrupted=True, thresholds_failed=True) == "interrupted"


def test_run_thresholds_are_junit_test_cases():
    """Each run threshold is a JUnit test case; one not held is a failure with the measured value and limit."""
    limits = [thresholds.parse(t).judge({"lost": 0, "reconnect_p95_s": 3.0}).to_dict()
              for t in ("lost == 0", "reconnect_p95_s < 2")]
    doc = run_document([], {"run_id": "r", "thresholds": limits, "target": "kanban"})
    xml = render_junit(doc)
    assert '<testcase classname="kanban.thresholds" name="lost == 0" time="0.000" />' in xml
    assert ('<failure message="reconnect_p95_s &lt; 2 does not hold: measured 3 s, limit 2 s" '
            'type="ThresholdNotHeld" />') in xml
    assert 'failures="1"' in xml
