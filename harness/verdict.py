"""The one place where outcomes are decided: of a scenario, of a run, and the exit code.

Pure: reads journal events and check results, never sockets or clocks. The runner calls
`scenario_outcome` when a scenario ends and records the answer in `run.end`; reports, the
pytest plugin, the matrix and the CLI read that answer instead of deciding again.

    passed        every check, inline expectation and threshold held
    inconclusive  nothing failed that the app can be blamed for, but the scenario could not be
                  judged: the machine broke its premise (a timed fault window closed while a step
                  that needed it was still running, or timers ran late), or a check could not see
                  enough (`not_judged`: a disruption the steps never lifted)
    failed        a check, an inline expectation or a threshold did not hold, and nothing excuses
                  it (a scenario's thresholds are judged as checks named `threshold`; a run's,
                  `--threshold`, fail the run through `run_outcome`)
    error         the harness or its infrastructure failed (exit 3)
    interrupted   Ctrl-C, SIGTERM or a kill ended it
    skipped       never started (the run was interrupted, or shared infrastructure died first)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal, Mapping, Protocol, Sequence, TypedDict

from harness.errors import EXIT_FAILED, EXIT_HARNESS, EXIT_INCONCLUSIVE, EXIT_INTERRUPTED, EXIT_PASSED
from harness.events import OUTCOMES, JSONObject, Outcome
from harness.journal import Event

# A run's outcome is its worst scenario's; skipped scenarios only appear in interrupted runs.
SEVERITY: dict[Outcome, int] = {"passed": 0, "skipped": 0, "inconclusive": 1, "failed": 2, "error": 3, "interrupted": 4}
# Steps whose purpose is to wait: they may outlast a fault window by design
# (`down for 5s` then `expect connected within 30s`).
WAITING_STEPS = frozenset({"expect", "idle"})


@dataclass(frozen=True)
class Verdict:
    """A scenario's outcome and the reasons behind it (evidence lines for the report)."""

    outcome: Outcome
    reasons: tuple[str, ...] = ()


#: How the steps ended when not normally: a failed inline expectation or page action, a harness or
#: infrastructure failure, Ctrl-C / SIGTERM.
EndedBy = Literal["failed", "error", "interrupted"]


def scenario_outcome(events: Sequence[Event], checks: Iterable[Judged | Mapping[str, object]],
                     ended_by: EndedBy | None = None) -> Verdict:
    """Decide one scenario from its final facts: how its steps ended, its check results (the
    scenario's thresholds among them) and its journal."""
    if ended_by in ("error", "interrupted"):
        return Verdict(ended_by)
    check_list = [_as_dict(c) for c in checks]
    status = {id(c): _status(c) for c in check_list}
    hard = [c for c in check_list if status[id(c)] == "failed"]
    soft = [c for c in check_list if status[id(c)] in ("inconclusive", "not_judged")]
    step_failed = ended_by == "failed" or any(e.get("passed") is False for e in _kind(events, "expect"))
    if not hard and not soft and not step_failed:
        return Verdict("passed")
    overruns = fault_window_overruns(events)
    if overruns:
        return Verdict("inconclusive", tuple(overruns))
    if hard or step_failed:
        return Verdict("failed")
    return Verdict("inconclusive", tuple(
        f"check {c.get('name')}{' could not be judged' if status[id(c)] == 'not_judged' else ''}: {c.get('summary')}"
        for c in soft))


def _status(check: Mapping[str, object]) -> str:
    """A check's status from its dict (an older one has no `status`: passed/inconclusive decide)."""
    status = check.get("status")
    if isinstance(status, str):
        return status
    return "passed" if check.get("passed") else ("inconclusive" if check.get("inconclusive") else "failed")


def fault_window_overruns(events: Sequence[Event]) -> list[str]:
    """Timed fault windows (`for:`) that closed while a step begun inside them still ran.

    Such a step did not get the fault it was written to run under (on a slow machine, five UI
    actions can outlast a 3 s outage), so what follows proves nothing about the app."""
    windows = timed_windows(events)
    if not windows:
        return []
    out = []
    for step in _steps(events):
        if step["name"] in WAITING_STEPS:
            continue
        for fault, clients, opened, closed in windows:
            if opened <= step["start"] < closed < step["end"]:
                out.append(f"the timed fault {fault} on {clients} ended at t={closed:.2f}s while "
                           f"{step['name']} ({step['path']}) ran until t={step['end']:.2f}s: the machine was "
                           f"slower than the scenario assumed; hold the fault with `during:` instead of `for:`")
    return out


