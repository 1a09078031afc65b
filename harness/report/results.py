"""`results.json`: the versioned, machine-readable verdict of a run (docs/results-schema.md).

Built purely from journals and check results; `write_results` / `load_results` are the only
I/O. A reader must check `schema` and refuse a major version it does not know.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from pathlib import Path
from typing import Iterable, Mapping, Sequence, cast

from harness.events import Outcome, RunEnd
from harness.journal import Event, of_kind
from harness.metrics import run_metrics, scenario_metrics
from harness.report.document import (ExpectationEntry, HasToDict, RunDocument, RunMeta, ScenarioEntry,
                                     ScenarioInfo, ScreenshotEntry, check_entry)
from harness.report.extract import checks_from_journal, first
from harness.verdict import RepeatTotal, counts as outcome_counts, repeat_totals, run_outcome

SCHEMA = "wschaos.results/1"


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


def scenario_path(path: str, scenario_dir_rel: str) -> str:
    """A journal path made relative to the run directory (journals may record either)."""
    if not path or os.path.isabs(path):
        return path
    prefix = scenario_dir_rel.rstrip("/") + "/"
    if scenario_dir_rel in ("", ".") or path.startswith(prefix):
        return posixpath.normpath(path)
    return posixpath.normpath(posixpath.join(scenario_dir_rel, path))


def scenario_outcome(events: list[Event]) -> Outcome:
    """The outcome recorded in the journal's one run.end (`harness.conclude` wrote it once); a
    journal without one was cut short (a kill): interrupted."""
    end = RunEnd.from_events(events)
    return "interrupted" if end is None else end.outcome


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
    start, end = first(events, "run.start"), RunEnd.from_events(events)
    checks = ([check_entry(c) for c in check_results] if check_results is not None
              else checks_from_journal(events))
    t0 = start.get("t", 0.0)
    t1 = end.t if end is not None else (events[-1]["t"] if events else t0)
    trace_paths = list(traces) + [e.get("path", "") for e in of_kind(events, "trace")]
    return {
        "name": start.get("scenario", posixpath.basename(scenario_dir_rel)),
        "file": start.get("scenario_file", ""),
        "description": start.get("description", ""),
        "tags": list(start.get("tags", [])),
        "outcome": "interrupted" if end is None else end.outcome,
        "duration_s": _round(t1 - t0),
        "seed": start.get("seed"),
        "rerun": start.get("rerun", ""),
        "error": None if end is None else end.error,
        "reasons": [] if end is None else list(end.reasons),
        "target": start.get("target", ""),
        "bugs": list(start.get("bugs", [])),
        "checks": checks,
        "expectations": _expectations(events),
        "journal": scenario_path("journal.jsonl", scenario_dir_rel),
        "screenshots": _screenshots(events, scenario_dir_rel),
        "traces": [scenario_path(p, scenario_dir_rel) for p in trace_paths if p],
        "metrics": scenario_metrics(events),
        "pages": dict(sorted((str(e.get("client")), str(e.get("browser") or "local"))
                             for e in of_kind(events, "client.open") if e.get("client_kind") == "browser")),
    }


def not_run_entry(info: ScenarioInfo, outcome: Outcome, why: str) -> ScenarioEntry:
    """The entry of a scenario with no journal of its own: skipped, or running when the run was killed."""
    return {"name": info.name, "file": info.file, "description": info.description, "tags": list(info.tags),
            "outcome": outcome, "duration_s": 0.0, "seed": info.seed, "rerun": info.rerun, "error": why,
            "reasons": [], "target": info.target, "bugs": list(info.bugs), "checks": [], "expectations": [],
            "journal": f"scenarios/{info.name}/journal.jsonl", "screenshots": [], "traces": [], "metrics": {}, "pages": {}}


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
        "repeats": repeats(scenarios),
        "thresholds": list(run_meta.get("thresholds") or []),
        "infra_error": run_meta.get("infra_error"),
        "metrics": run_metrics([s.get("metrics") or {} for s in scenarios]),
        "scenarios": scenarios,
    }


def repeat_round(path: str) -> int | None:
    """The round of a `--repeat` run a scenario folder or journal path is in (`repeat-2/...` -> 2)."""
    match = re.search(r"(?:^|/)repeat-([0-9]+)/", path.replace("\\", "/"))
    return int(match.group(1)) if match else None


def repeats(scenarios: Sequence[ScenarioEntry]) -> dict[str, RepeatTotal]:
    """Per-scenario totals over the rounds of a `--repeat` run (empty for a run of one round)."""
    if not any(repeat_round(s.get("journal") or "") for s in scenarios):
        return {}
    return repeat_totals((s["name"], s["outcome"]) for s in scenarios)


def write_atomically(path: Path, text: str) -> None:
    """Write a file whole or not at all: a reader never sees half of it, and a write that fails
    (a full disk) leaves the previous version, if any, and no temporary file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_results(path: Path, doc: Mapping[str, object]) -> None:
    """Write results.json atomically."""
    write_atomically(path, json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")


def load_results(path: Path) -> RunDocument:
    """Read results.json; refuse a schema this version of wschaos does not understand."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    schema = str(doc.get("schema", "")) if isinstance(doc, dict) else ""
    if schema.rsplit("/", 1)[0] != SCHEMA.rsplit("/", 1)[0] or schema.rsplit("/", 1)[-1] != "1":
        raise ValueError(f"{path}: unknown results schema {schema!r}, expected {SCHEMA!r}; "
                         "re-render it with `wschaos report <run dir>` from its journals")
    return cast(RunDocument, doc)  # its schema version is one this module writes
