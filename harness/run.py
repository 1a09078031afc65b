"""The run owner: the one way any front door (CLI, pytest plugin, matrix, soak, benchmarks,
tests) runs scenarios.

    async with Run(options, plans) as run:       # Toxiproxy + Chromium, watchdog, run folder
        outcome = await run.scenario(plan)       # one scenario, its invariants, its verdict
    result = run.result                          # every outcome, the run's verdict, exit code
    run.write_reports(junit=...)                 # results.json, junit.xml, index.html

or all at once: `result = await run_plans(plans, options)`. A `Run` owns the shared
infrastructure and checks after every scenario that Toxiproxy holds nothing of it and that no
process it started is alive; a scenario that leaves either behind is an error. Outcomes are
decided by `harness.verdict` only. `results.json` is rewritten after every scenario (the running
one listed as interrupted, the rest as skipped), so even a SIGKILLed run leaves a readable one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import shutil
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Optional, Sequence, cast

from harness import tools
from harness.drivers import reaper
from harness.drivers.browser import BrowserSession
from harness.drivers.toxiproxy import ToxiproxyServer
from harness.drivers.watchdog import Watchdog, reap_orphans
from harness.events import JSONObject
from harness.journal import Event, Journal
from harness.plan import Plan, RunOptions
from harness.runner import ScenarioOutcome, Shared, execute_scenario, versions
from harness import thresholds as limits, verdict
from harness.thresholds import Threshold, ThresholdResult

if TYPE_CHECKING:
    from harness.report.document import RunDocument, ScenarioEntry
    from harness.report.prerender import Prerenderer

OutcomeListener = Callable[[ScenarioOutcome], None]


@dataclass
class RunResult:
    """Every scenario outcome of one run, what never ran, and where the reports are."""

    run_id: str
    run_dir: Path
    outcomes: list[ScenarioOutcome] = field(default_factory=list)
    skipped: list[tuple[Plan, str]] = field(default_factory=list)   # (plan, why it never ran)
    interrupted: bool = False
    infra_error: Optional[str] = None
    started_at: dt.datetime = field(default_factory=dt.datetime.now)
    duration_s: float = 0.0
    thresholds: list[ThresholdResult] = field(default_factory=list)   # run-level, judged at the end

    @property
    def outcome(self) -> str:
        """The run's verdict (harness.verdict decides)."""
        named = [o.outcome for o in self.outcomes] + (["error"] if self.infra_error else [])
        return verdict.run_outcome(named, self.interrupted, any(not t.passed for t in self.thresholds))

    @property
    def exit_code(self) -> int:
        return verdict.exit_code(self.outcome)

    @property
    def flaky(self) -> dict[str, list[str]]:
        """Scenarios whose repeated runs (`--repeat`) disagreed, with every verdict."""
        return verdict.flaky((o.name, o.outcome) for o in self.outcomes)

    @property
    def passed(self) -> bool:
        return bool(self.outcomes) and self.outcome == "passed"


def new_run_id(now: Optional[dt.datetime] = None) -> str:
    now = now or dt.datetime.now()
    return now.strftime("%Y%m%d-%H%M%S-") + f"{random.randrange(16**4):04x}"


