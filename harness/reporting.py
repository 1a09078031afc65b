"""Glue between a finished run and the pure renderers in harness.report."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Optional

from harness.report import build_run_result, build_scenario_result, render_run_dir, update_index, write_results
from harness.session import RunResult


def write_run_reports(result: RunResult, started_at: dt.datetime, duration_s: float,
                      junit_path: Optional[Path] = None, artifacts: str = "on-failure") -> Path:
    """Write results.json, junit.xml and index.html for a run; refresh reports/index.html."""
    scenarios = [build_scenario_result(o.events, o.checks, f"scenarios/{o.name}") for o in result.outcomes]
    first = result.outcomes[0].plan if result.outcomes else None
    meta = {
        "run_id": result.run_id, "started_at": started_at.isoformat(timespec="seconds"),
        "duration_s": round(duration_s, 3),
        "target": first.target.name if first else None,
        "seed": first.seed if first and len(result.outcomes) == 1 else None,
        "bugs": list(first.bugs) if first else [],
        "versions": (result.outcomes[0].events[0].get("versions", {}) if result.outcomes else {}),
        "rerun": "\n".join(o.plan.rerun for o in result.outcomes if o.outcome != "passed"),
        "interrupted": result.interrupted,
    }
    if result.interrupted:  # even when Ctrl-C came before any scenario started
        meta["outcome"] = "interrupted"
    doc = build_run_result(scenarios, meta)
    write_results(result.run_dir / "results.json", doc)
    html = render_run_dir(result.run_dir)
    prune_artifacts(result, artifacts)
    update_index(result.run_dir.parent)
    if junit_path is not None:
        junit_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(result.run_dir / "junit.xml", junit_path)
    return html


def prune_artifacts(result: RunResult, policy: str) -> None:
    """The keep-artifacts policy: after the report is rendered (screenshots are embedded in it),
    drop the traces and ledger copies of scenarios the policy does not keep. Screenshot files
    are small and let `wschaos report` re-render a run, so only `never` drops them."""
    if policy == "always":
        return
    for outcome in result.outcomes:
        if policy == "on-failure" and outcome.outcome != "passed":
            continue
        for name in ("screenshots", "traces") if policy == "never" else ("traces",):
            shutil.rmtree(outcome.dir / name, ignore_errors=True)
        for ledger in outcome.dir.glob("ledger.sqlite3*"):
            ledger.unlink(missing_ok=True)
