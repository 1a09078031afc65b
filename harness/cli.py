"""`wschaos`: run, validate, list, doctor, report.

Exit codes: 0 passed, 1 checks failed, 2 invalid input, 3 harness/infrastructure error,
130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import signal
import sys
import time
from pathlib import Path

from harness.errors import EXIT_FAILED, EXIT_HARNESS, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_PASSED, InvalidInput, WschaosError
from harness.scenario.collect import collect, select
from harness.scenario.yamlpos import Problem


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wschaos", description="Chaos and reliability tests for WebSocket apps.")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run scenarios (files or folders) and write a report")
    run.add_argument("paths", nargs="+", type=Path)
    run.add_argument("--target", help="target name in targets/ or a target YAML path (default: each scenario's)")
    run.add_argument("--bugs", default="", help="seeded bugs to switch on, comma-separated (e.g. legacy, no_jitter,no_queue)")
    run.add_argument("--seed", type=int, help="seed for everything the harness decides (default: the scenario's, else random)")
    run.add_argument("--headed", action="store_true", help="show the browser windows")
    run.add_argument("--keep", action="store_true", help="keep each scenario's system running at the end until Enter")
    run.add_argument("-k", dest="keyword", help="only scenarios whose name or tags contain this text")
    run.add_argument("--tag", action="append", default=[], help="only scenarios with this tag (repeatable)")
    run.add_argument("--profile", help="apply each scenario's named profile (e.g. nightly: full-length timings)")
    run.add_argument("--junit", type=Path, help="also write JUnit XML here")
    run.add_argument("--report", type=Path, default=Path("reports"), help="reports folder (default: reports/)")
    run.add_argument("--artifacts", choices=["never", "on-failure", "always"], default="on-failure",
                     help="keep-artifacts policy: which scenarios keep their Playwright traces, screenshot "
                          "files and ledger copy (the HTML report embeds screenshots either way; default: on-failure)")
    run.add_argument("--quiet", action="store_true", help="no live progress line")
    for name, text in (("validate", "check scenario files without running anything"), ("list", "list scenarios with tags")):
        sp = sub.add_parser(name, help=text)
        sp.add_argument("paths", nargs="+", type=Path)
    sub.add_parser("schema", help="print the JSON Schema of scenario files (for editor completion)")
    sub.add_parser("doctor", help="show what the harness found (Chromium, toxiproxy-server, ...) and how to fix what is missing")
    rep = sub.add_parser("report", help="re-render a report from a run folder or a journal, offline")
    rep.add_argument("source", type=Path)
    rep.add_argument("--out", type=Path, help="output folder for a bare journal (default: next to it)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        handler = {"run": cmd_run, "validate": cmd_validate, "list": cmd_list,
                   "doctor": cmd_doctor, "report": cmd_report, "schema": cmd_schema}[args.command]
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


def cmd_validate(args) -> int:
    scenarios = collect(args.paths)
    for sc in scenarios:
        print(f"ok  {sc.file}  ({len(sc.steps)} steps, {len(sc.checks)} checks)")
    return EXIT_PASSED


def cmd_list(args) -> int:
    for sc in collect(args.paths):
        tags = ",".join(sc.tags)
        print(f"{sc.name:<40} [{tags}]")
        if sc.description.strip():  # folded YAML (`>`) ends with a newline: no blank line after it
            print(f"    {sc.description.strip()}")
    return EXIT_PASSED


def cmd_schema(args) -> int:
    import json

    from harness.scenario.schema import scenario_schema

    print(json.dumps(scenario_schema(), indent=1))
    return EXIT_PASSED


def cmd_doctor(args) -> int:
    from harness.doctor import diagnose, format_findings

    findings = diagnose()
    print(format_findings(findings))
    return EXIT_PASSED if all(f.ok for f in findings) else EXIT_HARNESS


def cmd_report(args) -> int:
    from harness.report import render_from_journal, render_run_dir

    src = args.source
    if src.is_dir():
        out = render_run_dir(src)
    elif src.is_file():
        out = render_from_journal(src, args.out or src.parent)
    else:
        raise InvalidInput([Problem(str(src), 1, 1, "", "no such run folder or journal: give a reports/<run-id> "
                                                         "folder or a journal.jsonl file")])
    print(f"report: {out}")
    return EXIT_PASSED


def _check_profile(profile: str | None, scenarios: list) -> None:
    """A profile no selected scenario defines is a typo, not a no-op."""
    if profile and not any(profile in sc.profiles for sc in scenarios):
        from harness.scenario.yamlpos import Problem

        known = sorted({p for sc in scenarios for p in sc.profiles})
        raise InvalidInput([Problem("--profile", 0, 0, "", f"no selected scenario defines profile {profile!r}; "
                                    f"defined: {', '.join(known) or 'none'}")])


async def _cancel_on_sigterm(coro):
    """SIGTERM (CI timeouts, `kill`, a background job where Ctrl-C is ignored) ends the run like
    Ctrl-C: the running scenario is cancelled, torn down, and the report still written."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        return await coro
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


def cmd_run(args) -> int:
    from harness import tools
    from harness.plan import RunOptions, make_plan
    from harness.progress import Progress
    from harness.reporting import write_run_reports
    from harness.session import new_run_id, run_plans

    scenarios = select(collect(args.paths), args.keyword, args.tag)
    if not scenarios:
        print("no scenario matched (check the paths, -k and --tag)", file=sys.stderr)
        return EXIT_INVALID
    bugs = tuple(b.strip() for b in args.bugs.split(",") if b.strip())
    options = RunOptions(target=args.target, bugs=bugs, seed=args.seed, headed=args.headed, keep=args.keep,
                         artifacts=args.artifacts, profile=args.profile, report_dir=args.report)
    _check_profile(args.profile, scenarios)
    plans = [make_plan(sc, options) for sc in scenarios]  # every target and bug validated before starting
    tools.find_toxiproxy()  # a missing tool fails here, before a run folder exists
    tools.find_chromium()
    progress = Progress(len(plans), live=not args.quiet and sys.stderr.isatty())
    started, t0 = dt.datetime.now(), time.monotonic()
    run_id = new_run_id(started)
    result = asyncio.run(_cancel_on_sigterm(run_plans(plans, options, run_id, progress.on_event, progress.on_outcome)))
    html = write_run_reports(result, started, time.monotonic() - t0, args.junit, args.artifacts)
    progress.final(result, html)
    if result.interrupted:
        return EXIT_INTERRUPTED
    outcomes = {o.outcome for o in result.outcomes}
    if "error" in outcomes:
        return EXIT_HARNESS
    return EXIT_PASSED if outcomes == {"passed"} else EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
