"""`results.json`: the versioned, machine-readable verdict of a run (docs/results-schema.md).

Built purely from journals and check results; `write_results` / `load_results` are the only
I/O. A reader must check `schema` and refuse a major version it does not know.
"""

from __future__ import annotations

import json
import os
import posixpath
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence, cast

from harness.analysis import message_stats, percentile, reconnect_times
from harness.journal import Event, of_kind
from harness.report.document import (ExpectationEntry, HasToDict, RunDocument, RunMeta,
                                     RunMetrics, ScenarioEntry, ScenarioMetrics, ScreenshotEntry,
                                     check_entry)
from harness.report.extract import checks_from_journal, first, last, latency_samples
from harness.verdict import OUTCOMES, counts as outcome_counts, run_outcome, scenario_outcome as decide

SCHEMA = "wschaos.results/1"


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


def _pct(values: list[float], p: float) -> float | None:
    return _round(percentile(values, p)) if values else None


def scenario_path(path: str, scenario_dir_rel: str) -> str:
    """A journal path made relative to the run directory (journals may record either)."""
    if not path or os.path.isabs(path):
        return path
    prefix = scenario_dir_rel.rstrip("/") + "/"
    if scenario_dir_rel in ("", ".") or path.startswith(prefix):
        return posixpath.normpath(path)
    return posixpath.normpath(posixpath.join(scenario_dir_rel, path))


def scenario_metrics(events: list[Event]) -> ScenarioMetrics:
    """Reconnect times, message accounting and latency samples of one scenario."""
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


def scenario_outcome(events: list[Event], checks: Sequence[Mapping[str, object]]) -> str:
    """The outcome the runner recorded in run.end (harness.verdict decided it); a journal
    without run.end was cut short (Ctrl-C, a kill): interrupted."""
    end = last(events, "run.end")
    if not end:
        return "interrupted"
    if end.get("outcome") in OUTCOMES:
        return str(end["outcome"])
    return decide(events, checks).outcome  # a journal from before run.end carried every outcome


def _expectations(events: list[Event]) -> list[ExpectationEntry]:
    return [{"t": e["t"], "step": e.get("step"), "condition": e.get("condition"), "passed": e.get("passed"),
             "observed": e.get("observed"), "within_s": e.get("within_s"), "waited_s": e.get("waited_s")}
            for e in of_kind(events, "expect")]


def _screenshots(events: list[Event], rel: str) -> list[ScreenshotEntry]:
    return [{"label": e.get("label", ""), "client": e.get("client", ""),
             "path": scenario_path(e.get("path", ""), rel), "t": e["t"]}
            for e in of_kind(events, "screenshot")]


def scenario_entry(events: list[Event], check_results: Iterable[HasToDict | Mapping[str, object]] | None = None,
                   scenario_dir_rel: str = ".", traces: Iterable[str] = ()) -> ScenarioEntry:
    """One scenario's entry of results.json, from its journal and check results.

    `check_results` are CheckResults or their dicts; None reads the journal's `check` events.
    Paths come out relative to the run directory; `scenario_dir_rel` is the scenario's
    directory relative to it (e.g. `scenarios/server-restart`).
    """
    start, end = first(events, "run.start"), last(events, "run.end")
    checks = ([check_entry(c) for c in check_results] if check_results is not None
              else checks_from_journal(events))
    t0 = start.get("t", 0.0)
    t1 = end.get("t", events[-1]["t"] if events else t0)
    trace_paths = list(traces) + [e.get("path", "") for e in of_kind(events, "trace")]
    return {
        "name": start.get("scenario", posixpath.basename(scenario_dir_rel)),
        "file": start.get("scenario_file", ""),
        "description": start.get("description", ""),
        "tags": list(start.get("tags", [])),
        "outcome": scenario_outcome(events, checks),
        "duration_s": _round(t1 - t0),
        "seed": start.get("seed"),
        "rerun": start.get("rerun", ""),
        "error": end.get("error"),
        "reasons": list(end.get("reasons") or []),
        "target": start.get("target", ""),
        "bugs": list(start.get("bugs", [])),
        "checks": checks,
        "expectations": _expectations(events),
        "journal": scenario_path("journal.jsonl", scenario_dir_rel),
        "screenshots": _screenshots(events, scenario_dir_rel),
        "traces": [scenario_path(p, scenario_dir_rel) for p in trace_paths if p],
        "metrics": scenario_metrics(events),
    }


