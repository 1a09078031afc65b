"""`--repeat 3` with run thresholds, end to end on a small app (tests/tiny_app.py): each
scenario's total over the rounds ("3/3 passed") in the console, results.json, the HTML report
and JUnit (one test case per round, named apart), a separator per round, one rerun line per
scenario; and a threshold scoped like k6 (`{tag:!outage}`) leaves out a scenario whose long
outage is there by design, where the unscoped one pools it in and fails the run.

About 55 s: two scenarios (6 s and 10 s) three times.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from cli_process import only_run_dir, run_cli
from harness.scaffold import Answers, scenario_yamls, target_yaml
from tiny_app import write_tiny_app

pytestmark = pytest.mark.e2e

P = "{port.server}"
OUTAGE = """\
name: long-outage
description: The network is cut for 8 s on purpose; the page reconnects after it.
target: tiny
tags: [outage]
seed: 1
clients: {browsers: 1}
steps:
  - expect: {state: connected, within: 10s}
  - down: {}
    for: 8s
  - expect: {state: reconnecting, within: 5s}
  - expect: {state: connected, within: 30s}
checks:
  - reconnected: {within: 30s}
"""


@pytest.fixture(scope="module")
def repeated(tmp_path_factory):
    """One `wschaos run --repeat 3` of a 5 s drop and an 8 s outage, with an unscoped and a scoped threshold."""
    project = tmp_path_factory.mktemp("tiny")
    write_tiny_app(project)
    answers = Answers("tiny", f"http://127.0.0.1:{P}/", ("{python}", "app.py", P), "..", f"ws://127.0.0.1:{P}/ws")
    (project / "targets").mkdir()
    (project / "targets" / "tiny.yaml").write_text(target_yaml(answers))
    (project / "scenarios").mkdir()
    (project / "scenarios" / "drop.yaml").write_text(scenario_yamls(answers)["tiny-reconnects-after-drop.yaml"])
    (project / "scenarios" / "outage.yaml").write_text(OUTAGE)
    report, junit = project / "reports", project / "junit.xml"
    result = run_cli("run", str(project / "scenarios"), "--repeat", "3", "--quiet", "--report", str(report),
                     "--junit", str(junit), "--threshold", "reconnect_p95_s<7",
                     "--threshold", "reconnect_p95_s{tag:!outage}<7", timeout=240)
    return result, only_run_dir(report), junit


def test_console_separates_rounds_and_totals_each_scenario(repeated):
    """A separator before each round, then `name: 3/3 passed` per scenario; the unscoped threshold
    fails (the outage's 8 s is pooled in), the scoped one holds; exit 1 for the broken threshold."""
    result, _, _ = repeated
    lines = result.stderr.splitlines()
    assert result.returncode == 1, result.stderr
    assert [line for line in lines if line.startswith("──")] == [f"── round {i} of 3 ──" for i in (1, 2, 3)]
    at = lines.index("per scenario over 3 rounds:")
    assert lines[at + 1:at + 3] == ["  tiny-reconnects-after-drop: 3/3 passed", "  long-outage: 3/3 passed"]
    unscoped, scoped = [line for line in lines if line[6:].startswith("threshold ")]
    assert unscoped.startswith("FAIL  threshold reconnect_p95_s < 7 does not hold: measured ")
    assert scoped.startswith("PASS  threshold reconnect_p95_s{tag:!outage} < 7 holds: measured ")


def test_results_and_html_carry_the_totals(repeated):
    """results.json has each scenario's rounds and verdicts; the HTML report shows `3/3 passed`."""
    _, run_dir, _ = repeated
    doc = json.loads((run_dir / "results.json").read_text())
    assert doc["repeats"] == {"tiny-reconnects-after-drop": {"runs": 3, "passed": 3, "outcomes": ["passed"] * 3},
                              "long-outage": {"runs": 3, "passed": 3, "outcomes": ["passed"] * 3}}
    assert [t["passed"] for t in doc["thresholds"]] == [False, True]
    assert (run_dir / "index.html").read_text().count("3/3 passed") == 2


def test_junit_names_each_round_and_totals_each_scenario(repeated):
    """One test case per round with the round in its name, the totals as properties and output."""
    _, _, junit = repeated
    suite = ET.parse(junit).getroot().find("testsuite")
    names = [c.get("name") for c in suite.findall("testcase")]
    assert names[:6] == [f"{n} (round {r} of 3)" for r in (1, 2, 3) for n in ("tiny-reconnects-after-drop", "long-outage")]
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert (props["repeats.tiny-reconnects-after-drop"], props["repeats.long-outage"]) == ("3/3 passed", "3/3 passed")
    assert suite.find("system-out").text == "tiny-reconnects-after-drop: 3/3 passed\nlong-outage: 3/3 passed\n"
