"""What every check is: a frozen dataclass of typed parameters with a pure `judge`.

    @checks.register("reconnected")
    @dataclass(frozen=True)
    class Reconnected(Check):
        '''Every selected client is connected again within `within` after each disruption.'''
        within: Duration = Duration(20.0)
        clients: ClientSelector = "all"

        def judge(self, run: RunView) -> CheckResult: ...

A check reads only the journal (through `RunView`), never sockets or clocks, so it is
unit-tested on canned journals. Field types the scenario loader understands: Duration, int,
float, bool, str, Literal[...], list[str], ClientSelector (a name, a group, "all", or a list),
and Optional of those. A field without a default is required.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Iterable, Literal, Mapping, Protocol, get_args, runtime_checkable

from harness.clients import ClientSelector, resolve_selector
from harness.events import JSONObject, RunStart
from harness.journal import Event, of_kind
from harness.registry import Registry
from harness.units import Duration, TimeScale

#: Whether a check could judge: `not_judged` when what it needs was never there (a disruption the
#: steps never lifted: the scenario is not passed), `not_reached` when a failed step ended the
#: scenario before what it judges happened (the step's failure is the verdict).
Judgement = Literal["judged", "not_judged", "not_reached"]
#: A check's status as reports show it.
CheckStatus = Literal["passed", "failed", "inconclusive", "not_judged", "not_reached"]
CHECK_STATUSES: tuple[CheckStatus, ...] = get_args(CheckStatus)


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one check: a one-line summary, evidence lines, and numbers."""

    name: str
    passed: bool
    summary: str
    evidence: list[str] = field(default_factory=list)
    metrics: JSONObject = field(default_factory=dict)
    params: JSONObject = field(default_factory=dict)
    at: list[float] = field(default_factory=list)  # journal times worth marking in a report
    # Could not be judged fairly: the machine, not the app, broke the check's premise (a late
    # timer on a starved core). Only meaningful with passed=False; the summary says why.
    inconclusive: bool = False
    judged: Judgement = "judged"

    @property
    def status(self) -> CheckStatus:
        """passed | failed | inconclusive | not_judged | not_reached."""
        if self.judged != "judged":
            return self.judged
        return "passed" if self.passed else ("inconclusive" if self.inconclusive else "failed")

    def to_dict(self) -> JSONObject:
        """The `check` event's fields (and a results.json check entry)."""
        return {
            "name": self.name, "passed": self.passed, "summary": self.summary,
            "evidence": list(self.evidence), "metrics": dict(self.metrics),
            "params": dict(self.params), "at": list(self.at), "inconclusive": self.inconclusive,
            "status": self.status,
        }

    @classmethod
    def from_event(cls, d: Mapping[str, object]) -> "CheckResult":
        """A `check` event (or a results.json entry) read back; an older one without `status`
        was judged."""
        status = d.get("status")
        judged: Judgement = "not_judged" if status == "not_judged" else "not_reached" if status == "not_reached" else "judged"
        return cls(str(d.get("name", "")), bool(d.get("passed", False)), str(d.get("summary", "")),
                   [str(x) for x in _seq(d.get("evidence"))], _obj(d.get("metrics")), _obj(d.get("params")),
                   [float(t) for t in _seq(d.get("at")) if isinstance(t, (int, float))],
                   bool(d.get("inconclusive", False)), judged)


