"""The run owner: the one way any front door (CLI, pytest plugin, matrix, soak, benchmarks,
tests) runs scenarios.

    async with Run(options, plans) as run:       # Toxiproxy + Chromium, watchdog, run folder
        outcome = await run.scenario(plan)       # one scenario: its journal, audit and verdict
    result = run.result                          # every outcome, the run's verdict, exit code
    run.write_reports(junit=...)                 # index.html, junit.xml, results.json

or all at once: `result = await run_plans(plans, options)`. A `Run` owns the shared
infrastructure and each scenario's journal: the runner executes the steps into it, the run owner
audits what teardown left behind (`harness.audit`) and has the verdict decided and written once
(`harness.conclude`). When Chromium, its driver or Toxiproxy dies, the scenario it broke is an
`error` naming it, and the dead part is started again for the next one. `results.json` is
rewritten after every scenario (the running one listed as interrupted, the rest as skipped), so
even a SIGKILLed run leaves a readable one.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Protocol, Sequence, runtime_checkable

from harness import audit, lanes
from harness.conclude import ScenarioOutcome, StepsEnded, conclude
from harness.drivers.watchdog import Watchdog, reap_orphans
from harness.drivers.toxiproxy_remote import run_prefix
from harness.errors import InvalidInput, ReportError, WschaosError
from harness.events import StrictEvents
from harness.infra import find_tools
from harness.journal import Event, Journal
from harness.plan import Plan, RunOptions
from harness.report import results as docs
from harness.runner import execute_scenario
from harness.shared import Shared, open_shared
from harness.run_record import RunRecord, RunResult, new_run_id, prune_artifacts
from harness.thresholds import Threshold

if TYPE_CHECKING:
    from harness.report.prerender import Prerenderer

OutcomeListener = Callable[[ScenarioOutcome], None]


@runtime_checkable
class LaneListener(Protocol):
    """A journal listener that tells scenarios side by side apart (the CLI's progress display):
    `lane(name)` is scenario `name`'s own listener."""

    def __call__(self, event: Event) -> None: ...

    def lane(self, name: str) -> Callable[[Event], None]: ...


class Run:
    """One run: shared infrastructure, scenarios one at a time or in lanes, verdicts, reports."""

    def __init__(self, options: RunOptions, plans: Sequence[Plan] = (), *, run_id: str | None = None,
                 run_dir: Path | None = None, on_event: Callable[[Event], None] | None = None,
                 on_outcome: OutcomeListener | None = None, thresholds: Sequence[Threshold] = (),
                 prerender: bool = False) -> None:
        """`prerender`: draw each finished scenario's charts in a worker process while the run
        goes on (`harness.report.prerender`), for a `write_reports` at the end."""
        self.options = options
        self.planned = list(plans)
        run_id = run_id or new_run_id()
        self.result = RunResult(run_id, run_dir or options.report_dir / run_id)
        self.record = RunRecord(self.result, self.planned, options, thresholds)  # the results, as they stand
        self.on_event, self.on_outcome = on_event, on_outcome
        self.stopping = False          # set on interrupt: no further scenario starts
        self.shared: Shared | None = None
        self._stack = AsyncExitStack()
        self._infra: Journal | None = None
        self._t0 = time.monotonic()
        self._closed = False
        self._prerender: Prerenderer | None = None
        self._drawings: Mapping[str, Mapping[str, str | None]] | None = None
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
        find_tools(self.options.infra)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._infra = Journal(self.run_dir / "infra.jsonl")
        self._stack.callback(self._infra.close)
        left = reap_orphans()
        if left:
            self._infra.record("harness.reaped", processes=len(left), marks=sorted(set(left.values())))
        url = self.options.infra.toxiproxy_url  # a killed run's proxies there are deleted by the watchdog
        watchdog = Watchdog(self.result.run_id, toxiproxy=(url, run_prefix(self.result.run_id)) if url else None).start()
        self._stack.callback(watchdog.close)
        self._write_progress()
        try:
            self.shared = await open_shared(self._stack, self._infra, headed=self.options.headed,
                                            infra=self.options.infra, run_id=self.result.run_id)
            self.record.versions = self.shared.versions
        except BaseException:
            await self.close()
            raise
        return self

    async def scenario(self, plan: Plan, subdir: str | Path | None = None) -> ScenarioOutcome | None:
        """Run one scenario to its verdict; None (and listed as skipped) when it cannot start.

        `subdir` (relative to the run folder, or absolute) keeps runs of the same scenario apart."""
        why = await self._cannot_start()
        if why:
            self.skip(plan, why)
            return None
        assert self.shared is not None
        sdir = (self.run_dir / subdir if subdir else self.run_dir) / "scenarios" / plan.scenario.name
        journal, strict = self._journal(plan, sdir)
        self.record.running.append(plan)
        self._write_progress()
        try:
            ended = await execute_scenario(plan, self.shared, journal, self.result.run_id)
        except asyncio.CancelledError:
            self.stopping = self.result.interrupted = True
            self._add(conclude(plan, journal, StepsEnded("interrupted", "interrupted"), strict=strict))
            raise
        finally:
            self.record.running = [r for r in self.record.running if r is not plan]
        outcome = conclude(plan, journal, ended, await audit.left_behind(self.shared, journal.events), strict)
        self._add(outcome)
        return outcome

    async def lanes(self, plans: Sequence[Plan], subdir: str | None, jobs: int) -> list[ScenarioOutcome | None]:
        """Run `plans` `jobs` at a time (`harness.lanes` decides the order); outcomes in plan order."""
        return await lanes.run_lanes(plans, lambda p: self.scenario(p, subdir=subdir), jobs, self.options.report_dir)

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
        """index.html and junit.xml from the outcomes in memory, then results.json, then
        reports/index.html. A page that cannot be written (a full disk) makes the run an
        `error` and results.json says so; ReportError if results.json itself cannot be written."""
        from harness.report import render_run, update_index

        for plan in self.planned:
            if not self.record.accounted(plan):
                self.result.skipped.append((plan, "the run ended before it started"))
        self.result.duration_s = time.monotonic() - self._t0
        doc = self.record.final()
        events = {self.record.entry(o)["journal"]: o.events for o in self.result.outcomes}
        drawn = self._drawings
        if drawn is None and self._prerender is not None:
            drawn = self._prerender.collect()
        html = self.run_dir / "index.html"
        try:
            html = render_run(self.run_dir, doc, events, drawn)
            if junit is not None:
                junit.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(self.run_dir / "junit.xml", junit)
        except OSError as exc:
            self.result.infra_error = self.result.infra_error or f"could not write the report: {exc}"
            doc = self.record.final()
        try:
            docs.write_results(self.run_dir / "results.json", doc)
        except OSError as exc:
            raise ReportError(f"could not write {self.run_dir / 'results.json'}: {exc}") from exc
        prune_artifacts(self.result, self.options.artifacts)
        try:
            update_index(self.run_dir.parent)
        except OSError:
            pass  # the run's own report stands; the index of all runs is rebuilt by the next run
        return html

    # -- internals --------------------------------------------------------------------------

    def _journal(self, plan: Plan, sdir: Path) -> tuple[Journal, StrictEvents | None]:
        """The scenario's journal, with the progress listener (one per lane when the listener
        tells lanes apart, as the CLI's display does) and, in strict mode, the event validator."""
        sdir.mkdir(parents=True, exist_ok=True)
        journal = Journal(sdir / "journal.jsonl", streamed=plan.options.streamed)
        listener = (self.on_event.lane(plan.scenario.name) if isinstance(self.on_event, LaneListener)
                    else self.on_event)
        if listener is not None:
            journal.subscribe(listener)
        strict = StrictEvents.from_env()  # WSCHAOS_STRICT_EVENTS=1: each event checked against harness/events.py
        if strict is not None:
            journal.subscribe(strict)
        return journal, strict

    async def _cannot_start(self) -> str | None:
        """Why no scenario can start now; a dead Chromium or Toxiproxy is started again first."""
        if self.stopping:
            return "the run was interrupted before it started"
        if self.result.infra_error:
            return f"shared infrastructure failed earlier: {self.result.infra_error}"
        if self.shared is None or self._infra is None:
            return "the run is not open"
        broken = self.shared.broken()
        if broken is None:
            return None
        self._infra.record("harness.error", error=broken.text())
        try:
            await self.shared.repair(self._infra)
        except (WschaosError, OSError) as exc:
            self.result.infra_error = f"{broken.text()}, and it could not be started again: {exc}"
            self._infra.record("harness.error", error=self.result.infra_error)
            return f"shared infrastructure failed: {self.result.infra_error}"
        return None

    def _add(self, outcome: ScenarioOutcome) -> None:
        self.result.outcomes.append(outcome)
        self._write_progress()
        if self._prerender is not None:
            self._prerender.submit(self.record.entry(outcome), outcome.events)
        if self.on_outcome:
            self.on_outcome(outcome)

    def _write_progress(self) -> None:
        """results.json as things stand, so a killed run still leaves a readable one."""
        try:
            docs.write_results(self.run_dir / "results.json", self.record.document(final=False))
        except OSError as exc:
            if self._infra is not None:
                self._infra.record("harness.error", error=f"could not write results.json: {exc}")


async def run_plans(plans: Sequence[Plan], options: RunOptions, *, run_id: str | None = None,
                    on_event: Callable[[Event], None] | None = None,
                    on_outcome: OutcomeListener | None = None, junit: Path | None = None,
                    write: bool = True, repeat: int = 1, jobs: int = 1,
                    thresholds: Sequence[Threshold] = ()) -> tuple[RunResult, Path | None]:
    """Run every plan on one Toxiproxy and one browser (the whole list `repeat` times, each
    round in its own `repeat-N/` folder), `jobs` scenarios at a time, then write every report.

    Scenarios that cannot share the machine (see `lanes.runs_alone`) run by themselves after the
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
            await run.lanes(round_, f"repeat-{i + 1}" if repeat > 1 else None, jobs)
    except asyncio.CancelledError:
        run.interrupt()
        _uncancel()
    except InvalidInput:
        await run.close()  # an engine elsewhere refused what the run asked of it: exit 2, no report
        raise
    except Exception as exc:  # noqa: BLE001 - shared infrastructure failed: still write what we have
        run.result.infra_error = f"shared infrastructure failed: {type(exc).__name__}: {exc}"
    finally:
        try:
            await run.close()
        except asyncio.CancelledError:
            run.interrupt()
            _uncancel()
    html = run.write_reports(junit) if write else None
    return run.result, html


def _uncancel() -> None:
    """We handled a cancellation (Ctrl-C) ourselves: let later timeouts in teardown work again."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        task.uncancel()