class Run:
    """One run: shared infrastructure, scenarios one at a time, invariants, verdicts, reports."""

    def __init__(self, options: RunOptions, plans: Sequence[Plan] = (), *, run_id: str | None = None,
                 run_dir: Path | None = None, on_event: Callable[[Event], None] | None = None,
                 on_outcome: OutcomeListener | None = None, thresholds: Sequence[Threshold] = (),
                 prerender: bool = False) -> None:
        """`prerender`: draw each finished scenario's charts in a worker process while the run
        goes on (`harness.report.prerender`), for a `write_reports` at the end."""
        self.options = options
        self.thresholds = tuple(thresholds)   # run-level: over the run's pooled metrics
        self.planned = list(plans)
        run_id = run_id or new_run_id()
        self.result = RunResult(run_id, run_dir or options.report_dir / run_id)
        self.on_event, self.on_outcome = on_event, on_outcome
        self.stopping = False          # set on interrupt: no further scenario starts
        self.shared: Shared | None = None
        self._stack = AsyncExitStack()
        self._infra: Journal | None = None
        self._t0 = time.monotonic()
        self._docs: dict[int, JSONObject] = {}   # id(outcome) -> its results.json entry
        self._running: list[Plan] = []     # more than one with lanes (-j)
        self._closed = False
        self._prerender: Prerenderer | None = None
        self._drawings: dict[str, Mapping[str, str | None]] | None = None
        if prerender:
            from harness.report.prerender import Prerenderer

            self._prerender = Prerenderer()

    @property
    def run_dir(self) -> Path:
        return self.result.run_dir

    async def __aenter__(self) -> "Run":
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def open(self) -> "Run":
        """Start Toxiproxy and Chromium (a missing tool fails before anything else starts)."""
        tools.find_toxiproxy()
        tools.find_chromium()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._infra = Journal(self.run_dir / "infra.jsonl")
        self._stack.callback(self._infra.close)
        left = reap_orphans()
        if left:
            self._infra.record("harness.reaped", processes=len(left), marks=sorted(set(left.values())))
        watchdog = Watchdog(self.result.run_id).start()
        self._stack.callback(watchdog.close)
        self._write_progress()
        try:
            self.shared = await open_shared(self._stack, self._infra, headed=self.options.headed)
        except BaseException:
            await self.close()
            raise
        return self

    async def scenario(self, plan: Plan, subdir: str | Path | None = None) -> ScenarioOutcome | None:
        """Run one scenario to its verdict; None (and listed as skipped) when it cannot start.

        `subdir` (relative to the run folder, or absolute) keeps runs of the same scenario apart."""
        why = self._cannot_start()
        if why:
            self.skip(plan, why)
            return None
        run_dir = self.run_dir / subdir if subdir else self.run_dir
        self._running.append(plan)
        self._write_progress()
        try:
            assert self.shared is not None
            outcome = await execute_scenario(plan, self.shared, run_dir, self.result.run_id, self._listener(plan))
        except asyncio.CancelledError:
            self.stopping = self.result.interrupted = True
            self._add(self._interrupted(plan, run_dir))
            raise
        finally:
            self._running = [r for r in self._running if r is not plan]
        outcome = await self._invariants(outcome)
        outcome = self._judge_thresholds(outcome)
        self._add(outcome)
        return outcome

    def _listener(self, plan: Plan) -> Callable[[Event], None] | None:
        """The scenario's journal listener: one of its own when the listener tells lanes apart
        (`lane(name)`, as the CLI's progress display does), so scenarios side by side keep apart."""
        lane = getattr(self.on_event, "lane", None)
        return lane(plan.scenario.name) if callable(lane) else self.on_event

    def skip(self, plan: Plan, why: str) -> None:
        """List a scenario that never ran (shown as skipped in every report)."""
        self.result.skipped.append((plan, why))
        self._write_progress()

    def interrupt(self) -> None:
        """No scenario starts after this; the running one is cancelled by the caller."""
        self.stopping = self.result.interrupted = True

    async def close(self) -> None:
        """Tear down the shared infrastructure (reverse order); idempotent."""
        if self._closed:
            return
        self._closed = True
        self.result.duration_s = time.monotonic() - self._t0
        if self._prerender is not None:
            # Before the watchdog's end-of-run sweep, which would kill the worker with the rest.
            self._drawings = await asyncio.to_thread(self._prerender.collect)
        await self._stack.aclose()

    def write_reports(self, junit: Path | None = None) -> Path:
        """results.json, junit.xml and index.html from the outcomes in memory; reports/index.html."""
        from harness.report import render_run, update_index, write_results

        for plan in self.planned:
            if not self._accounted(plan):
                self.result.skipped.append((plan, "the run ended before it started"))
        self.result.duration_s = time.monotonic() - self._t0
        doc = self._results_doc(final=True)
        write_results(self.run_dir / "results.json", doc)
        events = {entry["journal"]: o.events for o in self.result.outcomes
                  if (entry := self._docs.get(id(o))) is not None}
        drawn = self._drawings
        if drawn is None and self._prerender is not None:
            drawn = self._prerender.collect()
        html = render_run(self.run_dir, cast("RunDocument", doc), events, drawn)
        prune_artifacts(self.result, self.options.artifacts)
        update_index(self.run_dir.parent)
        if junit is not None:
            junit.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.run_dir / "junit.xml", junit)
        return html

    # -- internals --------------------------------------------------------------------------

    def _cannot_start(self) -> str | None:
        if self.stopping:
            return "the run was interrupted before it started"
        if self.result.infra_error:
            return f"shared infrastructure failed earlier: {self.result.infra_error}"
        if self.shared is None:
            return "the run is not open"
        broken = self.shared.broken()
        if broken:
            self.result.infra_error = broken
            self._infra_note(broken)
            return f"shared infrastructure failed: {broken}"
        return None

    async def _invariants(self, outcome: ScenarioOutcome) -> ScenarioOutcome:
        """Toxiproxy holds nothing of the scenario and no process it started is alive.

        Scoped to what the scenario's own journal says it created (its proc.start pids, its
        proxy.create names), so scenarios running side by side in lanes never blame each other."""
        if outcome.outcome == "interrupted" or self.shared is None:
            return outcome
        problems = self._leaked_processes(outcome.events)
        if not self.shared.broken():
            try:
                problems += await self._leaked_proxies(outcome.events)
            except Exception as exc:  # noqa: BLE001 - a dead Toxiproxy is reported by broken() next time
                problems.append(f"could not verify Toxiproxy after the scenario: {exc}")
        if not problems:
            return outcome
        error = "; ".join(filter(None, [outcome.error, *problems]))
        decided = verdict.scenario_outcome(outcome.events, outcome.checks, "error")
        _append_events(outcome, [{"kind": "harness.error", "error": p} for p in problems]
                       + [{"kind": "run.end", "outcome": decided.outcome, "error": error, "reasons": []}])
        return replace(outcome, outcome=decided.outcome, error=error)

    @staticmethod
    def _judge_thresholds(outcome: ScenarioOutcome) -> ScenarioOutcome:
        """The scenario's own `thresholds:` over its metrics, judged like checks (named `threshold`)
        and recorded in its journal; one that does not hold fails the scenario."""
        from harness.report.results import scenario_metrics

        wanted = outcome.plan.scenario.thresholds
        if not wanted or outcome.outcome in ("error", "interrupted"):
            return outcome
        results = [r.as_check() for r in limits.judge(wanted, scenario_metrics(outcome.events))]
        checks = list(outcome.checks) + results
        decided = verdict.scenario_outcome(outcome.events, checks, "failed" if outcome.outcome == "failed" else None)
        _append_events(outcome, [{"kind": "check", **r.to_dict()} for r in results]
                       + [{"kind": "run.end", "outcome": decided.outcome, "error": outcome.error,
                           "reasons": list(decided.reasons)}])
        return replace(outcome, outcome=decided.outcome, checks=checks, reasons=decided.reasons)

    @staticmethod
    def _leaked_processes(events: list[Event]) -> list[str]:
        started = {e.get("pid"): e.get("name") for e in events if e.get("kind") == "proc.start"}
        problems = []
        for pgid, name in reaper.live_groups().items():
            if pgid in started:
                reaper.kill_group(pgid, 9)
                reaper.unregister(pgid)
                problems.append(f"process {name!r} (pid {pgid}) was still alive after teardown; killed it")
        return problems

    async def _leaked_proxies(self, events: list[Event]) -> list[str]:
        assert self.shared is not None
        mine = {e.get("proxy") for e in events if e.get("kind") == "proxy.create"}
        left = {name: p for name, p in (await self.shared.toxiproxy.proxies()).items() if name in mine}
        if not left:
            return []
        toxics = sum(len(p.get("toxics") or []) for p in left.values())
        disabled = sum(1 for p in left.values() if not p.get("enabled", True))
        await self.shared.toxiproxy.delete_proxies(sorted(left))
        return [f"Toxiproxy still held {len(left)} proxy(ies) of this scenario after teardown ({toxics} toxic(s), "
                f"{disabled} disabled): a fault was not reverted or a proxy not deleted (deleted them now)"]

    def _add(self, outcome: ScenarioOutcome) -> None:
        self.result.outcomes.append(outcome)
        self._write_progress()
        entry = self._docs.get(id(outcome))
        if self._prerender is not None and entry is not None:
            self._prerender.submit(cast("ScenarioEntry", entry), outcome.events)
        if self.on_outcome:
            self.on_outcome(outcome)

    def _interrupted(self, plan: Plan, run_dir: Path) -> ScenarioOutcome:
        from harness.journal import read_journal

        sdir = run_dir / "scenarios" / plan.scenario.name
        journal = sdir / "journal.jsonl"
        events = read_journal(journal) if journal.exists() else []
        duration_s = events[-1]["t"] - events[0]["t"] if events else 0.0
        return ScenarioOutcome(plan, "interrupted", "interrupted", [], events, sdir, duration_s)

    def _infra_note(self, text: str) -> None:
        if self._infra is not None:
            self._infra.record("harness.error", error=text)

    def _order(self, outcome: ScenarioOutcome) -> int:
        """Plan order, so lanes finishing out of order still report in a stable order."""
        return next((i for i, p in enumerate(self.planned) if p is outcome.plan), len(self.planned))

    def _accounted(self, plan: Plan) -> bool:
        return any(o.plan is plan for o in self.result.outcomes) or any(p is plan for p, _ in self.result.skipped)

    def _write_progress(self) -> None:
        """results.json as things stand, so a killed run still leaves a readable one."""
        from harness.report import write_results

        try:
            write_results(self.run_dir / "results.json", self._results_doc(final=False))
        except OSError as exc:
            self._infra_note(f"could not write results.json: {exc}")

    def _seed(self) -> int | None:
        """The run's seed: `--seed`, else the one seed every scenario ran with, else None (per scenario)."""
        if self.options.seed is not None:
            return self.options.seed
        seeds = {p.seed for p in self.planned} or {o.plan.seed for o in self.result.outcomes}
        return seeds.pop() if len(seeds) == 1 else None

    def _results_doc(self, final: bool) -> JSONObject:
        from harness.report import build_run_result, build_scenario_result

        entries = []
        for o in sorted(self.result.outcomes, key=self._order):
            if id(o) not in self._docs:
                rel = o.dir.relative_to(self.run_dir).as_posix() if o.dir.is_relative_to(self.run_dir) else str(o.dir)
                self._docs[id(o)] = build_scenario_result(o.events, o.checks, rel)
            entries.append(self._docs[id(o)])
        entries += [not_run_entry(p, "interrupted", "the run ended while it was running") for p in self._running]
        entries += [not_run_entry(p, "skipped", why) for p, why in self.result.skipped]
        if not final:
            entries += [not_run_entry(p, "skipped", "not started yet") for p in self.planned
                        if not self._accounted(p) and all(p is not r for r in self._running)]
        first = self.planned[0] if self.planned else (self.result.outcomes[0].plan if self.result.outcomes else None)
        outcome = self.result.outcome if final else "interrupted"
        meta = {
            "run_id": self.result.run_id, "started_at": self.result.started_at.isoformat(timespec="seconds"),
            "duration_s": round(self.result.duration_s, 3), "outcome": outcome,
            "target": first.target.name if first else None,
            "seed": self._seed(),
            "bugs": list(self.options.bugs),
            "versions": self.shared.versions if self.shared else {},
            "rerun": "\n".join(o.plan.rerun for o in self.result.outcomes if o.outcome != "passed"),
            "interrupted": self.result.interrupted or not final,
            "infra_error": self.result.infra_error,
            "flaky": self.result.flaky,
        }
        doc = build_run_result(entries, meta)
        if final and self.thresholds:
            self.result.thresholds = limits.judge(self.thresholds, doc["metrics"])
            doc["thresholds"] = [t.to_dict() for t in self.result.thresholds]
            doc["outcome"] = self.result.outcome
        return doc