def _seq(value: object) -> list[object]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _obj(value: object) -> JSONObject:
    return {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else {}


class RunView:
    """Read-only helpers over one run's journal events."""

    def __init__(self, events: list[Event]) -> None:
        self.all_events = events
        self.events = _before_teardown(events)
        self.start = next(of_kind(events, "run.start"), {})
        self.run_start = RunStart.from_events(events)  # typed: time scale, clients, ack type
        self.clients: list[JSONObject] = [{"name": c.name, "kind": c.kind, "groups": list(c.groups)}
                                              for c in self.run_start.clients]
        self.time = TimeScale(self.run_start.time_scale, self.run_start.min_wait_s)
        self.end_t = events[-1]["t"] if events else 0.0

    def of_kind(self, *kinds: str) -> list[Event]:
        return list(of_kind(self.events, *kinds))

    def client_names(self, kind: str | None = None) -> list[str]:
        return [c["name"] for c in self.clients if kind is None or c.get("kind") == kind]

    def select(self, selector: ClientSelector, kind: str | None = None) -> list[str]:
        """Resolve a selector ("all", "browsers", "protocol", a name, a group, or a list of those)
        to client names, with the scenario loader's own resolver (one vocabulary)."""
        return resolve_selector(self.run_start.clients, selector, (kind,) if kind is not None else ())

    def for_client(self, client: str, *kinds: str) -> list[Event]:
        return [e for e in of_kind(self.events, *kinds) if e.get("client") == client]


def _before_teardown(events: list[Event]) -> list[Event]:
    """The scenario's own events: teardown (stopping the server, closing pages) is not behaviour under test."""
    for i, e in enumerate(events):
        if e.get("kind") == "run.teardown":
            return events[:i]
    return events


@dataclass(frozen=True)
class RecoveryLimit:
    """How long a check gives one client to be connected again: `limit_s` real seconds from
    when the disruption was lifted (`from_lift`), else from when the disconnection began."""

    client: str
    limit_s: float
    from_lift: bool = True


@runtime_checkable
class AwaitsRecovery(Protocol):
    """A check that judges recovery: the run watches, after the last step, every disconnection
    it cares about still open until it recovers or its limit passes (`harness.recovery`)."""

    def recovery_limits(self, run: RunView) -> list[RecoveryLimit]: ...


class Check:
    """Base of every check; subclasses are frozen dataclasses registered in `checks`."""

    registered_name = "check"

    def judge(self, run: RunView) -> CheckResult:  # pragma: no cover - interface
        raise NotImplementedError

    def required_probes(self) -> list[str]:
        """Probe values this check reads, checked against the target's probes before anything starts."""
        return []

    def params(self) -> JSONObject:
        out: JSONObject = {}
        for f in fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            out[f.name] = str(v) if isinstance(v, Duration) else v
        return out

    def result(self, passed: bool, summary: str, evidence: Iterable[str] = (),
               metrics: JSONObject | None = None, at: Iterable[float] = ()) -> CheckResult:
        """Build this check's result with its name and parameters filled in."""
        return CheckResult(self.registered_name, passed, summary, list(evidence),
                           dict(metrics or {}), self.params(), list(at))

    def not_judged(self, summary: str, evidence: Iterable[str] = (), metrics: JSONObject | None = None,
                   at: Iterable[float] = ()) -> CheckResult:
        """This check could not see enough to judge: not a pass (the scenario is not passed)."""
        return replace(self.result(False, summary, evidence, metrics, at), judged="not_judged")


checks: Registry[type[Check]] = Registry("check")


def judge_all(events: list[Event], selected: list[Check]) -> list[CheckResult]:
    """Run every check; a check that crashes fails with its exception as evidence.

    When a step failed and ended the scenario early, a failed check whose evidence does not lie
    wholly before that step's failure is `not_reached`: what it judges never got to happen, and
    its advice ("add a restart step") would read wrong beside a scenario that has one."""
    run = RunView(events)
    stopped = _failed_step(run)
    results = []
    for check in selected:
        try:
            result = check.judge(run)
        except Exception as exc:  # a broken check must still yield a verdict
            result = check.result(False, f"check crashed: {exc!r}", [repr(exc)])
        results.append(_reached(result, stopped))
    return results


def _failed_step(run: RunView) -> tuple[float, str] | None:
    """When and where the step that ended the scenario early failed, if one did."""
    for e in of_kind(run.all_events, "step.end"):
        if e.get("status") == "failed":
            return float(e["t"]), f"{e.get('path')} ({e.get('name')})"
    return None


def _reached(result: CheckResult, stopped: tuple[float, str] | None) -> CheckResult:
    if stopped is None or result.passed or result.judged != "judged":
        return result
    t, where = stopped
    if result.at and all(mark <= t for mark in result.at):
        return result  # it failed on what happened before the step did: real evidence
    return replace(result, summary=f"not reached: the scenario stopped when {where} failed at t={t:.2f}s, "
                   "before what this check judges", evidence=[], at=[], judged="not_reached")
