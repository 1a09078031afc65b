"""Every message a person reads is in words: no Python reprs (`['connected']`, `{'b0': {...}}`,
`jitter=True`, `equals=None`) in check summaries and evidence, expectation failures or the report."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from journal_builder import JournalBuilder

import harness.checks  # noqa: F401  (registers every check)
from harness.checks.base import RunView, checks
from harness.journal import read_journal
from harness.report.html import checks_html, expectations_html, fmt_params
from harness.steps.expect import Expect, describe_observed
from harness.units import Duration

REPR = re.compile(r"\['|'\]|\{'|'\}|\w=(None|True|False)\b|\bNone\b|\(\)")
FIXTURES = Path(__file__).parent.parent / "fixtures" / "journals"
REQUIRED = {"frames_seen": {"type": "pong"}, "max_disconnection": {"max": Duration(1.0)},
            "server_health": {"field": "status"}, "states_shown": {"states": ["connected", "offline"]}}


def failing_journals() -> dict[str, list[dict]]:
    """Canned journals that make checks fail: the fixture run, a drop never recovered, a restart not seen."""
    found = {p.name: read_journal(p) for p in sorted(FIXTURES.glob("*.jsonl"))}
    found["never-recovered"] = JournalBuilder().connect(1, "b0").drop(4, "b0").steps_end(60).run().all_events
    r = JournalBuilder(["b0", "b1"]).proc(0.2, "start").proc(0.5, "ready")
    r.connect(1, "b0", server_instance_id="s-1").connect(1, "b1", server_instance_id="s-1")
    r.proc(5, "stop").drop(5.1, "b0").drop(5.1, "b1").proc(5.3, "exit").proc(6, "start", pid=101)
    found["restart-unseen"] = r.steps_end(10).run().all_events
    found["empty"] = JournalBuilder().steps_end(1).run().all_events
    return found


@pytest.mark.parametrize("name", checks.names())
def test_no_check_message_holds_a_python_repr(name):
    """Each registered check, judged on canned failing journals, speaks in words."""
    check = checks.get(name)(**REQUIRED.get(name, {}))
    for journal, events in failing_journals().items():
        result = check.judge(RunView(events))
        for line in [result.summary, *result.evidence]:
            assert not REPR.search(line), f"{name} on {journal}: {line}"


def test_expectations_and_check_parameters_read_as_words():
    """A failed expectation's condition and observation, and a check's parameters, have no reprs."""
    expect = Expect(state=["connected", "reconnecting"], js="window.ok === true")
    assert expect.condition() == "state connected or reconnecting and `window.ok === true` is truthy"
    observed = {"b0": {"state": "offline", "js": False}, "b1": None}
    assert describe_observed(observed) == "b0: state offline, js false; b1: nothing probed yet"
    assert fmt_params({"within": "20s", "jitter": True, "equals": None, "states": ["connected"]}) == \
        "within 20s, jitter true, states connected"
    html = checks_html([{"name": "backoff", "passed": False, "summary": "s", "params": {"jitter": True, "equals": None}}])
    html += expectations_html([{"t": 1.0, "condition": expect.condition(), "passed": False, "observed": observed}])
    assert not REPR.search(re.sub(r"<[^>]+>", " ", html)), html


def test_step_summaries_are_words_with_defaults_left_out():
    """The default step summary reads `screenshot connected`, never `screenshot(label=connected, full_page=False)`."""
    import harness.steps  # noqa: F401  (registers every step)
    from harness.steps.base import Envelope, steps

    screenshot, latency = steps.get("screenshot"), steps.get("latency")
    assert screenshot(label="connected").summary(Envelope()) == "screenshot connected"
    assert (screenshot(label="after", full_page=True).summary(Envelope(clients=["b0", "b1"]))
            == "screenshot after, full_page true on b0, b1")
    assert latency(latency=Duration(0.3), jitter=Duration(0.02)).summary(Envelope(clients="b0")) == \
        "latency 300ms, jitter 20ms on b0"
    assert steps.get("bandwidth")(rate_kbps=64).summary(Envelope()) == "bandwidth 64kbps"


def test_no_bundled_scenario_step_summary_holds_a_python_repr():
    """Every step of every bundled scenario summarises itself in words."""
    from harness.scenario.load import load_scenario
    from harness.steps.base import walk

    for path in sorted((Path(__file__).parents[2] / "scenarios").glob("*.yaml")):
        for node in walk(load_scenario(path).steps):
            line = re.sub(r"`[^`]*`", "`js`", node.step.summary(node.env))  # JavaScript may hold anything
            assert not REPR.search(line) and not re.search(r"\w=\w|\w\(\w+=", line), (path.name, line)
