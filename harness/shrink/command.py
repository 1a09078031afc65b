"""`wschaos shrink`: a failed run's schedule reduced to the fewest, shortest steps that still fail
the same check the same way, replayed for real (docs/soak.md, "Shrinking a failure").

    wschaos shrink reports/<run-id>                 # its first failed scenario
    wschaos shrink reports/<run-id> --budget 20m --replays 3 --check delivered_exactly_once

Exit codes: 0 a failing scenario was written (the smallest found within the budget), 2 invalid
input (not a failed run, no such check), 3 harness error, 4 the failure did not reproduce on
every replay of the whole schedule (nothing to shrink), 130 interrupted (the smallest failing
scenario found so far is kept).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from harness import cli_args
from harness.errors import EXIT_INCONCLUSIVE, EXIT_INTERRUPTED, EXIT_PASSED, InvalidInput
from harness.scenario.yamlpos import Problem

if TYPE_CHECKING:
    from harness.shrink.failure import Failure
    from harness.shrink.replay import Replayer
    from harness.shrink.schedule import Item
    from harness.shrink.search import Outcome, Tried
    from harness.shrink.source import Source

#: What a shrink may spend by default, and at most.
DEFAULT_BUDGET = "30m"
BUDGET_RANGE = ("1m", "48h")


def add_shrink_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """The `shrink` subcommand and its options."""
    p = sub.add_parser("shrink", help="reduce a failed run (a soak's night, any scenario) to the smallest schedule "
                                      "that still fails the same check the same way, replaying each candidate for real")
    p.add_argument("source", type=Path, help="a run folder (reports/<run-id>), a scenario folder or a journal.jsonl")
    add_shrink_options(p)
    p.add_argument("--scenario", help="which scenario of the run (default: its first failed one)")
    p.add_argument("--check", help="which failure to keep: a check's name, or `step` for the failed step "
                                   "(default: the first failed check, else the failed step)")
    p.add_argument("--target", help="target name or YAML path (default: the scenario's own)")
    p.add_argument("--report", type=Path, default=Path("reports"), help="where the shrink folder goes (default: reports/)")


def add_shrink_options(p: argparse.ArgumentParser, prefix: str = "") -> None:
    """--budget and --replays (as --shrink-budget, --shrink-replays on `soak`)."""
    p.add_argument(f"--{prefix}budget", type=cli_args.duration, default=cli_args.duration(DEFAULT_BUDGET),
                   help=f"real time the search may take, {BUDGET_RANGE[0]} to {BUDGET_RANGE[1]} (default: "
                        f"{DEFAULT_BUDGET}); the trial under way finishes, then the smallest failing scenario is kept")
    p.add_argument(f"--{prefix}replays", type=cli_args.bounded(1, 10), default=3, metavar="K",
                   help="replays of each candidate, 1 to 10 (default: 3): kept only if every one fails the same way")


def cmd_shrink(args: argparse.Namespace) -> int:
    """Shrink the failed run `args.source`; print the minimal scenario's path and its rerun command."""
    from harness.shrink.source import find_source

    check_budget(args.budget, "--budget")
    return shrink(find_source(args.source, args.scenario), args.budget.seconds, args.replays, args.report,
                  args.check, args.target)


def budget_problems(budget: object, flag: str) -> list[Problem]:
    """The budget out of its range, as a problem under `flag`."""
    from harness.units import Duration, Range

    if isinstance(budget, Duration) and budget in Range(*BUDGET_RANGE):
        return []
    return [Problem(flag, 0, 0, "", f"expected a duration from {BUDGET_RANGE[0]} to {BUDGET_RANGE[1]} (real time the "
                                    f"search may take), got {budget}")]


def check_budget(budget: object, flag: str) -> None:
    """InvalidInput if the budget is out of its range."""
    problems = budget_problems(budget, flag)
    if problems:
        raise InvalidInput(problems)


def shrink(source: Source, budget_s: float, replays: int, report_dir: Path, check: str | None = None,
           target: str | None = None) -> int:
    """The whole shrink of `source` (see the module docstring); the exit code."""
    from harness.infra import Infra, find_tools
    from harness.run_record import new_run_id

    setup = _prepare(source, check, target, report_dir / f"shrink-{new_run_id()}", replays)
    find_tools(Infra())  # a missing tool, or no loopback, fails here, before the first replay
    items, groups, focus, replayer = setup
    print(f"shrink: {source.start.scenario}: keeping {replayer.failure}", file=sys.stderr)
    print(f"shrink: {len(items)} steps in {len(groups) or len(items)} {'rounds' if groups else 'units'}, "
          f"{replays} replays per candidate, budget {budget_s / 60:g} min; folder {replayer.folder}",
          file=sys.stderr, flush=True)
    return asyncio.run(_search(source, items, groups, focus, replayer, budget_s))


