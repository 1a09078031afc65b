"""The night's own files, written next to its journal before the soak starts.

    scenarios/<soak name>/scenario.yaml   the schedule as an ordinary scenario file: what
                                          `wschaos shrink` reduces, and `wschaos run` runs
    scenarios/<soak name>/soak.json       its rounds, invariants (held and skipped) and workload,
                                          which the soak report reads by round
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from harness.scenario.dump import dump_scenario

if TYPE_CHECKING:
    from harness.plan import Plan
    from harness.soak.schedule import SoakPlan

SCENARIO_FILE = "scenario.yaml"
SOAK_FILE = "soak.json"


def write_night(folder: Path, soak: SoakPlan, plan: Plan) -> Path:
    """Write scenario.yaml and soak.json into `folder` (the soak's scenario folder); returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    from harness.invocation import prefix

    bugs = f" --bugs {','.join(plan.bugs)}" if plan.bugs else ""
    header = (f"The schedule of `{plan.rerun}`, as a scenario file.\n"
              f"`{prefix()} run {folder / SCENARIO_FILE} --seed {plan.seed}{bugs}` runs the same steps (without resource "
              "sampling);\n`wschaos shrink` on the soak's run folder reduces a failing night to the fewest steps "
              "that still fail.")
    (folder / SCENARIO_FILE).write_text(dump_scenario(soak.scenario, header), encoding="utf-8")
    doc = soak.to_json()
    doc.update({"rerun": plan.rerun, "time_scale": plan.time.factor, "bugs": list(plan.bugs),
                "target_file": plan.target.file})
    (folder / SOAK_FILE).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return folder


def read_night(folder: Path) -> dict[str, object]:
    """soak.json of a night (ValueError naming the file if it is missing or not JSON)."""
    path = folder / SOAK_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} cannot be read ({exc}): is this a soak's scenario folder?") from None
    if not isinstance(doc, dict):
        raise ValueError(f"{path} is not a soak description (expected a JSON object)")
    return doc
