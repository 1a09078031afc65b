"""Lane scheduling (`-j N`): which scenarios run side by side, in what order, and how many lanes
fit the machine. The run owner (`harness.run`) runs each scenario; this module only decides when.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Awaitable, Callable, Sequence, TypeVar

from harness.plan import Plan
from harness.steps.base import walk
from harness.steps.timing import Idle

T = TypeVar("T")

#: Set-up and teardown of a scenario never run before, added to its idle time to guess its length.
SETUP_GUESS_S = 3.0
#: How many earlier runs `past_durations` reads.
PAST_RUNS = 10
#: Protocol clients from which a scenario wants the machine to itself.
LOAD_CLIENTS_ALONE = 20

PastDurations = dict[tuple[str, tuple[str, ...]], float]


async def run_lanes(plans: Sequence[Plan], run_one: Callable[[Plan], Awaitable[T]], jobs: int,
                    report_dir: Path) -> list[T | None]:
    """Run `plans` through `run_one`, `jobs` at a time (those that `runs_alone` afterwards, one
    by one); returns their results in plan order.

    Longest first (as long as the newest earlier run in `report_dir` took, else by the idle time
    it must wait out), so no long scenario starts last and runs on alone while the other lanes
    sit empty; reports keep plan order all the same."""
    results: dict[int, T | None] = {}
    past = past_durations(report_dir) if jobs > 1 else {}
    shared = sorted((p for p in plans if jobs > 1 and not runs_alone(p)), key=lambda p: expected_s(p, past),
                    reverse=True)
    lane = asyncio.Semaphore(max(1, jobs))

    async def one(plan: Plan) -> None:
        async with lane:
            results[id(plan)] = await run_one(plan)

    if shared:
        await asyncio.gather(*(one(p) for p in shared))
    for plan in plans:
        if not any(plan is p for p in shared):
            results[id(plan)] = await run_one(plan)
    return [results.get(id(p)) for p in plans]


def waits_s(plan: Plan) -> float:
    """Real seconds a scenario's `idle` steps wait: the part of its length known before it runs."""
    return sum(plan.time.scaled(n.step.duration) for n in walk(plan.scenario.steps) if isinstance(n.step, Idle))


def expected_s(plan: Plan, past: PastDurations) -> float:
    """How long a scenario should take: its duration in the newest earlier run of it with the
    same seeded bugs, else its idle time plus a typical set-up and teardown."""
    known = past.get((plan.scenario.name, tuple(plan.bugs)))
    return known if known is not None else waits_s(plan) + SETUP_GUESS_S


def past_durations(report_dir: Path, runs: int = PAST_RUNS) -> PastDurations:
    """(scenario, bugs) -> seconds, from the newest `runs` results.json under `report_dir`
    (run folders are named by their start time); unreadable ones are skipped. Scenarios that
    ended early (error, interrupted, skipped) say nothing about their length."""
    found: PastDurations = {}
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


def runs_alone(plan: Plan) -> bool:
    """A scenario that would disturb or be disturbed by neighbours in other lanes: one that
    generates load or drives many clients."""
    sc = plan.scenario
    if len(sc.client_names("protocol")) >= LOAD_CLIENTS_ALONE or len(sc.client_names("browser")) > 4:
        return True
    return any(node.step.registered_name == "load" for node in walk(sc.steps))


def default_jobs(cpus: int | None = None, mem_gib: float | None = None) -> int:
    """Lanes that fit the machine: one per core up to 4, and one per 2 GiB of memory."""
    cpus = cpus or os.cpu_count() or 1
    if mem_gib is None:
        try:
            mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        except (ValueError, OSError):
            mem_gib = 4.0
    return max(1, min(cpus, 4, int(mem_gib // 2)))