def _prepare(source: Source, check: str | None, target: str | None, folder: Path,
             replays: int) -> tuple[list[Item], list[list[Item]], list[list[Item]], Replayer]:
    """Everything decided before the first replay: the failure, the items, the replayer."""
    from harness.plan import RunOptions, target_path
    from harness.scenario.load import load_scenario
    from harness.shrink.failure import choose, journal_failures
    from harness.shrink.replay import Replayer
    from harness.shrink.schedule import closing_gate, schedule_items
    from harness.targets.load import load_target

    found = journal_failures(source.events)
    failure = choose(found, check)
    if failure is None:
        listed = "; ".join(str(f) for f in found) or "none: the run did not fail"
        what = f"no failure {check!r} in this run" if check else "this run did not fail"
        raise InvalidInput([Problem(str(source.journal), 0, 0, "", f"{what}: nothing to shrink; its failures: {listed}")])
    scenario = load_scenario(source.scenario_file)
    path = target_path(scenario, RunOptions(target=target)).resolve()
    scenario = dataclasses.replace(scenario, target=str(path))
    loaded = load_target(path)
    items = schedule_items(scenario, source.events, source.start.time_scale)
    if not items:
        raise InvalidInput([Problem(str(source.journal), 0, 0, "", f"no step of {source.scenario_file} started in this "
                                    "run (or only idles and screenshots did): there is no schedule to shrink")])
    groups = _rounds(source, items)
    checks = tuple(c for c in scenario.checks if c.registered_name == failure.name)[:1] if failure.kind == "check" else ()
    closing = closing_gate(bool(scenario.client_names("browser")), "queue_length" in loaded.probes)
    options = RunOptions(target=str(path), bugs=source.start.bugs, seed=source.start.seed, report_dir=folder / "trials",
                         artifacts="never")
    replayer = Replayer(scenario, options, failure, folder, replays, checks, closing, _name(scenario.name))
    folder.mkdir(parents=True, exist_ok=True)
    return items, groups, _focus(items, groups, failure, source), replayer


def _name(name: str) -> str:
    return (name[:56] + "-minimal") if len(name) > 56 else name + "-minimal"


def _rounds(source: Source, items: list[Item]) -> list[list[Item]]:
    """The soak's rounds (soak.json next to the journal) as groups of items; none for a scenario."""
    from harness.soak.files import SOAK_FILE, read_night

    if not (source.folder / SOAK_FILE).is_file():
        return []
    rounds = read_night(source.folder).get("rounds")
    groups = []
    for r in rounds if isinstance(rounds, list) else []:
        group = [i for i in items if int(r["first"]) <= i.index <= int(r["last"])]
        if group:
            groups.append(group)
    return groups


def _focus(items: list[Item], groups: list[list[Item]], failure: Failure, source: Source) -> list[list[Item]]:
    """First guesses: the round (else the step and the one before it) under way at the first
    moment the failure points at, then at every one of them."""
    from harness.shrink.schedule import started_at

    starts = started_at(source.events)
    if not starts or not items or not failure.at:
        return []
    t0, scale = min(starts.values()), source.start.time_scale
    near: list[list[Item]] = []
    for t in sorted(failure.at):
        before = [i for i in items if i.at_s <= (t - t0) / scale] or items[:1]
        group = next((g for g in groups if before[-1] in g), None)
        near.append(group if group is not None else before[-2:])
    everywhere = list(dict.fromkeys(i for g in near for i in g))
    return [near[0], everywhere] if everywhere != near[0] else [near[0]]


