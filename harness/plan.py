"""Plan: one scenario fully resolved against its target, options and profile (pure, frozen)."""

from __future__ import annotations

import random
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from harness.infra import Infra
from harness.scenario.model import Scenario
from harness.scenario.yamlpos import Problem, did_you_mean
from harness.target import Target, find_target, load_target
from harness.units import TimeScale


@dataclass(frozen=True)
class RunOptions:
    """What the user asked for on the command line (or through the pytest plugin)."""

    target: Optional[str] = None
    bugs: tuple[str, ...] = ()
    seed: Optional[int] = None
    headed: bool = False
    keep: bool = False
    artifacts: str = "on-failure"       # never | on-failure | always (Playwright traces)
    profile: Optional[str] = None
    report_dir: Path = Path("reports")
    targets_dir: Path = Path("targets")
    sample_resources_s: Optional[float] = None  # real seconds between `resources` samples (soak)
    program: tuple[str, ...] = ("wschaos",)     # how rerun commands call wschaos (harness.invocation)
    infra: Infra = Infra()                      # engines elsewhere: browser servers, an existing Toxiproxy
    streamed: bool = False   # traffic events on disk only, checks judged from the file (soak; harness.journal)


@dataclass(frozen=True)
class Plan:
    """Everything the runner needs to run one scenario; nothing left to decide."""

    scenario: Scenario
    target: Target
    seed: int
    time: TimeScale
    timeout_s: float
    bugs: tuple[str, ...]
    server_bugs: tuple[str, ...]
    client_bugs: tuple[str, ...]
    rerun: str
    options: RunOptions = field(default_factory=RunOptions)


def make_plan(scenario: Scenario, options: RunOptions, seed_source: random.Random | None = None) -> Plan:
    """Resolve target, seed, time scale and bugs; raise InvalidInput for an unknown target or bug."""
    target = load_target(target_path(scenario, options))
    server_bugs, client_bugs = target.split_bugs(list(options.bugs))
    check_target_fits(scenario, target)
    profile = scenario.profiles.get(options.profile or "", None)
    factor = (profile and profile.time_scale) or scenario.time_scale or target.time_scale
    timeout = (profile and profile.timeout) or scenario.timeout
    seed = options.seed if options.seed is not None else scenario.seed
    if seed is None:
        seed = (seed_source or random.SystemRandom()).randrange(1, 2**31)
    _check_resolved(scenario, factor, seed)
    return Plan(scenario, target, seed, TimeScale(factor, target.min_wait.seconds), timeout.seconds,
                tuple(options.bugs), tuple(server_bugs), tuple(client_bugs),
                rerun_command(scenario, options, seed), options)


def target_path(scenario: Scenario, options: RunOptions) -> Path:
    """The target file a scenario runs on: `--target`, else its own `target:` (InvalidInput if none is found)."""
    return find_target(options.target or scenario.target, target_dirs(scenario, options),
                       asked_by=None if options.target else scenario.file)


def _check_resolved(scenario: Scenario, factor: float, seed: int) -> None:
    """The time scale and seed a run ends up with are in range, whichever front door built the
    scenario (a file's are checked at load; the soak and the benchmarks build theirs in code)."""
    from harness.errors import InvalidInput
    from harness.scenario.convert import describe_range
    from harness.scenario.yamlpos import Problem
    from harness.units import SEED_RANGE, TIME_SCALE_RANGE

    resolved = (("time_scale", float, TIME_SCALE_RANGE, factor, f"{factor:g}"), ("seed", int, SEED_RANGE, seed, str(seed)))
    problems = [Problem(scenario.file, 0, 0, name, f"expected {describe_range(kind, limit)}, got {shown}")
                for name, kind, limit, value, shown in resolved if value not in limit]
    if problems:
        raise InvalidInput(problems)


def check_target_fits(scenario: Scenario, target: Target) -> None:
    """Raise InvalidInput with every `target_fit_problems`."""
    from harness.errors import InvalidInput

    problems = target_fit_problems(scenario, target)
    if problems:
        raise InvalidInput(problems)


def target_fit_problems(scenario: Scenario, target: Target) -> list[Problem]:
    """Every UI action, protocol message and probe the scenario's steps and checks use must exist in the target."""
    from harness.steps.base import walk

    problems = []
    for node in walk(scenario.steps):  # opens parallel, repeat and during (its fault included)
        step = node.step
        at = (scenario.file, node.line, 1, node.path)
        for name in step.required_actions():
            if name not in target.actions:
                problems.append(Problem(*at, f"target {target.name!r} has no UI action {name!r}"
                                        f"{did_you_mean(name, target.actions)}; its actions: "
                                        f"{', '.join(target.actions) or 'none'} (add it under `actions:` in {target.file})"))
        for name in step.required_messages():
            if name not in target.protocol.messages:
                problems.append(Problem(*at, f"target {target.name!r} has no protocol message {name!r}"
                                        f"{did_you_mean(name, target.protocol.messages)}; its messages: "
                                        f"{', '.join(target.protocol.messages) or 'none'} (add it under `protocol: messages:` in {target.file})"))
        problems += [Problem(*at, _no_probe(target, name, step.registered_name))
                     for name in step.required_probes() if _lacks_probe(target, name)]
    places = _check_places(scenario)
    for i, check in enumerate(scenario.checks):
        line, col = places[i] if i < len(places) else (0, 0)
        problems += [Problem(scenario.file, line, col, f"checks[{i}].{check.registered_name}",
                             _no_probe(target, name, check.registered_name))
                     for name in check.required_probes() if _lacks_probe(target, name)]
    return problems


def _lacks_probe(target: Target, name: str) -> bool:
    """A target without probes but with a snapshot reports the snapshot's own fields: any name may be there."""
    return name not in target.probes and not (not target.probes and target.snapshot is not None)


def _no_probe(target: Target, name: str, reader: str) -> str:
    return (f"target {target.name!r} has no probe {name!r}, which {reader} reads; its probes: "
            f"{', '.join(target.probes) or 'none'} (add it under `probes:` in {target.file}, see docs/targets.md)")


def _check_places(scenario: Scenario) -> list[tuple[int, int]]:
    """(line, col) of each item of the scenario file's `checks:` (none for a scenario built in code)."""
    import yaml

    from harness.scenario.yamlpos import load_with_positions, read_text

    try:
        data, pos = load_with_positions(read_text(scenario.file), scenario.file, [])
    except (OSError, yaml.YAMLError):  # not a file (`<soak ...>`), or changed since: no positions
        return []
    items = data.get("checks") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    return [(p.line, p.col) for p in (pos.problem(("checks", i), "") for i in range(len(items)))]


def target_dirs(scenario: Scenario, options: RunOptions) -> list[Path]:
    """Where a target name is looked up: the given folder, next to the scenario's folder, and the
    bundled targets, so a scenario runs the same from any working directory."""
    from harness.tools import repo_root

    here = Path(scenario.file).resolve().parent
    dirs = [options.targets_dir, here, here.parent / "targets", repo_root() / "targets"]
    return list(dict.fromkeys(dirs))


def rerun_command(scenario: Scenario, options: RunOptions, seed: int) -> str:
    """The exact command that runs this scenario again the same way."""
    argv = [*options.program, "run", scenario.file, "--seed", str(seed)]
    if options.target:
        argv += ["--target", options.target]
    if options.bugs:
        argv += ["--bugs", ",".join(options.bugs)]
    if options.profile:
        argv += ["--profile", options.profile]
    return shlex.join(argv + options.infra.argv())

