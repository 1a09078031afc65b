"""The shapes of `results.json` (docs/results-schema.md), typed: `results.py` builds them,
`html.py`, `junit.py` and `index.py` read them.

A document read back from disk is trusted for its shape once `load_results` has checked its
schema version; readers still use `.get` with a default where an older or hand-made document
may lack a field (the report renders what is there). Free-form values a check, a probe or the
app chose (`params`, `metrics`, `observed`) are `object`: the report only ever prints them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Protocol, TypedDict

from harness.events import Outcome
from harness.metrics import RunMetrics, ScenarioMetrics
from harness.thresholds import ThresholdEntry
from harness.verdict import RepeatTotal

__all__ = ["CheckEntry", "ExpectationEntry", "ScreenshotEntry", "ScenarioEntry", "ThresholdEntry",
           "RunDocument", "RunMeta", "ScenarioInfo", "HasToDict", "check_entry", "ScenarioMetrics", "RunMetrics"]


class CheckEntry(TypedDict):
    """One check's verdict (`CheckResult.to_dict`, or a journal's `check` event)."""

    name: str
    passed: bool
    summary: str
    evidence: list[str]
    metrics: dict[str, object]
    params: dict[str, object]
    at: list[float]  # journal times a report marks
    inconclusive: bool
    status: str  # passed | failed | inconclusive | not_judged | not_reached (harness.checks.base)


class ExpectationEntry(TypedDict):
    """One inline `expect` step, as its journal event recorded it."""

    t: float
    step: object
    condition: str | None
    passed: bool | None
    observed: object  # per client: what the page showed, or the expression's value
    within_s: float | None
    waited_s: float | None


class ScreenshotEntry(TypedDict):
    label: str
    client: str
    path: str  # relative to the run directory
    t: float


class ScenarioEntry(TypedDict):
    """One scenario of a run (`results.scenario_entry`, or `results.not_run_entry`)."""

    name: str
    file: str
    description: str
    tags: list[str]
    outcome: Outcome
    duration_s: float | None
    seed: int | None
    rerun: str
    error: str | None
    reasons: list[str]
    target: str
    bugs: list[str]
    checks: list[CheckEntry]
    expectations: list[ExpectationEntry]
    journal: str
    screenshots: list[ScreenshotEntry]
    traces: list[str]
    metrics: ScenarioMetrics
    pages: dict[str, str]     # browser client -> where it ran: `local` or a browser server's ws:// address


class RunDocument(TypedDict):
    """The whole results.json (`results.run_document`)."""

    schema: str
    run_id: str
    started_at: str
    duration_s: float | None
    outcome: Outcome
    target: str | None  # None: a run that planned no scenario
    seed: int | None
    bugs: list[str]
    versions: dict[str, object]
    rerun: str
    counts: dict[str, int]
    flaky: dict[str, list[str]]  # scenario -> its verdicts in order, for a `--repeat` run
    repeats: dict[str, RepeatTotal]  # scenario -> rounds, passed, verdicts, for a `--repeat` run
    thresholds: list[ThresholdEntry]
    infra_error: str | None
    metrics: RunMetrics
    scenarios: list[ScenarioEntry]


class RunMeta(TypedDict, total=False):
    """What the run owner knows beyond the scenarios; anything left out is taken from them."""

    run_id: str
    started_at: str
    duration_s: float
    outcome: Outcome
    target: str | None
    seed: int | None
    bugs: list[str]
    versions: dict[str, object]
    rerun: str
    interrupted: bool
    infra_error: str | None
    flaky: dict[str, list[str]]
    thresholds: list[ThresholdEntry]


@dataclass(frozen=True)
class ScenarioInfo:
    """What a plan says of a scenario, for the entry of one that has no journal (never started,
    or still running when the run was killed)."""

    name: str
    file: str
    description: str
    tags: tuple[str, ...]
    seed: int | None
    rerun: str
    target: str
    bugs: tuple[str, ...]


class HasToDict(Protocol):
    """A CheckResult, without importing the checks package into the report."""

    def to_dict(self) -> Mapping[str, object]: ...


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _map(value: object) -> dict[str, object]:
    return {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else {}


def check_entry(check: HasToDict | Mapping[str, object]) -> CheckEntry:
    """A check's verdict as a results.json entry; a field it lacks gets its empty default."""
    d = check if isinstance(check, Mapping) else check.to_dict()
    return {"name": str(d.get("name", "")), "passed": bool(d.get("passed", False)),
            "summary": str(d.get("summary", "")), "evidence": [str(x) for x in _list(d.get("evidence"))],
            "metrics": _map(d.get("metrics")), "params": _map(d.get("params")),
            "at": [float(t) for t in _list(d.get("at")) if isinstance(t, (int, float))],
            "inconclusive": bool(d.get("inconclusive", False)), "status": _status(d)}


def _status(d: Mapping[str, object]) -> str:
    """A check's status; an entry written before checks had one: from passed and inconclusive."""
    status = d.get("status")
    if isinstance(status, str):
        return status
    return "passed" if d.get("passed") else ("inconclusive" if d.get("inconclusive") else "failed")