async def _search(source: Source, items: list[Item], groups: list[list[Item]], focus: list[list[Item]],
                  replayer: Replayer, budget_s: float) -> int:
    from harness.cli_run import with_signals
    from harness.shrink.search import Outcome, search
    from harness.shrink.schedule import smaller

    started = time.monotonic()
    seen: list[Outcome[Item]] = []
    writer = _Writer(source, replayer, started)

    def stop() -> str | None:
        spent = time.monotonic() - started
        return f"the budget of {budget_s / 60:g} min was used" if spent >= budget_s else None

    def on_trial(tried: Tried[Item], outcome: Outcome[Item]) -> None:
        if not seen:
            seen.append(outcome)
        writer.trial(tried, outcome, budget_s)

    try:
        outcome = await with_signals(lambda: search(items, replayer, groups=groups, focus=focus, smaller=smaller,
                                                    stop=stop, on_trial=on_trial, verify_first=False))
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        outcome = seen[0] if seen else Outcome(tuple(items), tuple(items))
        outcome.stopped = "interrupted"
        outcome.reproduced = outcome.reproduced or any(t.accepted for t in outcome.tried)
        writer.finish(outcome)
        return EXIT_INTERRUPTED
    writer.finish(outcome)
    return EXIT_PASSED if outcome.reproduced else EXIT_INCONCLUSIVE


@dataclasses.dataclass
class _Writer:
    """Progress on stderr, minimal.yaml whenever the best shrinks, the documents at the end."""

    source: Source
    replayer: Replayer
    started: float
    minimal: Path | None = None

    def trial(self, tried: Tried[Item], outcome: Outcome[Item], budget_s: float) -> None:
        spent = time.monotonic() - self.started
        took = self.replayer.seconds[-1] if self.replayer.seconds else 0.0
        verdict = "kept" if tried.accepted else tried.trial.verdict
        print(f"shrink: trial {tried.number} ({tried.phase}): {len(tried.items)} steps -> {verdict}, "
              f"{tried.trial.replays} replay{'s' if tried.trial.replays != 1 else ''} ({tried.trial.detail}); "
              f"{took:.0f}s; best {len(outcome.best)} steps; {max(0.0, budget_s - spent) / 60:.0f} min left",
              file=sys.stderr, flush=True)
        if tried.accepted and tried.items == outcome.best:
            self.minimal = self._write_minimal(outcome, tried)

    def _write_minimal(self, outcome: Outcome[Item], tried: Tried[Item]) -> Path:
        from harness.shrink.output import rerun, write_minimal

        k, failure = self.replayer.replays, self.replayer.failure
        path = self.replayer.folder / "minimal.yaml"
        header = (f"Shrunk by `wschaos shrink` from `{self.source.start.rerun}`\n"
                  f"({len(outcome.original)} steps -> {len(outcome.best)} + the closing gate; trial {tried.number}).\n"
                  f"The night failed {failure.kind} {failure.name}: {failure.summary}.\n"
                  f"This {tried.trial.detail}.\n"
                  f"Rerun: {rerun(path, self.source.start.bugs)}")
        description = (f"Shrunk from {self.source.start.scenario} (seed {self.source.start.seed}): fails "
                       f"{self.replayer.failure.name} the same way on {k} of {k} replays.")
        return write_minimal(self.replayer.folder, self.replayer.scenario(outcome.best, description), header)

    def finish(self, outcome: Outcome[Item]) -> None:
        from harness.shrink.output import document, rerun, write_documents

        minimal = self.replayer.scenario(outcome.best)
        source = {"scenario": self.source.start.scenario, "journal": str(self.source.journal),
                  "source_rerun": self.source.start.rerun, "seed": self.source.start.seed,
                  "bugs": list(self.source.start.bugs)}
        doc = document(source, self.replayer.failure, outcome, minimal, self.replayer.seconds,
                       self.replayer.replays, time.monotonic() - self.started, self.minimal, self.source.start.bugs)
        page = write_documents(self.replayer.folder, doc)
        if not outcome.reproduced:
            whole = [t.trial.detail for t in outcome.tried if t.items == outcome.original]
            why = (f"the whole schedule did not fail the same way on every replay ({whole[0]})" if whole else
                   f"no candidate failed the same way on every replay ({outcome.stopped or 'none did'})")
            print(f"shrink: {why}: nothing to shrink; report: {page}")
            return
        if outcome.stopped:
            print(f"shrink: stopped: {outcome.stopped}; the smallest failing scenario found so far is kept")
        print(f"shrink: {len(outcome.original)} steps -> {len(outcome.best)} (+ the closing gate) in "
              f"{len(outcome.tried)} trials, {outcome.replays} replays; report: {page}")
        if self.minimal is not None:
            print(f"minimal scenario: {self.minimal}")
            print(f"rerun: {rerun(self.minimal, self.source.start.bugs)}")