def not_run_entry(plan: Plan, outcome: str, why: str) -> JSONObject:
    """The results.json entry of a scenario with no journal of its own (skipped, or killed)."""
    sc = plan.scenario
    return {"name": sc.name, "file": sc.file, "description": sc.description, "tags": list(sc.tags),
            "outcome": outcome, "duration_s": 0.0, "seed": plan.seed, "rerun": plan.rerun, "error": why,
            "target": plan.target.name, "bugs": list(plan.bugs), "checks": [], "expectations": [],
            "journal": f"scenarios/{sc.name}/journal.jsonl", "screenshots": [], "traces": [], "metrics": {}}


async def run_plans(plans: Sequence[Plan], options: RunOptions, *, run_id: str | None = None,
                    on_event: Callable[[Event], None] | None = None,
                    on_outcome: OutcomeListener | None = None, junit: Path | None = None,
                    write: bool = True, repeat: int = 1, jobs: int = 1,
                    thresholds: Sequence[Threshold] = ()) -> tuple[RunResult, Path | None]:
    """Run every plan on one Toxiproxy and one browser (the whole list `repeat` times, each
    round in its own `repeat-N/` folder), `jobs` scenarios at a time, then write every report.

    Scenarios that cannot share the machine (see `runs_alone`) run by themselves after the
    others. Reports list scenarios in plan order whatever order they finished in. Returns the
    result and the HTML report's path (None when `write` is False). Cancellation (Ctrl-C,
    SIGTERM) ends the running scenarios through their teardown; those not started are listed
    as skipped, and the reports are still written."""
    rounds = [[replace(p) for p in plans] for _ in range(repeat)]  # distinct plans: each is accounted once
    run = Run(options, [p for r in rounds for p in r], run_id=run_id, on_event=on_event, on_outcome=on_outcome,
              thresholds=thresholds, prerender=write)
    try:
        await run.open()
        for i, round_ in enumerate(rounds):
            await run_lanes(run, round_, f"repeat-{i + 1}" if repeat > 1 else None, jobs)
    except asyncio.CancelledError:
        run.interrupt()
        _uncancel()
    except Exception as exc:  # noqa: BLE001 - shared infrastructure failed: still write what we have
        run.result.infra_error = f"{type(exc).__name__}: {exc}"
    finally:
        try:
            await run.close()
        except asyncio.CancelledError:
            run.interrupt()
            _uncancel()
    html = run.write_reports(junit) if write else None
    return run.result, html


