"""JUnit XML for CI (Jenkins, GitLab, GitHub): one testsuite, one testcase per scenario.

A failed scenario carries one <failure> listing every failed check with its evidence (and
failed inline expectations); a harness error or an interrupted run is an <error>; an
inconclusive scenario, or one that never ran, is <skipped> with the reason. The rerun
command goes to <system-out> so a red build shows how to reproduce it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from harness.report.document import RunDocument, ScenarioEntry
from harness.report.html import fmt_observed
from harness.report.results import repeat_round
from harness.verdict import total_text

# Characters XML 1.0 cannot carry at all (control characters from captured logs).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: object) -> str:
    return _INVALID_XML.sub("\ufffd", "" if text is None else str(text))


def failure_text(scenario: ScenarioEntry) -> str:
    """Every failed check's summary and evidence, then every failed expectation."""
    lines: list[str] = []
    for check in scenario.get("checks", []):
        if check.get("passed"):
            continue
        lines.append(f"check {check.get('name')}: {check.get('summary')}")
        lines.extend(f"  - {item}" for item in check.get("evidence", []))
    for exp in scenario.get("expectations", []):
        if exp.get("passed") is False:
            lines.append(f"expect at {exp.get('t')}s: {exp.get('condition')} "
                         f"(observed {fmt_observed(exp.get('observed'))})")
    return "\n".join(lines)


def _failure_message(scenario: ScenarioEntry) -> str:
    failed = [c for c in scenario.get("checks", []) if not c.get("passed")]
    if failed:
        return "; ".join(f"{c.get('name')}: {c.get('summary')}" for c in failed)
    return "an inline expectation did not hold"


def case_name(scenario: ScenarioEntry, rounds: int | None) -> str:
    """The test case's name: the scenario's, with its round in a `--repeat` run (`x (round 2 of 3)`),
    so CI lists each round apart instead of one name several times."""
    name = scenario.get("name", "")
    at = repeat_round(scenario.get("journal") or "")
    return f"{name} (round {at} of {rounds})" if at and rounds else name


def _testcase(suite: ET.Element, classname: str, scenario: ScenarioEntry, rounds: int | None = None) -> None:
    case = ET.SubElement(suite, "testcase", classname=_clean(classname),
                         name=_clean(case_name(scenario, rounds)),
                         time=f"{float(scenario.get('duration_s') or 0):.3f}",
                         file=_clean(scenario.get("file", "")))
    outcome = scenario.get("outcome")
    if outcome == "failed":
        node = ET.SubElement(case, "failure", message=_clean(_failure_message(scenario)),
                             type="CheckFailed")
        node.text = _clean(failure_text(scenario))
    elif outcome in ("inconclusive", "skipped"):
        # JUnit has no "inconclusive": a skip with its reason is neither a pass nor a red build.
        why = "; ".join(scenario.get("reasons") or []) or scenario.get("error") or outcome
        node = ET.SubElement(case, "skipped", message=_clean(f"{outcome}: {why}"[:500]))
        node.text = _clean("\n".join(filter(None, [why, failure_text(scenario)])))
    elif outcome in ("error", "interrupted"):
        message = scenario.get("error") or ("run interrupted" if outcome == "interrupted"
                                            else "harness error")
        node = ET.SubElement(case, "error", message=_clean(str(message).splitlines()[0] if message else ""),
                             type="Interrupted" if outcome == "interrupted" else "HarnessError")
        node.text = _clean("\n".join(filter(None, [str(message), failure_text(scenario)])))
    out = ET.SubElement(case, "system-out")
    out.text = _clean(f"seed: {scenario.get('seed')}\nrerun: {scenario.get('rerun')}\n"
                      f"journal: {scenario.get('journal')}\n")


def render_junit(run_doc: RunDocument) -> str:
    """The JUnit XML text of a results.json document."""
    scenarios = run_doc.get("scenarios", [])
    counts = run_doc.get("counts", {})
    classname = run_doc.get("target") or "wschaos"
    limits = run_doc.get("thresholds") or []
    root = ET.Element("testsuites", name="wschaos", tests=str(len(scenarios) + len(limits)),
                      failures=str(counts.get("failed", 0) + sum(1 for t in limits if not t.get("passed"))),
                      errors=str(counts.get("error", 0) + counts.get("interrupted", 0)),
                      time=f"{float(run_doc.get('duration_s') or 0):.3f}")
    suite = ET.SubElement(root, "testsuite", name=_clean(f"wschaos {run_doc.get('run_id', '')}".strip()),
                          # the root's attributes, set just above
                          tests=root.get("tests"), failures=root.get("failures"),  # type: ignore[arg-type]
                          errors=root.get("errors"),  # type: ignore[arg-type]
                          skipped=str(counts.get("skipped", 0) + counts.get("inconclusive", 0)), time=root.get("time"),  # type: ignore[arg-type]
                          timestamp=_clean(run_doc.get("started_at", "")))
    props = ET.SubElement(suite, "properties")
    bugs = run_doc.get("bugs")
    properties = {"run_id": run_doc.get("run_id"), "target": run_doc.get("target"), "seed": run_doc.get("seed"),
                  "bugs": ",".join(bugs) if isinstance(bugs, list) else bugs, "rerun": run_doc.get("rerun")}
    repeats = run_doc.get("repeats") or {}
    properties.update({f"repeats.{name}": total_text(total) for name, total in repeats.items()})
    for key, value in properties.items():
        ET.SubElement(props, "property", name=key, value=_clean(value))
    rounds = max((t["runs"] for t in repeats.values()), default=None)
    for scenario in scenarios:
        _testcase(suite, classname, scenario, rounds)
    for limit in limits:  # run-level thresholds (`--threshold`): one test case each, failing when not held
        case = ET.SubElement(suite, "testcase", classname=_clean(f"{classname}.thresholds"),
                             name=_clean(limit.get("threshold")), time="0.000")
        if not limit.get("passed"):
            ET.SubElement(case, "failure", message=_clean(limit.get("summary")), type="ThresholdNotHeld")
    if repeats:  # the per-scenario totals over the rounds, where CI shows a suite's output
        ET.SubElement(suite, "system-out").text = _clean("".join(
            f"{name}: {total_text(total)}\n" for name, total in repeats.items()))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
