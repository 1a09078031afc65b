"""`wschaos`: run, soak, shrink, validate, list, doctor, report, import.

Exit codes: 0 passed, 1 checks failed, 2 invalid input, 3 harness/infrastructure error,
4 inconclusive (no failure, but the machine kept a scenario from being judged), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from harness import cli_args, infra
from harness.errors import EXIT_HARNESS, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_PASSED, InvalidInput, WschaosError
from harness.scenario.collect import collect, select
from harness.scenario.yamlpos import Problem
from harness.cli_run import parse_bugs, run_and_report
from harness.browser_server import add_parser as add_browser_server_parser, cmd_browser_server
from harness.har.import_cmd import add_import_parser, cmd_import
from harness.init_cmd import add_init_parser, cmd_init
from harness.shrink.command import add_shrink_parser, cmd_shrink
from harness.soak_cli import add_soak_parser, cmd_soak, soak_rerun  # noqa: F401 - soak_rerun: its old home

if TYPE_CHECKING:
    from harness.scenario.model import Scenario
    from harness.thresholds import Threshold
    from harness.target import Target


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wschaos", description="Chaos and reliability tests for WebSocket apps.")
    p.add_argument("--version", action="version", version=f"wschaos {_version()}")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run scenarios (files or folders) and write a report")
    run.add_argument("paths", nargs="+", type=Path)
    run.add_argument("--target", help="target name in targets/ or a target YAML path (default: each scenario's)")
    run.add_argument("--bugs", default="", help="seeded bugs to switch on, comma-separated (e.g. legacy, no_jitter,no_queue)")
    run.add_argument("--seed", type=cli_args.seed, help="seed for everything the harness decides (default: the scenario's, else random)")
    run.add_argument("--headed", action="store_true", help="show the browser windows")
    run.add_argument("--keep", action="store_true", help="keep each scenario's system running at the end until Enter")
    run.add_argument("-k", dest="keyword", help="only scenarios whose name or tags contain this text")
    run.add_argument("--tag", action="append", default=[], help="only scenarios with this tag (repeatable)")
    run.add_argument("--profile", help="apply each scenario's named profile (e.g. nightly: full-length timings)")
    run.add_argument("--junit", type=Path, help="also write JUnit XML here")
    run.add_argument("--report", type=Path, default=Path("reports"), help="reports folder (default: reports/)")
    run.add_argument("--artifacts", choices=["never", "on-failure", "always"], default="on-failure",
                     help="keep-artifacts policy: which scenarios keep their Playwright traces and ledger copy "
                          "(`always` also records each trace's screencast filmstrip); "
                          "screenshot files are kept unless `never` (the HTML report embeds them either way; "
                          "default: on-failure)")
    run.add_argument("--quiet", action="store_true", help="no live progress line")
    run.add_argument("--threshold", action="append", default=[], type=_threshold, metavar="EXPR",
                     help="a limit on the run's pooled metrics, e.g. 'reconnect_p95_s<2' or 'lost==0' (repeatable), "
                          "scoped like k6: 'reconnect_p95_s{tag:ci}<2', 'reconnect_p95_s{scenario:!name}<2'; a "
                          "check's own metric: 'dead_link.detection_s<10'. One that does not hold fails the run (exit 1)")
    run.add_argument("-j", "--jobs", type=_jobs, default=1, metavar="N",
                     help="run N scenarios at a time on the shared Toxiproxy and Chromium (lanes); `auto` picks "
                          "one per core (at most 4, one per 2 GiB). Load and many-client scenarios run alone. "
                          "Default: 1")
    run.add_argument("--repeat", type=cli_args.bounded(1, 100), default=1, metavar="N",
                     help="run the whole selection N times (1-100) and mark scenarios whose verdicts "
                          "differ as flaky; failures are never retried into passes")
    infra.add_arguments(run)
    add_browser_server_parser(sub)
    add_soak_parser(sub)
    add_init_parser(sub)
    add_import_parser(sub)
    add_shrink_parser(sub)
    val = sub.add_parser("validate", help="check scenario and target files without running anything: each scenario "
                                           "also against its target, as `run` would")
    val.add_argument("paths", nargs="+", type=Path)
    val.add_argument("--target", help="check each scenario against this target (a name in targets/ or a YAML path) "
                                      "instead of its own `target:`, as `run --target` would")
    sp = sub.add_parser("list", help="list scenarios with tags")
    sp.add_argument("paths", nargs="+", type=Path)
    schema = sub.add_parser("schema", help="print the JSON Schema of scenario files (for editor completion)")
    schema.add_argument("--target", action="store_true", help="print the JSON Schema of target files instead")
    doc = sub.add_parser("doctor", help="show what the harness found (Chromium, toxiproxy-server, ...) and how to fix "
                                        "what is missing")
    doc.add_argument("target_file", nargs="?", type=Path, metavar="TARGET",
                     help="also check this target file (as --target)")
    doc.add_argument("--target", type=Path, help="also check this target file: valid, and its programs and folders exist")
    deps = sub.add_parser("install-deps", help="install what pip cannot: Chromium (Debian package) and "
                                               "toxiproxy-server (built from its Go module)")
    deps.add_argument("--dry-run", action="store_true", help="print the commands instead of running them")
    deps.add_argument("--tools", type=Path, help="folder for toxiproxy-server (default: .tools of a checkout, "
                                                 "else ~/.local/share/wschaos)")
    rep = sub.add_parser("report", help="re-render a report from a run folder or a journal, offline")
    rep.add_argument("source", type=Path)
    rep.add_argument("--out", type=Path, help="output folder for a bare journal (default: next to it)")
    return p


def _version() -> str:
    """The installed distribution's version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("wschaos")
    except PackageNotFoundError:
        return "unknown (not installed: pip install -e .)"