async def run_lanes(run: Run, plans: list[Plan], subdir: str | None, jobs: int) -> list[ScenarioOutcome | None]:
    """Run `plans` on an open Run, `jobs` at a time (those that `runs_alone` afterwards, one by
    one); returns their outcomes in plan order (None for one that could not start)."""
    outcomes: dict[int, ScenarioOutcome | None] = {}
    # Longest first (as long as the last run that ran it took, else by the idle time it must wait
    # out), so no long scenario starts last and runs on alone while the other lanes sit empty;
    # reports keep plan order all the same.
    past = past_durations(run.options.report_dir) if jobs > 1 else {}
    shared = sorted((p for p in plans if jobs > 1 and not runs_alone(p)), key=lambda p: expected_s(p, past),
                    reverse=True)
    lane = asyncio.Semaphore(max(1, jobs))

    async def one(plan: Plan) -> None:
        async with lane:
            outcomes[id(plan)] = await run.scenario(plan, subdir=subdir)

    if shared:
        await asyncio.gather(*(one(p) for p in shared))
    for plan in plans:
        if not any(plan is p for p in shared):
            outcomes[id(plan)] = await run.scenario(plan, subdir=subdir)
    return [outcomes.get(id(p)) for p in plans]


def waits_s(plan: Plan) -> float:
    """Real seconds a scenario's `idle` steps wait: the part of its length known before it runs."""
    from harness.steps.base import walk
    from harness.steps.timing import Idle

    return sum(plan.time.scaled(n.step.duration) for n in walk(plan.scenario.steps) if isinstance(n.step, Idle))


