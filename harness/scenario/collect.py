"""Find scenario files under paths, load them all, and report every problem of every file."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from harness.errors import InvalidInput
from harness.scenario.load import load_scenario
from harness.scenario.model import Scenario
from harness.scenario.yamlpos import Problem


def scenario_files(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders expand to their *.yaml / *.yml files, sorted, except those in a
    `targets/` folder inside them (a project keeps its target next to its scenarios)."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.rglob("*.y*ml") if f.suffix in (".yaml", ".yml")
                            and "targets" not in f.relative_to(p).parts[:-1])
        else:
            files.append(p)
    return files


def collect(paths: Iterable[Path]) -> list[Scenario]:
    """Load every scenario under `paths`; raise InvalidInput with the problems of all files."""
    scenarios, problems = [], []
    files = scenario_files(paths)
    if not files:
        raise InvalidInput([Problem(str(p), 1, 1, "", "no scenario files (*.yaml) found here") for p in paths])
    for f in files:
        try:
            scenarios.append(load_scenario(f))
        except InvalidInput as exc:
            problems += exc.problems
    names: dict[str, str] = {}
    for sc in scenarios:
        if sc.name in names:
            problems.append(Problem(sc.file, 1, 1, "name", f"scenario name {sc.name!r} is also used by {names[sc.name]}"))
        names[sc.name] = sc.file
    if problems:
        raise InvalidInput(problems)
    return scenarios


def select(scenarios: list[Scenario], keyword: str | None, tags: list[str]) -> list[Scenario]:
    """Keep scenarios matching `-k` (name or tag contains it) and having every `--tag`."""
    out = []
    for sc in scenarios:
        if keyword and not any(keyword in text for text in (sc.name, *sc.tags)):
            continue
        if any(t not in sc.tags for t in tags):
            continue
        out.append(sc)
    return out
