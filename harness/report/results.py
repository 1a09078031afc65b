"""`results.json`: the versioned, machine-readable verdict of a run (docs/results-schema.md).

Built purely from journals and check results; `write_results` / `load_results` are the only
I/O. A reader must check `schema` and refuse a major version it does not know.
"""

from __future__ import annotations

import json
import os
import posixpath
from pathlib import Path
from typing import Any, Iterable, Mapping

from harness.analysis import message_stats, percentile, reconnect_times
from harness.journal import Event, of_kind
from harness.report.extract import checks_from_journal, first, last, latency_samples
from harness.verdict import OUTCOMES, counts as outcome_counts, run_outcome, scenario_outcome as decide

SCHEMA = "wschaos.results/1"


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


def _pct(values: list[float], p: float) -> float | None:
    return _round(percentile(values, p)) if values else None


def _check_dict(check: Any) -> dict[str, Any]:
    return check.to_dict() if hasattr(check, "to_dict") else dict(check)


def scenario_path(path: str, scenario_dir_rel: str) -> str:
    """A journal path made relative to the run directory (journals may record either)."""
    if not path or os.path.isabs(path):
        return path
    prefix = scenario_dir_rel.rstrip("/") + "/"
    if scenario_dir_rel in ("", ".") or path.startswith(prefix):
        return posixpath.normpath(path)
    return posixpath.normpath(posixpath.join(scenario_dir_rel, path))


def scenario_metrics(events: list[Event]) -> dict[str, Any]:
    """Reconnect times, message accounting and latency samples of one scenario."""
    reconnects = [float(x) for x in reconnect_times(events)]
    stats = message_stats(events)
    latency = [ms for _, _, ms in latency_samples(events)]
    return {
        "reconnect_count": len(reconnects),
        "reconnect_p50_s": _pct(reconnects, 50),
        "reconnect_p95_s": _pct(reconnects, 95),
        "reconnect_max_s": _round(max(reconnects)) if reconnects else None,
        "reconnect_samples_s": [_round(x) for x in reconnects],
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


def scenario_outcome(events: list[Event], checks: list[dict[str, Any]]) -> str:
    """The outcome the runner recorded in run.end (harness.verdict decided it); a journal
    without run.end was cut short (Ctrl-C, a kill): interrupted."""
    end = last(events, "run.end")
    if not end:
        return "interrupted"
    if end.get("outcome") in OUTCOMES:
        return str(end["outcome"])
    return decide(events, checks).outcome  # a journal from before run.end carried every outcome


def _expectations(events: list[Event]) -> list[dict[str, Any]]:
    keep = ("t", "step", "condition", "passed", "observed", "within_s", "waited_s")
    return [{k: e.get(k) for k in keep} for e in of_kind(events, "expect")]


def _screenshots(events: list[Event], rel: str) -> list[dict[str, Any]]:
    return [{"label": e.get("label", ""), "client": e.get("client", ""),
             "path": scenario_path(e.get("path", ""), rel), "t": e["t"]}
            for e in of_kind(events, "screenshot")]


def build_scenario_result(events: list[Event], check_results: Iterable[Any] | None = None,
                          scenario_dir_rel: str = ".", traces: Iterable[str] = ()) -> dict[str, Any]:
    """One scenario's entry of results.json, from its journal and check results.

    `check_results` are CheckResults or their dicts; None reads the journal's `check` events.
    Paths come out relative to the run directory; `scenario_dir_rel` is the scenario's
    directory relative to it (e.g. `scenarios/server-restart`).
    """
    start, end = first(events, "run.start"), last(events, "run.end")
    checks = ([_check_dict(c) for c in check_results] if check_results is not None
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


def run_metrics(scenarios: list[dict[str, Any]]) -> dict[str, Any]:
    """Run-wide metrics: reconnect percentiles over every sample, message totals; latency
    percentiles are the worst scenario's (scenarios do not keep every latency sample)."""
    samples = [x for s in scenarios for x in (s.get("metrics") or {}).get("reconnect_samples_s", [])]
    total = {k: sum((s.get("metrics") or {}).get(k) or 0 for s in scenarios)
             for k in ("messages_sent", "acked", "lost", "duplicated", "resent_after_ack", "latency_samples")}
    worst = {}
    for k in ("latency_p50_ms", "latency_p95_ms", "latency_max_ms"):
        values = [(s.get("metrics") or {}).get(k) for s in scenarios]
        worst[k] = max((v for v in values if v is not None), default=None)
    return {"reconnect_count": len(samples), "reconnect_p50_s": _pct(samples, 50),
            "reconnect_p95_s": _pct(samples, 95),
            "reconnect_max_s": _round(max(samples)) if samples else None,
            "disconnected_s": _round(sum(samples)), **total, **worst}


def build_run_result(scenario_results: list[dict[str, Any]], run_meta: Mapping[str, Any]) -> dict[str, Any]:
    """The whole results.json document; `run_meta` supplies run_id, started_at, duration_s,
    rerun and may override target/seed/bugs/versions/outcome (else taken from the scenarios)."""
    scenarios = list(scenario_results)
    counts = outcome_counts(s["outcome"] for s in scenarios)
    worst = run_outcome(s["outcome"] for s in scenarios)
    head = scenarios[0] if scenarios else {}
    return {
        "schema": SCHEMA,
        "run_id": run_meta.get("run_id", ""),
        "started_at": run_meta.get("started_at", ""),
        "duration_s": _round(run_meta.get("duration_s",
                                          sum(s.get("duration_s") or 0 for s in scenarios))),
        "outcome": run_meta.get("outcome", worst),
        "target": run_meta.get("target", head.get("target", "")),
        "seed": run_meta.get("seed", head.get("seed")),
        "bugs": list(run_meta.get("bugs", head.get("bugs", []))),
        "versions": dict(run_meta.get("versions", {})),
        "rerun": run_meta.get("rerun", ""),
        "counts": counts,
        "flaky": dict(run_meta.get("flaky") or {}),
        "thresholds": list(run_meta.get("thresholds") or []),
        "infra_error": run_meta.get("infra_error"),
        "metrics": run_metrics(scenarios),
        "scenarios": scenarios,
    }


def write_results(path: Path, doc: Mapping[str, Any]) -> None:
    """Write results.json atomically (a reader never sees half a file)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def load_results(path: Path) -> dict[str, Any]:
    """Read results.json; refuse a schema this version of wschaos does not understand."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    schema = str(doc.get("schema", ""))
    if schema.rsplit("/", 1)[0] != SCHEMA.rsplit("/", 1)[0] or schema.rsplit("/", 1)[-1] != "1":
        raise ValueError(f"{path}: unknown results schema {schema!r}, expected {SCHEMA!r}; "
                         "re-render it with `wschaos report <run dir>` from its journals")
    return doc
