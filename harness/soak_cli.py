"""`wschaos soak`: its options, their bounds, and the run (docs/soak.md).

Every option is checked before anything starts, each with the reason for its bound: the
schedule's arguments by `harness.soak.check_arguments` (duration, clients, time scale), the
real time the night would take once the target's time scale is known, and where the reports go.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from harness import cli_args, infra
from harness.errors import EXIT_FAILED, EXIT_INTERRUPTED, InvalidInput
from harness.shrink.command import add_shrink_options, budget_problems
from harness.scenario.yamlpos import Problem
from harness.units import Duration, Range, format_seconds

if TYPE_CHECKING:
    from harness.soak import SoakPlan
    from harness.targets.model import Target

#: The longest real time a soak may take: the longest a scenario may run (its `timeout`).
MAX_REAL = Duration(48 * 3600.0)
#: Real time between resource samples: often enough for the drift check, rarely enough to be cheap.
SAMPLE_RANGE = Range("100ms", "10m")
#: The option each `soak_scenario` argument comes from.
FLAGS = {"duration": "--duration", "clients": "--clients", "time_scale": "--time-scale"}


def add_soak_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """The `soak` subcommand and its options."""
    soak = sub.add_parser("soak", help="the nightly soak: a randomized but replayable fault schedule for --duration "
                                       "of app time, with resource drift checks (docs/soak.md)")
    soak.add_argument("--duration", required=True, type=cli_args.duration, help="app time to fill, from 1m to 168h, "
                      "e.g. 10m or 8h (the target's time scale applies: 8h runs in 48 minutes at 0.1)")
    soak.add_argument("--seed", type=cli_args.seed, help="seed of the schedule and of everything else "
                                                         "(default: random, printed)")
    soak.add_argument("--target", help="target name in targets/ or a target YAML path (default: kanban); the "
                      "schedule draws its work, faults and checks from what the target declares")
    soak.add_argument("--bugs", default="", help="seeded bugs to switch on, comma-separated")
    soak.add_argument("--clients", type=cli_args.whole_number, default=2, help="browser pages, 1 to 200 (default: 2)")
    soak.add_argument("--time-scale", type=cli_args.number, help="override the target's time scale, 0.001 to 1000; "
                                                                 "1 runs the night for real")
    soak.add_argument("--sample", type=cli_args.duration, help="real time between resource samples, 100ms to 10m "
                      "(default: 5s, shorter for a short soak so that the drift check has about 30 samples)")
    soak.add_argument("--headed", action="store_true", help="show the browser windows")
    soak.add_argument("--junit", type=Path, help="also write JUnit XML here")
    soak.add_argument("--report", type=Path, default=Path("reports"), help="reports folder (default: reports/)")
    soak.add_argument("--artifacts", choices=["never", "on-failure", "always"], default="on-failure",
                      help="keep-artifacts policy, as for `run` (default: on-failure)")
    soak.add_argument("--quiet", action="store_true", help="no live progress line")
    soak.add_argument("--shrink", action="store_true", help="if the night fails, shrink it at the end to the "
                      "smallest scenario that still fails the same way (as `wschaos shrink` on its run folder)")
    add_shrink_options(soak, prefix="shrink-")
    infra.add_arguments(soak)


def cmd_soak(args: argparse.Namespace) -> int:
    """Build the seeded soak from the target, run it like `run` does, print the seed and the rerun
    command; write the night's schedule (scenario.yaml, soak.json) and the soak report (soak.html)."""
    import random

    from harness.cli_run import parse_bugs, run_and_report
    from harness.invocation import command
    from harness.output_paths import output_problems
    from harness.plan import RunOptions, make_plan
    from harness.run_record import new_run_id
    from harness.soak.files import write_night

    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 2**31)
    engines = infra.from_args(args)
    budget = budget_problems(args.shrink_budget, "--shrink-budget") if args.shrink else []
    soak = soak_for(args, seed, output_problems(args.report, args.junit) + budget)
    scenario = soak.scenario
    options = RunOptions(target=args.target, bugs=parse_bugs(args.bugs), seed=seed, headed=args.headed,
                         artifacts=args.artifacts, report_dir=args.report, infra=engines)
    plan = make_plan(scenario, options)
    real_s = plan.time.scaled(args.duration)
    check_real_time(args.duration, plan.time.factor, args.time_scale is not None)
    sample_s = args.sample.seconds if args.sample else min(5.0, max(1.0, real_s / 30))
    options = dataclasses.replace(options, sample_resources_s=sample_s, streamed=True)
    plan = dataclasses.replace(plan, rerun=soak_rerun(args, seed, command(), engines.argv()), options=options)
    run_id = new_run_id()
    night = write_night(args.report / run_id / "scenarios" / scenario.name, soak, plan)
    print(f"soak {scenario.name}: {scenario.description}")
    print(f"workload: {soak.workload}")
    print(f"{args.duration} of app time at time scale {plan.time.factor:g}: about {format_seconds(real_s)} "
          f"of real time plus recovery; resources sampled every {format_seconds(sample_s)}")
    print(f"seed {seed}; rerun: {plan.rerun}", flush=True)
    code = run_and_report([plan], options, args.junit, quiet=args.quiet, run_id=run_id)
    print(f"soak report: {soak_report_for(night)}")
    print(f"seed {seed}; rerun: {plan.rerun}")
    if args.shrink and code == EXIT_FAILED:
        return shrink_night(night, args) or code
    return code


