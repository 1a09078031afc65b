"""Plan: one scenario fully resolved against its target, options and profile (pure, frozen)."""

from __future__ import annotations

import random
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from harness.scenario.model import Scenario
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
    target = load_target(find_target(options.target or scenario.target, target_dirs(scenario, options),
                                     asked_by=None if options.target else scenario.file))
    server_bugs, client_bugs = target.split_bugs(list(options.bugs))
    check_target_fits(scenario, target)
    profile = scenario.profiles.get(options.profile or "", None)
    factor = (profile and profile.time_scale) or scenario.time_scale or target.time_scale
    timeout = (profile and profile.timeout) or scenario.timeout
    seed = options.seed if options.seed is not None else scenario.seed
    if seed is None:
        seed = (seed_source or random.SystemRandom()).randrange(1, 2**31)
    return Plan(scenario, target, seed, TimeScale(factor, target.min_wait.seconds), timeout.seconds,
                tuple(options.bugs), tuple(server_bugs), tuple(client_bugs),
                rerun_command(scenario, options, seed), options)


def check_target_fits(scenario: Scenario, target: Target) -> None:
    """Every UI action and protocol message the scenario uses must exist in the target."""
    from harness.errors import InvalidInput
    from harness.scenario.yamlpos import Problem
    from harness.steps.base import walk

    problems = []

    def check(nodes) -> None:
        for node in walk(nodes):  # opens parallel, repeat and during (its fault included)
            step = node.step
            for name in getattr(step, "required_actions", lambda: [])():
                if name not in target.actions:
                    problems.append(Problem(scenario.file, node.line, 1, node.path, f"target {target.name!r} has no UI action {name!r}; "
                                            f"its actions: {', '.join(target.actions) or 'none'} (add it under `actions:` in {target.file})"))
            for name in getattr(step, "required_messages", lambda: [])():
                if name not in target.protocol.messages:
                    problems.append(Problem(scenario.file, node.line, 1, node.path, f"target {target.name!r} has no protocol message {name!r}; "
                                            f"its messages: {', '.join(target.protocol.messages) or 'none'}"))

    check(scenario.steps)
    if problems:
        raise InvalidInput(problems)


def target_dirs(scenario: Scenario, options: RunOptions) -> list[Path]:
    """Where a target name is looked up: the given folder, next to the scenario's folder, and the
    bundled targets, so a scenario runs the same from any working directory."""
    from harness.tools import repo_root

    here = Path(scenario.file).resolve().parent
    dirs = [options.targets_dir, here, here.parent / "targets", repo_root() / "targets"]
    return list(dict.fromkeys(dirs))


def rerun_command(scenario: Scenario, options: RunOptions, seed: int) -> str:
    """The exact command that runs this scenario again the same way."""
    argv = ["wschaos", "run", scenario.file, "--seed", str(seed)]
    if options.target:
        argv += ["--target", options.target]
    if options.bugs:
        argv += ["--bugs", ",".join(options.bugs)]
    if options.profile:
        argv += ["--profile", options.profile]
    return shlex.join(argv)

