"""The discrimination matrix: which scenario catches which seeded bug, and with what.

Runs every scenario against the target once with no bug and once per seeded bug (each on
its own), on one shared Toxiproxy and browser, and records for each cell the outcome and
what failed (check names, or `expect steps[i]` for an inline expectation).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from harness.events import JSONObject
from harness.plan import RunOptions, make_plan
from harness.conclude import ScenarioOutcome
from harness.run import Run
from harness.run_record import new_run_id
from harness.scenario.model import Scenario

NO_BUG = "(none)"


def what_failed(outcome: ScenarioOutcome) -> list[str]:
    """Names of what made a scenario fail: failed checks and failed inline expectations."""
    failed = [f"expect {e['path']}" for e in outcome.events
              if e.get("kind") == "step.end" and e.get("status") == "failed"]
    failed += [c.name for c in outcome.checks if c.status in ("failed", "inconclusive", "not_judged")]
    if outcome.outcome == "error":
        failed.append("error")
    return failed


async def run_matrix(scenarios: list[Scenario], bugs: list[str], report_dir: Path,
                     on_cell: Callable[[JSONObject], None] | None = None, jobs: int = 1) -> list[JSONObject]:
    """Run every (bug, scenario) cell, `jobs` scenarios at a time; returns one record per cell."""
    run_id = f"matrix-{new_run_id()}"
    cells = []
    async with Run(RunOptions(report_dir=report_dir), run_id=run_id) as run:
        for bug in bugs:
            options = RunOptions(bugs=() if bug == NO_BUG else (bug,), report_dir=report_dir)
            plans = [make_plan(sc, options) for sc in scenarios]
            outcomes = await run.lanes(plans, bug.strip("()") or "none", jobs)
            for sc, outcome in zip(scenarios, outcomes):
                if outcome is None:
                    continue
                cell: JSONObject = {"bug": bug, "scenario": sc.name, "outcome": outcome.outcome,
                                    "failed": what_failed(outcome), "seconds": round(outcome.duration_s, 1),
                                    "error": outcome.error}
                cells.append(cell)
                if on_cell:
                    on_cell(cell)
    return cells


def render_markdown(cells: list[JSONObject], scenarios: list[str], bugs: list[str], meta: str) -> str:
    """docs/discrimination.md: per bug the scenarios that catch it, then the full matrix."""
    by = {(c["bug"], c["scenario"]): c for c in cells}
    lines = ["# Discrimination: which scenario catches which seeded bug", "", meta, "",
             "A cell is **caught** when the scenario fails with the bug switched on (alone). "
             "`expect steps[i]` is an inline expectation that did not hold; other names are checks. "
             "The first row is the fixed app: every scenario must pass there.", "",
             "## Bugs and the scenarios that catch them", "", "| bug | caught by (what failed) |", "|---|---|"]
    for bug in bugs:
        caught = [f"`{s}` ({', '.join(by[(bug, s)]['failed'])})" for s in scenarios
                  if (bug, s) in by and by[(bug, s)]["outcome"] != "passed"]
        if bug == NO_BUG:
            text = "every scenario passes" if not caught else "**FAILS:** " + "; ".join(caught)
        else:
            text = "; ".join(caught) or "**not caught**"
        lines.append(f"| `{bug}` | {text} |")
    lines += ["", "## Full matrix", "", "Columns are scenarios (numbered below); `x` = scenario failed, `.` = passed, `?` = inconclusive, `E` = harness error.", ""]
    lines.append("| bug | " + " | ".join(str(i + 1) for i in range(len(scenarios))) + " |")
    lines.append("|---|" + "---|" * len(scenarios))
    for bug in bugs:
        marks = [{"passed": ".", "failed": "x", "inconclusive": "?"}.get(by.get((bug, s), {}).get("outcome", ""), "E") for s in scenarios]
        lines.append(f"| `{bug}` | " + " | ".join(marks) + " |")
    lines += [""] + [f"{i + 1}. `{s}`" for i, s in enumerate(scenarios)] + [""]
    return "\n".join(lines)


def save(cells: list[JSONObject], path: Path) -> None:
    path.write_text(json.dumps(cells, indent=1) + "\n", encoding="utf-8")
