"""What `wschaos shrink` starts from: a failed run's journal, its scenario, and how it failed.

    source = find_source(Path("reports/20261207-1810-ab12"))   # a run folder, scenario folder or journal

A run folder picks its first failed scenario (or the one named). The scenario is the night's
`scenario.yaml` next to the journal (a soak writes it), else the file `run.start` names. Only
the events the shrinker needs are parsed (steps, checks, `run.start`, `server.*` are small), so
an 8-hour soak's journal is read without holding its traffic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from harness.errors import InvalidInput
from harness.events import RunStart
from harness.journal import Event
from harness.scenario.yamlpos import Problem

SCENARIO_FILE = "scenario.yaml"
#: The kinds the shrinker reads; a line that does not mention one is skipped unparsed.
KINDS = ("run.start", "step.start", "step.end", "check", "run.end")
WANTED = tuple(f'"{k}"' for k in KINDS)


@dataclass(frozen=True)
class Source:
    """A failed run to shrink: its journal, what it recorded, and its scenario file."""

    journal: Path
    events: list[Event]
    scenario_file: Path
    start: RunStart

    @property
    def folder(self) -> Path:
        return self.journal.parent


def read_steps_and_checks(path: Path) -> list[Event]:
    """The journal's run.start, step, check and run.end events (the rest is not parsed)."""
    out: list[Event] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if any(k in line for k in WANTED):
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    break  # a truncated last line: the run was killed
                if event.get("kind") in KINDS:
                    out.append(event)
    return out


def find_source(path: Path, scenario: str | None = None) -> Source:
    """The journal and scenario behind `path` (InvalidInput saying what was looked for)."""
    journal = _journal(path, scenario)
    events = read_steps_and_checks(journal)
    start = RunStart.from_events(events)
    if not any(e.get("kind") == "run.start" for e in events):
        raise _invalid(path, f"{journal} has no run.start: is it a wschaos journal?")
    night = journal.parent / SCENARIO_FILE
    file = night if night.is_file() else Path(str(next(e for e in events if e["kind"] == "run.start")
                                                   .get("scenario_file", "")))
    if not file.is_file():
        raise _invalid(path, f"the scenario the run came from, {file}, is not there any more: shrink needs it to "
                             "replay the schedule; restore it, or shrink a run whose scenario file still exists")
    return Source(journal, events, file, start)


def _journal(path: Path, scenario: str | None) -> Path:
    if path.is_file():
        return path
    if (path / "journal.jsonl").is_file():
        return path / "journal.jsonl"
    if (path / "results.json").is_file():
        return _failed_in_run(path, scenario)
    raise _invalid(path, "expected a run folder (reports/<run-id>), a scenario folder with a journal.jsonl, or a "
                         "journal file")


def _failed_in_run(run_dir: Path, scenario: str | None) -> Path:
    """The journal of the run's first failed scenario (or of `scenario`)."""
    doc = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))
    entries = [s for s in doc.get("scenarios", []) if s.get("journal")]
    if scenario is not None:
        chosen = [s for s in entries if s.get("name") == scenario]
        if not chosen:
            raise _invalid(run_dir, f"no scenario {scenario!r} in this run; its scenarios: "
                                    f"{', '.join(s['name'] for s in entries) or 'none'}")
    else:
        chosen = [s for s in entries if s.get("outcome") == "failed"]
        if not chosen:
            outcomes = ", ".join(f"{s['name']} {s.get('outcome')}" for s in entries) or "no scenario"
            raise _invalid(run_dir, f"no scenario of this run failed ({outcomes}): there is nothing to shrink")
    return run_dir / str(chosen[0]["journal"])


def _invalid(path: Path, message: str) -> InvalidInput:
    return InvalidInput([Problem(str(path), 0, 0, "", message)])