def _threshold(text: str) -> "Threshold":
    from harness.thresholds import parse

    try:
        return parse(text, scoped=True)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _jobs(text: str) -> int:
    from harness.lanes import default_jobs

    return default_jobs() if text == "auto" else cli_args.bounded(1, 16, "auto")(text)


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit code."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, not at interpreter exit, where a closed pipe would print a traceback
        return code
    except BrokenPipeError:
        # The reader stopped reading (`wschaos schema | head`): what it wanted was written. Point
        # stdout at /dev/null so the interpreter's last flush does not raise again (Python's
        # documented way, see the `signal` module's notes on SIGPIPE).
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PASSED


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        handler = {"run": cmd_run, "soak": cmd_soak, "shrink": cmd_shrink, "validate": cmd_validate,
                   "list": cmd_list, "doctor": cmd_doctor, "report": cmd_report, "schema": cmd_schema,
                   "install-deps": cmd_install_deps, "init": cmd_init, "import": cmd_import,
                   "browser-server": cmd_browser_server}[args.command]
        return handler(args)
    except InvalidInput as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s); nothing was started.", file=sys.stderr)
        return EXIT_INVALID
    except WschaosError as exc:
        print(f"wschaos: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("wschaos: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def cmd_validate(args: argparse.Namespace) -> int:
    """Scenario and target files (a target file is recognised by its keys), every problem of
    every file at once; folders hold scenarios, and target files inside them are validated as
    targets. Each scenario is also checked against the target `run` would use (its `target:`,
    or `--target`): the target is found and loaded, and has what the scenario uses."""
    from harness.scenario.collect import scenario_files
    from harness.target import is_target_file, validate_target_file

    files = scenario_files(args.paths) or list(args.paths)
    targets = [f for f in files if f.is_file() and is_target_file(f)]
    problems = [p for t in targets for p in validate_target_file(t)]
    scenario_paths = [f for f in files if f not in targets]
    scenarios = []
    if scenario_paths:
        try:
            scenarios = collect(scenario_paths)
        except InvalidInput as exc:
            problems += exc.problems
    names, fit_problems = _check_against_targets(scenarios, args.target, targets)
    problems = list(dict.fromkeys(problems + fit_problems))  # a target given and used is reported once
    if problems:
        raise InvalidInput(problems)
    for t in targets:
        print(f"ok  {t}  (target)")
    for sc in scenarios:
        print(f"ok  {sc.file}  ({len(sc.steps)} steps, {len(sc.checks)} checks, target {names[sc.file]})")
    return EXIT_PASSED


def _check_against_targets(scenarios: list[Scenario], target: str | None,
                           given: list[Path]) -> tuple[dict[str, str], list[Problem]]:
    """Each scenario's target, found and loaded as `run` does, and what the scenario needs of it:
    ({scenario file: target name}, every problem). A target file also `given` on the command
    line is read under the name it was given, so its problems are listed once."""
    import os

    from harness.plan import RunOptions, target_fit_problems, target_path
    from harness.target import load_target

    options = RunOptions(target=target)
    shown = {p.resolve(): p for p in given}
    names: dict[str, str] = {}
    problems: list[Problem] = []
    loaded: dict[Path, Target | None] = {}
    for sc in scenarios:
        try:
            path = target_path(sc, options)
        except InvalidInput as exc:
            problems += exc.problems
            continue
        key = path.resolve()
        if key not in loaded:
            try:
                rel = os.path.relpath(key)  # as the user would type it, when under the working folder
                loaded[key] = load_target(shown.get(key) or (key if rel.startswith("..") else Path(rel)))
            except InvalidInput as exc:
                loaded[key] = None  # its problems are listed once, not once per scenario
                problems += exc.problems
        found = loaded[key]
        if found is not None:
            problems += target_fit_problems(sc, found)
            names[sc.file] = found.name
    return names, problems


def cmd_list(args: argparse.Namespace) -> int:
    for sc in collect(args.paths):
        tags = ",".join(sc.tags)
        print(f"{sc.name:<40} [{tags}]")
        if sc.description.strip():  # folded YAML (`>`) ends with a newline: no blank line after it
            print(f"    {sc.description.strip()}")
    return EXIT_PASSED


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    from harness.scenario.schema import scenario_schema
    from harness.targets.schema import target_schema

    print(json.dumps(target_schema() if args.target else scenario_schema(), indent=1))
    return EXIT_PASSED


def cmd_doctor(args: argparse.Namespace) -> int:
    from harness.doctor import diagnose, format_findings

    if args.target_file and args.target and args.target_file != args.target:
        raise InvalidInput([Problem("doctor", 0, 0, "", f"two target files given ({args.target_file} and "
                                    f"--target {args.target}): give one")])
    findings = diagnose(target=args.target or args.target_file)
    print(format_findings(findings))
    return EXIT_PASSED if all(f.ok for f in findings) else EXIT_HARNESS


def cmd_install_deps(args: argparse.Namespace) -> int:
    from harness.install_deps import install, needs

    return install(needs(args.tools), dry_run=args.dry_run)


def cmd_report(args: argparse.Namespace) -> int:
    from harness.report import render_from_journal, render_run_dir

    from harness.output_paths import report_problem

    src = args.source
    out_problem = report_problem(args.out) if args.out is not None else None
    if out_problem:
        raise InvalidInput([Problem("--out", 0, 0, "", out_problem)])
    if src.is_dir():
        try:
            out = render_run_dir(src)
        except FileNotFoundError as exc:
            raise InvalidInput([Problem(str(src), 0, 0, "", str(exc))]) from None
    elif src.is_file():
        out = render_from_journal(src, args.out or src.parent)
    else:
        raise InvalidInput([Problem(str(src), 1, 1, "", "no such run folder or journal: give a reports/<run-id> "
                                                         "folder or a journal.jsonl file")])
    print(f"report: {out}")
    return EXIT_PASSED


def _check_profile(profile: str | None, scenarios: list[Scenario]) -> None:
    """A profile no selected scenario defines is a typo, not a no-op."""
    if profile and not any(profile in sc.profiles for sc in scenarios):
        from harness.scenario.yamlpos import Problem

        known = sorted({p for sc in scenarios for p in sc.profiles})
        raise InvalidInput([Problem("--profile", 0, 0, "", f"no selected scenario defines profile {profile!r}; "
                                    f"defined: {', '.join(known) or 'none'}")])


def cmd_run(args: argparse.Namespace) -> int:
    from harness.invocation import command
    from harness.output_paths import output_problems
    from harness.plan import RunOptions, make_plan

    problems = output_problems(args.report, args.junit)
    try:
        scenarios = select(collect(args.paths), args.keyword, args.tag)
    except InvalidInput as exc:
        raise InvalidInput(problems + exc.problems) from None
    if problems:
        raise InvalidInput(problems)
    if not scenarios:
        print("no scenario matched (check the paths, -k and --tag)", file=sys.stderr)
        return EXIT_INVALID
    options = RunOptions(target=args.target, bugs=parse_bugs(args.bugs), seed=args.seed, headed=args.headed,
                         keep=args.keep, artifacts=args.artifacts, profile=args.profile, report_dir=args.report,
                         program=command(), infra=infra.from_args(args))
    _check_profile(args.profile, scenarios)
    plans = [make_plan(sc, options) for sc in scenarios]  # every target and bug validated before starting
    return run_and_report(plans, options, args.junit, quiet=args.quiet, repeat=args.repeat, jobs=args.jobs,
                          thresholds=args.threshold)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
