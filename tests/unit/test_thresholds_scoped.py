"""Run thresholds scoped like k6 (`metric{tag:ci}`), and a check's own metrics as threshold metrics."""

from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from harness import thresholds
from harness.run_record import judge_in_run


def entry(name: str, tags: list[str], reconnects: list[float], checks: list[dict] | None = None) -> dict:
    """A results.json scenario entry with just what thresholds read."""
    return {"name": name, "tags": tags, "outcome": "passed", "checks": checks or [],
            "metrics": {"reconnect_samples_s": reconnects}}


RUN = [entry("drop", ["ci", "network"], [0.8, 1.1]),
       entry("restart", ["ci"], [1.4]),
       entry("dead-link", ["network"], [19.0],
             [{"name": "dead_link", "metrics": {"detection_s": 6.2, "dead_links": 1}}]),
       entry("dead-link-2", ["network"], [],
             [{"name": "dead_link", "metrics": {"detection_s": 12.5, "dead_links": 1}}])]


def test_unscoped_pools_every_scenario():
    """Without a scope the dead link's 19 s disconnection is pooled in: the p95 breaks the limit."""
    result = judge_in_run(thresholds.parse("reconnect_p95_s<2", scoped=True), RUN)
    assert (result.passed, result.value) == (False, 16.36)


@pytest.mark.parametrize("text", ["reconnect_p95_s{tag:ci}<2", "reconnect_p95_s{scenario:!dead-link} < 2",
                                  "reconnect_p95_s{tag:network,scenario:!dead-link}<2"])
def test_a_scope_leaves_the_dead_link_scenario_out(text):
    """Scoped by tag or by scenario name (`!` excludes, `,` joins), the dead link is left out and the limit holds."""
    result = judge_in_run(thresholds.parse(text, scoped=True), RUN)
    assert result.passed, result.summary


def test_scope_is_shown_in_the_text_and_summary():
    """The scope is part of the threshold's name in every report."""
    t = thresholds.parse("reconnect_p95_s{ tag: ci }<2", scoped=True)
    assert t.text == "reconnect_p95_s{tag:ci} < 2"
    assert judge_in_run(t, RUN).summary == "reconnect_p95_s{tag:ci} < 2 holds: measured 1.37 s, limit 2 s"


def test_a_scope_that_selects_nothing_does_not_hold():
    """A scope no scenario matches measures nothing, and says so."""
    result = judge_in_run(thresholds.parse("reconnect_p95_s{tag:nightly}<2", scoped=True), RUN)
    assert not result.passed
    assert result.summary == ("reconnect_p95_s{tag:nightly} < 2 cannot hold: reconnect_p95_s was not measured by the "
                              "scenarios tagged nightly in this run (95th percentile time from disconnect to "
                              "connected again)")


def test_a_check_metric_holds_in_every_scenario_and_shows_the_worst():
    """`dead_link.detection_s<10` is judged in each scenario that reports it; the worst value is shown."""
    result = judge_in_run(thresholds.parse("dead_link.detection_s<10", scoped=True), RUN)
    assert not result.passed
    assert result.summary == ("dead_link.detection_s < 10 does not hold: measured 12.5 s (the worst of 2 scenarios), "
                              "limit 10 s")
    scoped = judge_in_run(thresholds.parse("dead_link.detection_s{scenario:dead-link}<10", scoped=True), RUN)
    assert scoped.passed and scoped.value == 6.2


def test_a_check_metric_no_scenario_reports_does_not_hold():
    """A check metric nobody reported is not measured, naming the check."""
    result = judge_in_run(thresholds.parse("reconnected.max_reconnect_s<5", scoped=True), RUN)
    assert result.summary == ("reconnected.max_reconnect_s < 5 cannot hold: reconnected.max_reconnect_s was not "
                              "measured in this run (the metric max_reconnect_s the check reconnected reports)")


@pytest.mark.parametrize("text, message", [
    ("reconnect_p95_s{tag:ci}<2", "{tag:ci} selects scenarios of a run (`wschaos run --threshold`); a scenario's own "
                                  "thresholds are about that scenario: write reconnect_p95_s < 2"),
    ("dead_lnk.detection_s<2", "unknown check 'dead_lnk' in 'dead_lnk.detection_s' (did you mean 'dead_link'?); "
                               "checks: "),
])
def test_scenario_thresholds_refuse_scopes_and_unknown_checks(text, message):
    """A scenario's own threshold cannot be scoped; a check metric must name a known check."""
    with pytest.raises(ValueError) as info:
        thresholds.parse(text)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("text, message", [
    ("lost{team:a}==0", "expected a scope like {tag:ci} or {scenario:!name} (keys: tag, scenario; `!` excludes; "
                        "`,` joins), got 'team:a'"),
    ("lost{}==0", "an empty scope {} selects nothing: write {tag:NAME} or {scenario:NAME}, or leave it out"),
])
def test_a_bad_scope_says_what_is_allowed(text, message):
    """Scope keys are tag and scenario, each with a value."""
    with pytest.raises(ValueError) as info:
        thresholds.parse(text, scoped=True)
    assert str(info.value) == message


def test_scenario_threshold_on_its_checks_metric():
    """In a scenario's own thresholds, a check's metric reads that scenario's check result."""
    measured = thresholds.check_metrics([NS(name="dead_link", metrics={"detection_s": 6.2, "ok": True})])
    assert measured == {"dead_link.detection_s": 6.2}
    assert thresholds.parse("dead_link.detection_s < 5").judge(measured).summary == (
        "dead_link.detection_s < 5 does not hold: measured 6.2 s, limit 5 s")
