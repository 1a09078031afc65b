"""Thresholds: limits on the metrics a report computes, judged like checks and gating the verdict.

    reconnect_p95_s < 2        lost == 0        latency_p95_ms <= 800        disconnected_s < 30
    dead_link.detection_s < 10                  (a metric a check reports: `check.metric`)
    reconnect_p95_s{tag:ci} < 2                 (a run's, over the scenarios tagged ci only)
    reconnect_p95_s{scenario:!dead-link} < 2    (every scenario but one; `,` joins conditions)

A scenario's own (`thresholds:` in its YAML) are judged over that scenario's metrics
(`harness.metrics.scenario_metrics`) and its checks' metrics; a failed one fails the scenario
like a failed check. A run's (`wschaos run --threshold 'reconnect_p95_s<2'`) are judged once,
in `harness.run_record.RunRecord.final`, over the run's pooled metrics (`run_metrics`:
percentiles over every sample of every scenario its scope selects, totals); a check's metric
must hold in every selected scenario that reports it, and the worst value is shown. A failed one
makes the run `failed` (harness.verdict.run_outcome). Pure: parsing and judging, no I/O.

The scope is written the way k6 selects a sub-metric by tag (`http_req_duration{type:API}`),
so it reads as "this metric, of these scenarios" and stays one token in a shell; `!` negates.

A metric that was not measured (no reconnection to take a percentile of, no ledger to count
lost messages in) fails its threshold: a gate that could not look is not a pass.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Literal, Mapping, Protocol, Sequence, TypedDict

from harness.scenario.yamlpos import did_you_mean

if TYPE_CHECKING:
    from harness.checks.base import CheckResult

#: metric -> (unit shown after a value, what it measures)
METRICS: dict[str, tuple[str, str]] = {
    "reconnect_count": ("", "completed disconnections, all clients"),
    "reconnect_p50_s": ("s", "median time from disconnect to connected again"),
    "reconnect_p95_s": ("s", "95th percentile time from disconnect to connected again"),
    "reconnect_max_s": ("s", "longest time from disconnect to connected again"),
    "disconnected_s": ("s", "total time clients spent disconnected (completed disconnections)"),
    "messages_sent": ("", "messages the scenario sent"),
    "acked": ("", "messages acknowledged by the server"),
    "lost": ("", "messages the server's ledger never got"),
    "duplicated": ("", "messages the ledger holds more than once"),
    "resent_after_ack": ("", "messages sent again after their ack"),
    "latency_samples": ("", "round-trip samples"),
    "latency_p50_ms": ("ms", "median round trip"),
    "latency_p95_ms": ("ms", "95th percentile round trip"),
    "latency_max_ms": ("ms", "slowest round trip"),
}
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le, ">=": operator.ge, "==": operator.eq, "!=": operator.ne, "<": operator.lt, ">": operator.gt,
}
_EXPR = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\s*(\{[^{}]*\})?"
                   r"\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*")
EXAMPLE = "reconnect_p95_s < 2"
SCOPE_KEYS = ("tag", "scenario")
#: The largest limit a threshold may state: past it a number stops being exact as a float, and
#: past about 1e308 it is infinite (a limit of 10**309 crashed the report as OverflowError).
MAX_LIMIT = 1e15


class ThresholdEntry(TypedDict):
    """A threshold against its measured value, as results.json holds it (`ThresholdResult.to_dict`)."""

    threshold: str
    metric: str
    op: str
    limit: float
    value: float | None
    passed: bool
    summary: str


@dataclass(frozen=True)
class Scope:
    """One condition of a run threshold's scope: `tag:ci`, `scenario:name`, `tag:!slow`."""

    key: Literal["tag", "scenario"]
    value: str
    negate: bool = False

    @property
    def text(self) -> str:
        return f"{self.key}:{'!' if self.negate else ''}{self.value}"

    def matches(self, name: str, tags: Sequence[str]) -> bool:
        found = self.value in tags if self.key == "tag" else self.value == name
        return found != self.negate


@dataclass(frozen=True)
class Threshold:
    """`metric{scope} op limit`, as written (`scope` empty: every scenario)."""

    metric: str
    op: str
    limit: float
    scope: tuple[Scope, ...] = ()

    @property
    def text(self) -> str:
        scope = "{" + ",".join(s.text for s in self.scope) + "}" if self.scope else ""
        return f"{self.metric}{scope} {self.op} {fmt_value('', self.limit)}"

    @property
    def of_check(self) -> bool:
        """A metric a check reports (`dead_link.detection_s`), not one the report computes."""
        return "." in self.metric

    def selects(self, name: str, tags: Sequence[str]) -> bool:
        """Whether a scenario (its name and tags) is one this threshold looks at."""
        return all(s.matches(name, tags) for s in self.scope)

    def judge(self, metrics: Mapping[str, object]) -> "ThresholdResult":
        value = metrics.get(self.metric)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return ThresholdResult(self, None, False)
        return ThresholdResult(self, float(value), OPERATORS[self.op](float(value), self.limit))

    def judge_each(self, values: Sequence[float]) -> "ThresholdResult":
        """Over one value per scenario (a check's metric): holds when every value does; the value
        shown is the one farthest on the wrong side (the highest for `<`, the lowest for `>`)."""
        if not values:
            return ThresholdResult(self, None, False)
        failing = [v for v in values if not OPERATORS[self.op](v, self.limit)]
        pool = failing or list(values)
        worst = max(pool) if self.op in ("<", "<=") else min(pool) if self.op in (">", ">=") else pool[0]
        return ThresholdResult(self, worst, not failing, len(values))


