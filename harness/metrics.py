"""A scenario's numbers and a run's pooled numbers, from journals: reconnect times, message
accounting, round-trip latency. Thresholds judge them (`harness.thresholds`), results.json
carries them (`harness.report.results`). Pure.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence, TypedDict, cast

from harness.analysis import client_names, probe_series, reconnect_times
from harness.journal import Event
from harness.journal_index import index_of
from harness.message_audit import message_stats

#: Probe keys a page's round-trip latency may be under (the reference app uses the first).
LATENCY_KEYS = ("latency_ms", "latencyMs", "latency")


class ScenarioMetrics(TypedDict, total=False):
    """A scenario's numbers; empty for a scenario that never ran (no journal to count from)."""

    reconnect_count: int
    reconnect_p50_s: float | None
    reconnect_p95_s: float | None
    reconnect_max_s: float | None
    reconnect_samples_s: list[float]
    disconnected_s: float | None
    messages_sent: int | None  # None: the journal cannot tell (harness.message_audit.message_stats)
    acked: int | None
    lost: int | None
    duplicated: int | None
    resent_after_ack: int | None
    latency_samples: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    latency_max_ms: float | None


class RunMetrics(TypedDict, total=False):
    """Run-wide numbers: reconnects pooled, message totals, the worst scenario's latency."""

    reconnect_count: int
    reconnect_p50_s: float | None
    reconnect_p95_s: float | None
    reconnect_max_s: float | None
    disconnected_s: float | None
    messages_sent: int
    acked: int
    lost: int
    duplicated: int
    resent_after_ack: int
    latency_samples: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    latency_max_ms: float | None


def percentile(values: Iterable[float], p: float) -> float | None:
    """The p-th percentile (0..100) with linear interpolation; None for no values."""
    xs = sorted(values)
    if not xs:
        return None
    k = (len(xs) - 1) * min(max(p, 0.0), 100.0) / 100.0
    lo = math.floor(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def latency_samples(events: list[Event]) -> list[tuple[float, str, float]]:
    """(t, client, round-trip ms): ping -> pong by id; else the probe's latency values."""
    pending: dict[tuple[object, object], float] = {}
    samples: list[tuple[float, str, float]] = []
    for e in index_of(events).of(None, "ws.frame"):
        key = (e.get("client"), e.get("id"))
        if e.get("type") == "ping" and e.get("dir") == "sent" and e.get("id") is not None:
            pending[key] = e["t"]
        elif e.get("type") == "pong" and e.get("dir") == "received" and key in pending:
            samples.append((e["t"], str(e.get("client")), (e["t"] - pending.pop(key)) * 1000.0))
    if samples:
        return samples
    for name in client_names(events):
        for t, v in probe_series(events, name, LATENCY_KEYS):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                samples.append((t, name, float(v)))
    return sorted(samples)


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


def _pct(values: list[float], p: float) -> float | None:
    return _round(percentile(values, p)) if values else None


def scenario_metrics(events: list[Event]) -> ScenarioMetrics:
    """Reconnect times, message accounting and latency samples of one scenario; a streamed
    journal's are those its `metrics` event recorded, computed from its file (harness.judging)."""
    recorded = next((e for e in reversed(events) if e.get("kind") == "metrics"), None)
    if recorded is not None and isinstance(recorded.get("values"), dict):
        return cast(ScenarioMetrics, dict(recorded["values"]))  # scenario_metrics' own output, as JSON
    reconnects = [float(x) for x in reconnect_times(events)]
    stats = message_stats(events)
    latency = [ms for _, _, ms in latency_samples(events)]
    return {
        "reconnect_count": len(reconnects),
        "reconnect_p50_s": _pct(reconnects, 50),
        "reconnect_p95_s": _pct(reconnects, 95),
        "reconnect_max_s": _round(max(reconnects)) if reconnects else None,
        "reconnect_samples_s": [round(x, 3) for x in reconnects],
        "disconnected_s": _round(sum(reconnects)),
        "messages_sent": stats.get("sent", 0),
        "acked": stats.get("acked", 0),
        "lost": stats.get("lost", 0),
        "duplicated": stats.get("duplicated", 0),
        "resent_after_ack": stats.get("resent_after_ack", 0),
        "latency_samples": len(latency),
        "latency_p50_ms": _pct(latency, 50),
        "latency_p95_ms": _pct(latency, 95),
        "latency_max_ms": _round(max(latency), 1) if latency else None,
    }


def _total(values: Iterable[int | None]) -> int:
    return sum(v or 0 for v in values)


def _worst(values: Iterable[float | None]) -> float | None:
    return max((v for v in values if v is not None), default=None)


def run_metrics(per_scenario: Sequence[ScenarioMetrics]) -> RunMetrics:
    """Run-wide metrics: reconnect percentiles over every sample, message totals; latency
    percentiles are the worst scenario's (scenarios do not keep every latency sample)."""
    ms = list(per_scenario)
    samples = [x for m in ms for x in m.get("reconnect_samples_s", [])]
    return {"reconnect_count": len(samples), "reconnect_p50_s": _pct(samples, 50),
            "reconnect_p95_s": _pct(samples, 95),
            "reconnect_max_s": _round(max(samples)) if samples else None,
            "disconnected_s": _round(sum(samples)),
            "messages_sent": _total(m.get("messages_sent") for m in ms),
            "acked": _total(m.get("acked") for m in ms), "lost": _total(m.get("lost") for m in ms),
            "duplicated": _total(m.get("duplicated") for m in ms),
            "resent_after_ack": _total(m.get("resent_after_ack") for m in ms),
            "latency_samples": _total(m.get("latency_samples") for m in ms),
            "latency_p50_ms": _worst(m.get("latency_p50_ms") for m in ms),
            "latency_p95_ms": _worst(m.get("latency_p95_ms") for m in ms),
            "latency_max_ms": _worst(m.get("latency_max_ms") for m in ms)}
