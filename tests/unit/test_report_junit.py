"""junit.xml has the testsuite/testcase/failure shape Jenkins, GitLab and GitHub read."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from harness.journal import read_journal
from harness.report import run_document, scenario_entry, render_junit

FIXTURES = Path(__file__).parents[1] / "fixtures" / "journals"


def run_doc(extra=()):
    scenarios = [scenario_entry(read_journal(FIXTURES / f), None, f"scenarios/{f}")
                 for f in ("passing.jsonl", "failing.jsonl")]
    return run_document(scenarios + list(extra), {"run_id": "r1", "duration_s": 31.4,
                                                      "started_at": "2024-06-11T02:15:00"})


def test_one_suite_one_testcase_per_scenario_with_counts():
    """Counts on the suite match the testcases, and each case has classname, name, time."""
    root = ET.fromstring(render_junit(run_doc()))
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "1", "0")
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("kanban", "network-cut-heals"), ("kanban", "server-restart-while-connected")]
    assert cases[1].get("time") == "16.000"
    assert cases[0].find("failure") is None


def test_failure_carries_every_failed_check_with_evidence():
    """The failure lists each failed check's summary and evidence, and the failed expectation."""
    case = ET.fromstring(render_junit(run_doc())).find("testsuite").findall("testcase")[1]
    failure = case.find("failure")
    assert failure.get("message").startswith("reconnected: 1/3 clients did not reconnect within 10s")
    assert "trigger:T-3:m-9 was queued by b1 at 3.5s and never reached the server" in failure.text
    assert "b1 gave up at 13.0s after 5 attempts" in failure.text
    assert "expect at 14.9s: all clients connected within 10s" in failure.text
    assert "backoff" not in failure.text


def test_system_out_has_the_rerun_command():
    """Each testcase's system-out shows the exact command that reruns it."""
    case = ET.fromstring(render_junit(run_doc())).find("testsuite").findall("testcase")[1]
    assert ("rerun: wschaos run scenarios/server-restart-while-connected.yaml --seed 42 --bugs legacy"
            in case.find("system-out").text)


def test_harness_errors_and_interruptions_are_errors():
    """error and interrupted scenarios become <error>, counted in the suite's errors."""
    broken = {"name": "broken", "outcome": "error", "duration_s": 1.0, "error": "ProcessError: server\x07 died\nlast lines",
              "checks": [], "expectations": [], "seed": 1, "rerun": "wschaos run x"}
    cut = dict(broken, name="cut", outcome="interrupted", error=None)
    suite = ET.fromstring(render_junit(run_doc([broken, cut]))).find("testsuite")
    assert suite.get("errors") == "2"
    errors = [c.find("error") for c in suite.findall("testcase")[2:]]
    assert errors[0].get("type") == "HarnessError" and errors[0].get("message") == "ProcessError: server\ufffd died"
    assert errors[1].get("type") == "Interrupted" and errors[1].get("message") == "run interrupted"


def test_repeat_rounds_have_their_own_names_and_totals():
    """A `--repeat 3` run: each round is a test case of its own name (`x (round 2 of 3)`), and each
    scenario's total over the rounds is a suite property and a line of the suite's output."""
    rounds = []
    for r, f in enumerate(("passing.jsonl", "failing.jsonl", "passing.jsonl"), 1):
        entry = scenario_entry(read_journal(FIXTURES / f), None, f"repeat-{r}/scenarios/x")
        rounds.append(dict(entry, name="x"))
    doc = run_document(rounds, {"run_id": "r1"})
    assert doc["repeats"] == {"x": {"runs": 3, "passed": 2, "outcomes": ["passed", "failed", "passed"]}}
    suite = ET.fromstring(render_junit(doc)).find("testsuite")
    assert [c.get("name") for c in suite.findall("testcase")] == ["x (round 1 of 3)", "x (round 2 of 3)",
                                                                  "x (round 3 of 3)"]
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["repeats.x"] == "2/3 passed (round 2: failed)"
    assert suite.find("system-out").text == "x: 2/3 passed (round 2: failed)\n"


def test_a_single_round_has_no_totals():
    """Without --repeat nothing about rounds is added."""
    doc = run_doc()
    assert doc["repeats"] == {}
    assert ET.fromstring(render_junit(doc)).find("testsuite").find("system-out") is None