@dataclass(frozen=True)
class ThresholdResult:
    """One threshold's verdict with the measured value (None: not measured)."""

    threshold: Threshold
    value: float | None
    passed: bool
    judged_in: int = 0   # a check's metric: how many scenarios reported it

    @property
    def summary(self) -> str:
        t = self.threshold
        if self.value is None:
            scope = f" by the scenarios {_scope_words(t)}" if t.scope else ""
            return f"{t.text} cannot hold: {t.metric} was not measured{scope} in this run ({describe(t.metric)})"
        verdict = "holds" if self.passed else "does not hold"
        worst = f" (the worst of {self.judged_in} scenarios)" if self.judged_in > 1 else ""
        return (f"{t.text} {verdict}: measured {fmt_value(t.metric, self.value)}{worst}, "
                f"limit {fmt_value(t.metric, t.limit)}")

    def to_dict(self) -> ThresholdEntry:
        t = self.threshold
        return {"threshold": t.text, "metric": t.metric, "op": t.op, "limit": t.limit,
                "value": self.value, "passed": self.passed, "summary": self.summary}

    def as_check(self) -> "CheckResult":
        """A CheckResult named `threshold`, so a scenario's thresholds flow where checks do."""
        from harness.checks.base import CheckResult

        t = self.threshold
        measured = "not measured" if self.value is None else fmt_value(t.metric, self.value)
        evidence = [] if self.passed else [f"{describe(t.metric)}: {measured}"]
        return CheckResult("threshold", self.passed, self.summary, evidence=evidence,
                           metrics={t.metric: self.value}, params={"threshold": t.text})


def _scope_words(t: Threshold) -> str:
    return " and ".join(f"{'not ' if s.negate else ''}{'tagged' if s.key == 'tag' else 'named'} {s.value}"
                        for s in t.scope)


def describe(metric: str) -> str:
    """What a metric measures: the report's words, or which check reports it."""
    if metric in METRICS:
        return METRICS[metric][1]
    check, _, name = metric.partition(".")
    return f"the metric {name} the check {check} reports"


def unit_of(metric: str) -> str:
    """The unit shown after a value: the report metric's own, else from the name (`_s`, `_ms`)."""
    if metric in METRICS:
        return METRICS[metric][0]
    return "ms" if metric.endswith("_ms") else "s" if metric.endswith("_s") else ""


def fmt_value(metric: str, value: float) -> str:
    """`2.5 s`, `0`, `812 ms`: a number with the metric's unit, no float noise."""
    unit = unit_of(metric)
    text = f"{value:.3f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return f"{text} {unit}" if unit else text


def parse(text: object, scoped: bool = False) -> Threshold:
    """`'reconnect_p95_s<2'` -> Threshold; ValueError with what is allowed otherwise. `scoped`: a
    run's threshold, which may select scenarios (`{tag:ci}`); a scenario's may not."""
    match = _EXPR.fullmatch(str(text)) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"expected a threshold like {EXAMPLE!r} (metric, one of < <= > >= == !=, a number), "
                         f"got {text!r}")
    metric, scope_text, op, limit = match.groups()
    _check_metric(metric)
    scope = _scope(scope_text) if scope_text else ()
    if scope and not scoped:
        raise ValueError(f"{scope_text} selects scenarios of a run (`wschaos run --threshold`); a scenario's own "
                         f"thresholds are about that scenario: write {metric} {op} {limit}")
    if not abs(float(limit)) <= MAX_LIMIT:
        shown = limit if len(limit) <= 20 else f"{limit[:12]}… ({len(limit)} characters)"
        raise ValueError(f"the limit {shown} is out of range: write a number from -{MAX_LIMIT:.0f} to "
                         f"{MAX_LIMIT:.0f} (no count, second or millisecond comes near it)")
    return Threshold(metric, op, float(limit), scope)


def _check_metric(metric: str) -> None:
    if "." not in metric:
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}{did_you_mean(metric, METRICS)}; metrics: "
                             f"{', '.join(METRICS)}, or a check's own as check.metric (dead_link.detection_s)")
        return
    from harness.checks.base import checks

    check = metric.partition(".")[0]
    if check not in checks:
        raise ValueError(f"unknown check {check!r} in {metric!r}{did_you_mean(check, checks.names())}; "
                         f"checks: {', '.join(checks.names())}")


def _scope(text: str) -> tuple[Scope, ...]:
    """`{tag:ci,scenario:!x}` -> its conditions; ValueError naming what is allowed."""
    out = []
    for part in filter(None, (p.strip() for p in text[1:-1].split(","))):
        key, colon, value = (x.strip() for x in part.partition(":"))
        negate = value.startswith("!")
        value = value.removeprefix("!").strip()
        if key not in SCOPE_KEYS or not colon or not value:
            raise ValueError(f"expected a scope like {{tag:ci}} or {{scenario:!name}} (keys: "
                             f"{', '.join(SCOPE_KEYS)}; `!` excludes; `,` joins), got {part!r}")
        out.append(Scope("tag" if key == "tag" else "scenario", value, negate))
    if not out:
        raise ValueError("an empty scope {} selects nothing: write {tag:NAME} or {scenario:NAME}, or leave it out")
    return tuple(out)


class Measured(Protocol):
    """A check's result as far as thresholds read it."""

    @property
    def name(self) -> str: ...

    @property
    def metrics(self) -> Mapping[str, object]: ...


def check_metrics(results: Iterable[Measured]) -> dict[str, float]:
    """The checks' numeric metrics as `check.metric` (one scenario's: its checks run once each)."""
    return {f"{r.name}.{k}": float(v) for r in results for k, v in r.metrics.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)}


def judge(thresholds: list[Threshold] | tuple[Threshold, ...], metrics: Mapping[str, object]) -> list[ThresholdResult]:
    """Every threshold against one set of metrics."""
    return [t.judge(metrics) for t in thresholds]
