"""Thresholds: limits on the metrics a report computes, judged like checks and gating the verdict.

    reconnect_p95_s < 2        lost == 0        latency_p95_ms <= 800        disconnected_s < 30

A scenario's own (`thresholds:` in its YAML) are judged over that scenario's metrics
(`harness.metrics.scenario_metrics`); a failed one fails the scenario like a failed
check. A run's (`wschaos run --threshold 'reconnect_p95_s<2'`) are judged over the run's pooled
metrics (`run_metrics`: percentiles over every sample of every scenario, totals); a failed one
makes the run `failed` (harness.verdict.run_outcome). Pure: parsing and judging, no I/O.

A metric that was not measured (no reconnection to take a percentile of, no ledger to count
lost messages in) fails its threshold: a gate that could not look is not a pass.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Mapping, TypedDict

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
_EXPR = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*")
EXAMPLE = "reconnect_p95_s < 2"
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
class Threshold:
    """`metric op limit`, as written."""

    metric: str
    op: str
    limit: float

    @property
    def text(self) -> str:
        return f"{self.metric} {self.op} {fmt_value('', self.limit)}"

    def judge(self, metrics: Mapping[str, object]) -> "ThresholdResult":
        value = metrics.get(self.metric)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return ThresholdResult(self, None, False)
        return ThresholdResult(self, float(value), OPERATORS[self.op](float(value), self.limit))


@dataclass(frozen=True)
class ThresholdResult:
    """One threshold's verdict with the measured value (None: not measured)."""

    threshold: Threshold
    value: float | None
    passed: bool

    @property
    def summary(self) -> str:
        t = self.threshold
        if self.value is None:
            return f"{t.text} cannot hold: {t.metric} was not measured in this run ({METRICS[t.metric][1]})"
        verdict = "holds" if self.passed else "does not hold"
        return f"{t.text} {verdict}: measured {fmt_value(t.metric, self.value)}, limit {fmt_value(t.metric, t.limit)}"

    def to_dict(self) -> ThresholdEntry:
        t = self.threshold
        return {"threshold": t.text, "metric": t.metric, "op": t.op, "limit": t.limit,
                "value": self.value, "passed": self.passed, "summary": self.summary}

    def as_check(self) -> "CheckResult":
        """A CheckResult named `threshold`, so a scenario's thresholds flow where checks do."""
        from harness.checks.base import CheckResult

        t = self.threshold
        measured = "not measured" if self.value is None else fmt_value(t.metric, self.value)
        evidence = [] if self.passed else [f"{METRICS[t.metric][1]}: {measured}"]
        return CheckResult("threshold", self.passed, self.summary, evidence=evidence,
                           metrics={t.metric: self.value}, params={"threshold": t.text})


def fmt_value(metric: str, value: float) -> str:
    """`2.5 s`, `0`, `812 ms`: a number with the metric's unit, no float noise."""
    unit = METRICS.get(metric, ("", ""))[0]
    text = f"{value:.3f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return f"{text} {unit}" if unit else text


def parse(text: object) -> Threshold:
    """`'reconnect_p95_s<2'` -> Threshold; ValueError with what is allowed otherwise."""
    match = _EXPR.fullmatch(str(text)) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"expected a threshold like {EXAMPLE!r} (metric, one of < <= > >= == !=, a number), "
                         f"got {text!r}")
    metric, op, limit = match.groups()
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}{did_you_mean(metric, METRICS)}; "
                         f"metrics: {', '.join(METRICS)}")
    if not abs(float(limit)) <= MAX_LIMIT:
        shown = limit if len(limit) <= 20 else f"{limit[:12]}… ({len(limit)} characters)"
        raise ValueError(f"the limit {shown} is out of range: write a number from -{MAX_LIMIT:.0f} to "
                         f"{MAX_LIMIT:.0f} (no count, second or millisecond comes near it)")
    return Threshold(metric, op, float(limit))


def judge(thresholds: list[Threshold] | tuple[Threshold, ...], metrics: Mapping[str, object]) -> list[ThresholdResult]:
    """Every threshold against one set of metrics."""
    return [t.judge(metrics) for t in thresholds]