def shrink_night(night: Path, args: argparse.Namespace) -> int | None:
    """`--shrink`: the failed night shrunk at once; EXIT_INTERRUPTED if that was cut short, else
    None (the soak's own exit code stands)."""
    from harness.shrink.command import shrink
    from harness.shrink.source import find_source

    print(f"soak: the night failed; shrinking it (budget {args.shrink_budget}, {args.shrink_replays} replays "
          "per candidate)", flush=True)
    code = shrink(find_source(night), args.shrink_budget.seconds, args.shrink_replays, args.report)
    return EXIT_INTERRUPTED if code == EXIT_INTERRUPTED else None


def soak_report_for(night: Path) -> str:
    """Render the soak report of the night in `night` (its scenario folder); its path, or why not."""
    from harness.soak.report import write_soak_report

    try:
        return str(write_soak_report(night))
    except (OSError, ValueError) as exc:
        return f"not written: {exc}"


def soak_target(args: argparse.Namespace) -> tuple["Target", str]:
    """The target the soak runs on (`--target`, default kanban) and how its scenario names it: a
    path made absolute, so the night's scenario.yaml finds it from anywhere."""
    from harness.plan import RunOptions
    from harness.targets.load import find_target, load_target
    from harness.tools import repo_root

    wanted = args.target or "kanban"
    path = find_target(wanted, [RunOptions().targets_dir, repo_root() / "targets"])
    target = load_target(path)
    ref = str(path.resolve()) if Path(wanted).suffix in (".yaml", ".yml") else wanted
    return target, ref


def soak_for(args: argparse.Namespace, seed: int, problems: list[Problem]) -> "SoakPlan":
    """The soak for the command line, drawn from its target; every option out of its range is
    invalid input, reported with the others (`problems`: those found already)."""
    from harness.soak import check_arguments, make_soak

    problems = list(problems)
    problems += [Problem(FLAGS[e.argument], 0, 0, "", str(e))
                 for e in check_arguments(args.duration, args.clients, time_scale=args.time_scale)]
    if args.sample is not None and args.sample not in SAMPLE_RANGE:
        problems.append(Problem("--sample", 0, 0, "", f"expected a duration from {SAMPLE_RANGE.low * 1000:g}ms to "
                                                      f"{format_seconds(SAMPLE_RANGE.high)} (real time between resource "
                                                      f"samples: the drift check needs several), got {args.sample}"))
    if problems:  # refused at once: the target is read (and its JavaScript checked) only for a soak that can run
        raise InvalidInput(problems)
    target, ref = soak_target(args)
    return make_soak(target, args.duration, seed, clients=args.clients, time_scale=args.time_scale, target_ref=ref)


def check_real_time(duration: Duration, factor: float, given: bool) -> None:
    """A soak takes `duration` x the time scale of real time (plus recovery): at most MAX_REAL."""
    real = Duration(duration.seconds * factor)
    if real <= MAX_REAL:
        return
    whose = "--time-scale" if given else "the target's time scale"
    raise InvalidInput([Problem("--duration", 0, 0, "", (
        f"{duration} of app time at {whose} {factor:g} is {real} of real time; at most {MAX_REAL}, the longest a "
        f"scenario may run: lower --duration or --time-scale"))])


def soak_rerun(args: argparse.Namespace, seed: int, program: tuple[str, ...] = ("wschaos",),
               engines: list[str] | None = None) -> str:
    """The exact command that runs this soak again: same schedule, same target, bugs and timing;
    `program` calls wschaos (harness.invocation.command), `engines` are the options that point it
    at engines elsewhere (`Infra.argv`)."""
    import shlex

    from harness.cli_run import parse_bugs

    argv = [*program, "soak", "--duration", str(args.duration), "--seed", str(seed)]
    if args.target:
        argv += ["--target", args.target]
    if parse_bugs(args.bugs):
        argv += ["--bugs", ",".join(parse_bugs(args.bugs))]
    if args.clients != 2:
        argv += ["--clients", str(args.clients)]
    if args.time_scale is not None:
        argv += ["--time-scale", f"{args.time_scale:g}"]
    if args.sample is not None:
        argv += ["--sample", str(args.sample)]
    return shlex.join(argv + list(engines or ()))
