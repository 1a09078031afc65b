"""Target files on disk: find one by name, tell one from a scenario, load and validate it.

    find_target(name_or_path, dirs, asked_by=scenario_file) -> Path
    is_target_file(path) -> bool
    validate_target_file(path) -> list[Problem]     every problem, sorted by position
    load_target(path) -> Target                     or InvalidInput with every problem
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import yaml

from harness.errors import InvalidInput
from harness.scenario.yamlpos import Problem, did_you_mean, load_with_positions, read_text, yaml_error_problem
from harness.targets.model import Target
from harness.targets.parse import parse_target
from harness.targets.validate import check_target_data

#: Top-level keys only a target has; a scenario has `steps` instead.
TARGET_ONLY_KEYS = ("server", "page", "websocket")


def load_target(path: str | Path) -> Target:
    """Load and validate a target file; raise InvalidInput listing every problem."""
    problems, target = _load(Path(path))
    if problems or target is None:
        raise InvalidInput(problems)
    return target


def validate_target_file(path: str | Path) -> list[Problem]:
    """Every problem in a target file (empty when it is valid), sorted by line and column."""
    return _load(Path(path))[0]


def _load(path: Path) -> tuple[list[Problem], Optional[Target]]:
    file = str(path)
    read_problems: list[Problem] = []
    try:
        data, pos = load_with_positions(read_text(path), file, read_problems)
    except OSError as exc:
        return [Problem(file, 1, 1, "", f"cannot read file: {exc.strerror}")], None
    except yaml.YAMLError as exc:
        return [yaml_error_problem(exc, file)], None
    if isinstance(data, dict) and "steps" in data and not any(k in data for k in TARGET_ONLY_KEYS):
        return [pos.problem(("steps",), "this is a scenario file (it has `steps:`), not a target file: a target has "
                                        "name, server, page and websocket (docs/targets.md)", key=True)], None
    problems: list[Problem] = list(read_problems)
    target = parse_target(data, pos, problems, path)
    problems += check_target_data(data, pos, path.parent.resolve())
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.line, p.col)), target


def is_target_file(path: str | Path) -> bool:
    """True for a YAML file whose top level looks like a target (`server`/`page`/`websocket`, no `steps`)."""
    data = _top_level(Path(path))
    return isinstance(data, dict) and "steps" not in data and any(k in data for k in TARGET_ONLY_KEYS)


def _top_level(path: Path) -> object:
    if path.suffix not in (".yaml", ".yml") or not path.is_file():
        return None
    try:
        # The hardened loader: a file too big, too deep or full of aliases is refused quickly.
        return load_with_positions(read_text(path), str(path), [])[0]
    except (OSError, yaml.YAMLError):
        return None


def find_target(name_or_path: str, search_dirs: list[Path], *, asked_by: str | Path | None = None) -> Path:
    """A target name (`kanban`) or a path to a YAML file -> the file's path.

    `asked_by` is the scenario file whose `target:` key named it: an unknown target is then
    reported at that key. Without it (e.g. `--target`), the problem names the target itself.
    """
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml"):
        for candidate in [p] + [d / p for d in search_dirs]:
            if candidate.exists():
                return candidate
    else:
        for d in search_dirs:
            for ext in (".yaml", ".yml"):
                candidate = d / f"{name_or_path}{ext}"
                if candidate.exists():
                    return candidate
    raise InvalidInput([_not_found(name_or_path, search_dirs, asked_by)])


def _not_found(name: str, search_dirs: list[Path], asked_by: str | Path | None) -> Problem:
    dirs = list(dict.fromkeys(_show(d) for d in search_dirs))
    wanted = name if Path(name).suffix in (".yaml", ".yml") else f"{name}.yaml"
    known = known_targets(search_dirs)
    message = (f"no target {name!r}: looked for {wanted} in {', '.join(dirs) or 'no folder'}; "
               f"known targets: {', '.join(known) or 'none'}; fix the name, or give a path to a target YAML file")
    if len(Path(name).parts) > 1:  # a path: say what its own folder holds
        message = f"no target {name!r}: no such file{_beside(Path(name))}; fix the path, or give a target name " \
                  f"({', '.join(known) or 'none in ' + (', '.join(dirs) or 'no folder')})"
    if asked_by is None:
        return Problem(name, 0, 0, "", message)
    return _at_target_key(Path(asked_by), message)


def _beside(path: Path) -> str:
    """What the folder of a mistyped path holds: ' (did you mean ...?); YAML files in DIR: ...'."""
    if not path.parent.is_dir():
        return f" (no folder {_show(path.parent)})"
    files = sorted(p.name for p in path.parent.iterdir() if p.suffix in (".yaml", ".yml"))
    return f"{did_you_mean(path.name, files)}; YAML files in {_show(path.parent)}: {', '.join(files) or 'none'}"


def _at_target_key(scenario: Path, message: str) -> Problem:
    try:
        data, pos = load_with_positions(read_text(scenario), str(scenario), [])
    except (OSError, yaml.YAMLError):
        return Problem(str(scenario), 0, 0, "target", message)
    if isinstance(data, dict) and "target" in data:
        return pos.problem(("target",), message)
    return Problem(str(scenario), 1, 1, "target", f"this scenario has no `target:`, so it runs on the default; {message}")


def known_targets(search_dirs: list[Path]) -> list[str]:
    """Names of the target files (not scenarios) in the search folders."""
    return sorted({f.stem for d in search_dirs if d.is_dir() for f in d.glob("*.y*ml") if is_target_file(f)})


def _show(folder: Path) -> str:
    """A folder as the user would type it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(folder)
    except ValueError:
        return str(folder)
    return str(folder) if rel.startswith("..") else rel + "/"