#: Set-up and teardown of a scenario never run before, added to its idle time to guess its length.
SETUP_GUESS_S = 3.0
#: How many earlier runs `past_durations` reads.
PAST_RUNS = 10


def expected_s(plan: Plan, past: dict[tuple[str, tuple[str, ...]], float]) -> float:
    """How long a scenario should take: its duration in the newest earlier run of it with the
    same seeded bugs, else its idle time plus a typical set-up and teardown."""
    known = past.get((plan.scenario.name, tuple(plan.bugs)))
    return known if known is not None else waits_s(plan) + SETUP_GUESS_S


def past_durations(report_dir: Path, runs: int = PAST_RUNS) -> dict[tuple[str, tuple[str, ...]], float]:
    """(scenario, bugs) -> seconds, from the newest `runs` results.json under `report_dir`
    (run folders are named by their start time); unreadable ones are skipped. Scenarios that
    ended early (error, interrupted, skipped) say nothing about their length."""
    import json

    found: dict[tuple[str, tuple[str, ...]], float] = {}
    try:
        folders = sorted((d for d in report_dir.iterdir() if (d / "results.json").is_file()), reverse=True)
    except OSError:
        return found
    for folder in folders[:runs]:
        try:
            doc = json.loads((folder / "results.json").read_text(encoding="utf-8"))
            entries = [e for e in doc.get("scenarios", []) if isinstance(e, dict)]
        except (OSError, ValueError, AttributeError):
            continue
        for e in entries:
            duration = e.get("duration_s")
            if e.get("outcome") in ("passed", "failed", "inconclusive") and isinstance(duration, (int, float)):
                found.setdefault((str(e.get("name")), tuple(str(b) for b in e.get("bugs") or ())), float(duration))
    return found