def _total(values: Iterable[int | None]) -> int:
    return sum(v or 0 for v in values)


def _worst(values: Iterable[float | None]) -> float | None:
    return max((v for v in values if v is not None), default=None)


def run_metrics(scenarios: Sequence[ScenarioEntry]) -> RunMetrics:
    """Run-wide metrics: reconnect percentiles over every sample, message totals; latency
    percentiles are the worst scenario's (scenarios do not keep every latency sample)."""
    ms: list[ScenarioMetrics] = [s.get("metrics") or {} for s in scenarios]
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


def run_document(scenario_results: Sequence[ScenarioEntry], run_meta: RunMeta) -> RunDocument:
    """The whole results.json document; `run_meta` supplies run_id, started_at, duration_s,
    rerun and may override target/seed/bugs/versions/outcome (else taken from the scenarios)."""
    scenarios = list(scenario_results)
    counts = outcome_counts(s["outcome"] for s in scenarios)
    worst = run_outcome(s["outcome"] for s in scenarios)
    head = scenarios[0] if scenarios else None
    return {
        "schema": SCHEMA,
        "run_id": run_meta.get("run_id", ""),
        "started_at": run_meta.get("started_at", ""),
        "duration_s": _round(run_meta.get("duration_s",
                                          sum(s.get("duration_s") or 0 for s in scenarios))),
        "outcome": run_meta.get("outcome", worst),
        "target": run_meta.get("target", head["target"] if head else ""),
        "seed": run_meta.get("seed", head["seed"] if head else None),
        "bugs": list(run_meta.get("bugs", head["bugs"] if head else [])),
        "versions": dict(run_meta.get("versions", {})),
        "rerun": run_meta.get("rerun", ""),
        "counts": counts,
        "flaky": dict(run_meta.get("flaky") or {}),
        "thresholds": list(run_meta.get("thresholds") or []),
        "infra_error": run_meta.get("infra_error"),
        "metrics": run_metrics(scenarios),
        "scenarios": scenarios,
    }


# The run owner (harness/run.py) still holds results entries as JSON objects, not yet as
# ScenarioEntry / RunDocument: these two are its door, typed the way it speaks (it reads the run
# document's `metrics` as a mapping and sets `thresholds` and `outcome` on it, hence the one
# `dict[str, Any]`). When it adopts the TypedDicts they go, and every caller uses
# `scenario_entry` / `run_document`.
def build_scenario_result(events: list[Event], check_results: Iterable[HasToDict | Mapping[str, object]] | None = None,
                          scenario_dir_rel: str = ".", traces: Iterable[str] = ()) -> dict[str, object]:
    """`scenario_entry`, as the plain JSON object the run owner keeps."""
    return dict(scenario_entry(events, check_results, scenario_dir_rel, traces))


def build_run_result(scenario_results: Sequence[Mapping[str, object]], run_meta: Mapping[str, object]) -> dict[str, Any]:
    """`run_document` over entries built by `build_scenario_result` (or shaped like them)."""
    return dict(run_document(cast(list[ScenarioEntry], list(scenario_results)), cast(RunMeta, run_meta)))


def write_results(path: Path, doc: Mapping[str, object]) -> None:
    """Write results.json atomically (a reader never sees half a file)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def load_results(path: Path) -> RunDocument:
    """Read results.json; refuse a schema this version of wschaos does not understand."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    schema = str(doc.get("schema", "")) if isinstance(doc, dict) else ""
    if schema.rsplit("/", 1)[0] != SCHEMA.rsplit("/", 1)[0] or schema.rsplit("/", 1)[-1] != "1":
        raise ValueError(f"{path}: unknown results schema {schema!r}, expected {SCHEMA!r}; "
                         "re-render it with `wschaos report <run dir>` from its journals")
    return cast(RunDocument, doc)  # its schema version is one this module writes