def timed_windows(events: Sequence[Event]) -> list[tuple[str, str, float, float]]:
    """(fault, clients, applied at, reverted at) of every fault a `for:` step applied."""
    timed_steps = {e["step"] for e in _kind(events, "step.start") if e.get("for_s") is not None}
    step_of: dict[object, object] = {}
    current = None
    applied: dict[object, Event] = {}
    for e in events:
        kind = e.get("kind")
        if kind == "step.start":
            current = e.get("step")
        elif kind == "step.end":
            current = None
        elif kind == "fault.apply" and current in timed_steps:
            step_of[e.get("fault_id")] = current
            applied[e.get("fault_id")] = e
    out = []
    for e in _kind(events, "fault.revert"):
        start = applied.get(e.get("fault_id"))
        if start is not None:
            clients = ", ".join(start.get("clients") or []) or "all"
            out.append((str(start.get("fault")), clients, float(start["t"]), float(e["t"])))
    return out


def run_outcome(outcomes: Iterable[Outcome], interrupted: bool = False, thresholds_failed: bool = False) -> Outcome:
    """A run's outcome: interrupted if it was, else its worst scenario's ('passed' if none);
    a run-level threshold that does not hold (`--threshold`) makes it at least `failed`."""
    if interrupted:
        return "interrupted"
    listed = list(outcomes)
    worst: Outcome = max(listed, key=lambda o: SEVERITY[o]) if listed else "passed"
    if thresholds_failed and SEVERITY[worst] < SEVERITY["failed"]:
        return "failed"
    return worst


def exit_code(run_outcome_: Outcome) -> int:
    """0 passed, 1 failed, 3 error, 4 inconclusive, 130 interrupted (2 is invalid input)."""
    return {"passed": EXIT_PASSED, "skipped": EXIT_PASSED, "inconclusive": EXIT_INCONCLUSIVE,
            "failed": EXIT_FAILED, "error": EXIT_HARNESS, "interrupted": EXIT_INTERRUPTED}[run_outcome_]


def flaky(runs: Iterable[tuple[str, Outcome]]) -> dict[str, list[str]]:
    """Scenarios whose repeated runs disagree: name -> every verdict in order (as Playwright
    marks them). Runs that never finished (skipped, interrupted) or that the harness's own trouble
    ended (error: a dead browser says nothing of the app) take no part; nothing is retried into a
    pass: a flaky scenario keeps its failures."""
    by_name: dict[str, list[str]] = {}
    for name, outcome in runs:
        if outcome not in ("skipped", "interrupted", "error"):
            by_name.setdefault(name, []).append(outcome)
    return {name: seen for name, seen in by_name.items() if len(set(seen)) > 1}


class RepeatTotal(TypedDict):
    """One scenario over the rounds of a `--repeat` run: how many ran, how many passed, each verdict."""

    runs: int
    passed: int
    outcomes: list[str]


def repeat_totals(runs: Iterable[tuple[str, Outcome]]) -> dict[str, RepeatTotal]:
    """Per scenario, in order of first appearance: its rounds, how many passed, every verdict
    (skipped and interrupted rounds count as rounds that did not pass)."""
    totals: dict[str, RepeatTotal] = {}
    for name, outcome in runs:
        total = totals.setdefault(name, {"runs": 0, "passed": 0, "outcomes": []})
        total["runs"] += 1
        total["passed"] += outcome == "passed"
        total["outcomes"].append(outcome)
    return totals


def total_text(total: RepeatTotal) -> str:
    """`3/3 passed`, or `2/3 passed (round 2: failed)`."""
    others = [f"round {i}: {o}" for i, o in enumerate(total["outcomes"], 1) if o != "passed"]
    return f"{total['passed']}/{total['runs']} passed" + (f" ({', '.join(others)})" if others else "")


def counts(outcomes: Iterable[Outcome]) -> dict[str, int]:
    """How many scenarios ended each way, every outcome listed."""
    listed = list(outcomes)
    return {o: listed.count(o) for o in OUTCOMES}


def _steps(events: Sequence[Event]) -> list[JSONObject]:
    starts = {e["step"]: e for e in _kind(events, "step.start")}
    out = []
    for e in _kind(events, "step.end"):
        s = starts.get(e["step"])
        if s is not None:
            out.append({"name": s.get("name"), "path": s.get("path"), "start": float(s["t"]), "end": float(e["t"])})
    return out


def _kind(events: Sequence[Event], kind: str) -> Iterable[Event]:
    return (e for e in events if e.get("kind") == kind)


class Judged(Protocol):
    """A check's result as the runner holds it (`CheckResult`); a results.json entry is a mapping."""

    def to_dict(self) -> JSONObject: ...


def _as_dict(check: Judged | Mapping[str, object]) -> Mapping[str, object]:
    return check if isinstance(check, Mapping) else check.to_dict()