LOAD_CLIENTS_ALONE = 20  # protocol clients from which a scenario wants the machine to itself


def runs_alone(plan: Plan) -> bool:
    """A scenario that would disturb or be disturbed by neighbours in other lanes: one that says
    so (`exclusive: true`), generates load, or drives many clients."""
    from harness.steps.base import walk

    sc = plan.scenario
    if getattr(sc, "exclusive", False):
        return True
    if len(sc.client_names("protocol")) >= LOAD_CLIENTS_ALONE or len(sc.client_names("browser")) > 4:
        return True
    return any(node.step.registered_name == "load" for node in walk(sc.steps))


def default_jobs(cpus: int | None = None, mem_gib: float | None = None) -> int:
    """Lanes that fit the machine: one per core up to 4, and one per 2 GiB of memory."""
    import os

    cpus = cpus or os.cpu_count() or 1
    if mem_gib is None:
        try:
            mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        except (ValueError, OSError):
            mem_gib = 4.0
    return max(1, min(cpus, 4, int(mem_gib // 2)))


async def open_shared(stack: AsyncExitStack, journal: Journal, headed: bool = False) -> Shared:
    """Start the one Toxiproxy and the one browser a run shares."""
    toxiproxy = ToxiproxyServer(tools.find_toxiproxy(), journal)
    stack.push_async_callback(toxiproxy.stop)
    await toxiproxy.start()
    browser = BrowserSession(tools.find_chromium(), headless=not headed, journal=journal)
    stack.push_async_callback(browser.close)
    await browser.start()
    return Shared(toxiproxy, browser, versions())


def prune_artifacts(result: RunResult, policy: str) -> None:
    """The keep-artifacts policy: after the report is rendered (screenshots are embedded in it),
    drop the traces and ledger copies of scenarios the policy does not keep. Screenshot files
    are small and let `wschaos report` re-render a run, so only `never` drops them."""
    if policy == "always":
        return
    for outcome in result.outcomes:
        if policy == "on-failure" and outcome.outcome != "passed":
            continue
        for name in ("screenshots", "traces") if policy == "never" else ("traces",):
            shutil.rmtree(outcome.dir / name, ignore_errors=True)
        for ledger in outcome.dir.glob("ledger.sqlite3*"):
            ledger.unlink(missing_ok=True)


def _uncancel() -> None:
    """We handled a cancellation (Ctrl-C) ourselves: let later timeouts in teardown work again."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        task.uncancel()


def _append_events(outcome: ScenarioOutcome, extra: list[JSONObject]) -> None:
    """Add events after a scenario's journal closed (an invariant the run owner found broken)."""
    import json

    t = outcome.events[-1]["t"] if outcome.events else 0.0
    path = outcome.dir / "journal.jsonl"
    with path.open("a", encoding="utf-8") as fh:
        for fields in extra:
            event = {"t": t, **fields}
            outcome.events.append(event)
            fh.write(json.dumps(event, default=str, separators=(",", ":")) + "\n")
