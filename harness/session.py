"""A whole `wschaos run`: shared infrastructure, every scenario in turn, then the reports."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from harness import tools
from harness.drivers.browser import BrowserSession
from harness.drivers.toxiproxy import ToxiproxyServer
from harness.journal import Journal, read_journal
from harness.plan import Plan, RunOptions
from harness.runner import ScenarioOutcome, Shared, run_scenario, versions


@dataclass
class RunResult:
    """Every scenario outcome of one run and where its reports are."""

    run_id: str
    run_dir: Path
    outcomes: list[ScenarioOutcome] = field(default_factory=list)
    interrupted: bool = False

    @property
    def passed(self) -> bool:
        return bool(self.outcomes) and all(o.outcome == "passed" for o in self.outcomes)


def new_run_id(now: Optional[dt.datetime] = None) -> str:
    now = now or dt.datetime.now()
    return now.strftime("%Y%m%d-%H%M%S-") + f"{random.randrange(16**4):04x}"


async def run_plans(plans: list[Plan], options: RunOptions, run_id: str | None = None,
                    on_event: Callable[[dict], None] | None = None,
                    on_outcome: Callable[[ScenarioOutcome], None] | None = None) -> RunResult:
    """Run plans one after another on one Toxiproxy and one browser; always writes what it has."""
    run_id = run_id or new_run_id()
    run_dir = options.report_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    result = RunResult(run_id, run_dir)
    infra = Journal(run_dir / "infra.jsonl")
    try:
        await _run_all(plans, options, run_dir, run_id, infra, result, on_event, on_outcome)
    except asyncio.CancelledError:  # Ctrl-C: teardown already ran; report what we have
        result.interrupted = True
    finally:
        infra.close()
    return result


async def _run_all(plans, options, run_dir, run_id, infra, result, on_event, on_outcome) -> None:
    async with AsyncExitStack() as stack:
        shared = await open_shared(stack, infra, headed=options.headed)
        for plan in plans:
            try:
                outcome = await run_scenario(plan, shared, run_dir, run_id, on_event)
            except asyncio.CancelledError:  # Ctrl-C: its teardown ran; the report must still show it
                _add_outcome(result, interrupted_outcome(plan, run_dir), on_outcome)
                raise
            _add_outcome(result, outcome, on_outcome)
            await _verify_toxiproxy(shared, infra)


def _add_outcome(result: RunResult, outcome: ScenarioOutcome, on_outcome) -> None:
    result.outcomes.append(outcome)
    if on_outcome:
        on_outcome(outcome)


def interrupted_outcome(plan: Plan, run_dir: Path) -> ScenarioOutcome:
    """The outcome of a scenario cancelled by Ctrl-C, read back from its finished journal."""
    sdir = run_dir / "scenarios" / plan.scenario.name
    journal = sdir / "journal.jsonl"
    events = read_journal(journal) if journal.exists() else []
    duration_s = events[-1]["t"] - events[0]["t"] if events else 0.0
    return ScenarioOutcome(plan, "interrupted", "interrupted", [], events, sdir, duration_s)


async def open_shared(stack: AsyncExitStack, journal: Journal, headed: bool = False) -> Shared:
    """Start the one Toxiproxy and the one browser a run shares."""
    toxiproxy = ToxiproxyServer(tools.find_toxiproxy(), journal)
    stack.push_async_callback(toxiproxy.stop)
    await toxiproxy.start()
    browser = BrowserSession(tools.find_chromium(), headless=not headed, journal=journal)
    stack.push_async_callback(browser.close)
    await browser.start()
    return Shared(toxiproxy, browser, versions())


async def _verify_toxiproxy(shared: Shared, journal: Journal) -> None:
    toxics, disabled = await shared.toxiproxy.verify_clean(journal)
    if toxics or disabled:
        await shared.toxiproxy.reset()
