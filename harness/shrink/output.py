"""What a shrink leaves behind, in its folder (`reports/shrink-<id>/`):

    minimal.yaml   the smallest failing schedule as an ordinary scenario (written again each
                   time a smaller one is found, so Ctrl-C keeps the best so far)
    shrink.json    the failure, the original and minimal schedules, every trial and its replays
    shrink.html    the same for people: the two schedules side by side, the trials in order
    trials/NNN/    each trial's run (its replays, journals and report)
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Sequence

from harness.events import JSONObject
from harness.report.results import write_atomically
from harness.scenario.dump import dump_scenario
from harness.scenario.model import Scenario
from harness.shrink.failure import Failure
from harness.shrink.schedule import Item
from harness.shrink.search import Outcome
from harness.steps.base import walk
from harness.units import format_seconds

MINIMAL = "minimal.yaml"


def rerun(path: Path, bugs: Sequence[str]) -> str:
    """The command that runs the minimal scenario (its seed is in the file)."""
    from harness.invocation import command

    argv = [*command(), "run", str(path)]
    if bugs:
        argv += ["--bugs", ",".join(bugs)]
    return shlex.join(argv)


def write_minimal(folder: Path, scenario: Scenario, header: str) -> Path:
    """minimal.yaml, whole or not at all."""
    path = folder / MINIMAL
    write_atomically(path, dump_scenario(scenario, header))
    return path


def step_lines(scenario: Scenario) -> list[str]:
    """A scenario's steps as the report lists them: `at 12.5s: down on b1, for 9s`."""
    out = []
    for node in scenario.steps:
        at = (f"at {format_seconds(node.env.at.seconds) if node.env.at.seconds else '0s'}: " if node.env.at is not None
              else "then: ")
        inner = [n for n in walk([node])]
        text = " + ".join((n.env.name or n.step.summary(n.env)) + (f", for {n.env.for_}" if n.env.for_ and not
                                                                    n.env.name else "") for n in inner)
        out.append(at + text)
    return out


def document(source: JSONObject, failure: Failure, outcome: Outcome[Item], minimal: Scenario,
             seconds: Sequence[float], replays: int, elapsed_s: float, minimal_path: Path | None,
             bugs: Sequence[str]) -> JSONObject:
    """shrink.json: everything the shrink did and found."""
    trials = [{"trial": t.number, "phase": t.phase, "steps": len(t.items), "verdict": t.trial.verdict,
               "replays": t.trial.replays, "accepted": t.accepted, "detail": t.trial.detail,
               "seconds": round(seconds[t.number - 1], 1) if t.number <= len(seconds) else None}
              for t in outcome.tried]
    return {
        **source,
        "failure": {"kind": failure.kind, "name": failure.name, "summary": failure.summary,
                    "way": sorted(failure.way)},
        "replays_per_trial": replays,
        "reproduced": outcome.reproduced,
        "stopped": outcome.stopped,
        "elapsed_s": round(elapsed_s, 1),
        "original_steps": len(outcome.original),
        "minimal_steps": len(minimal.steps) if outcome.reproduced else None,
        "original": [item.label() for item in outcome.original],
        "minimal": step_lines(minimal) if outcome.reproduced else [],
        "minimal_file": str(minimal_path) if minimal_path else None,
        "rerun": rerun(minimal_path, bugs) if minimal_path else None,
        "trials": trials,
        "total_replays": outcome.replays,
    }


def write_documents(folder: Path, doc: JSONObject) -> Path:
    """shrink.json and shrink.html; the page's path."""
    from harness.report.html import render

    write_atomically(folder / "shrink.json", json.dumps(doc, indent=1) + "\n")
    page = folder / "shrink.html"
    write_atomically(page, render("shrink.html", doc=doc))
    return page
