"""The path `wschaos run` and `wschaos soak` share once their plans are made: the live progress,
Ctrl-C and SIGTERM handling, the run owner, and the exit code."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import Awaitable, Callable, TypeVar

from harness.errors import EXIT_INTERRUPTED
from harness.plan import Plan, RunOptions
from harness.thresholds import Threshold

T = TypeVar("T")


HARD_STOP_S = 8.0  # after a second Ctrl-C/SIGTERM: how long teardown may still take


async def with_signals(make_coro: Callable[[], Awaitable[T]]) -> T:
    """Ctrl-C and SIGTERM (CI timeouts, `kill`) end the run in order: the running scenario is
    cancelled and torn down, the rest are skipped, the reports are still written. A second
    signal escalates: every process the run started is killed at once, teardown gets
    HARD_STOP_S more seconds, then wschaos exits 130 whatever is still pending."""
    import os

    from harness.drivers import reaper

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    received = []

    def hard_exit() -> None:
        print(f"wschaos: teardown did not finish {HARD_STOP_S:g}s after the second interrupt; exiting "
              "(results.json holds what ran)", file=sys.stderr, flush=True)
        reaper.kill_all()
        os._exit(EXIT_INTERRUPTED)

    def on_signal(name: str) -> None:
        received.append(name)
        if len(received) == 1:
            print(f"\nwschaos: {name}: stopping after teardown of the running scenario "
                  "(press Ctrl-C again to stop at once)", file=sys.stderr, flush=True)
        else:
            print(f"\nwschaos: {name} again: killing every process this run started", file=sys.stderr, flush=True)
            reaper.kill_all()
            loop.call_later(HARD_STOP_S, hard_exit)
        if task is not None:
            task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal, sig.name)
    try:
        return await make_coro()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def parse_bugs(text: str) -> tuple[str, ...]:
    """`--bugs a, b` -> (a, b)."""
    return tuple(b.strip() for b in text.split(",") if b.strip())


def run_and_report(plans: list[Plan], options: RunOptions, junit: Path | None, quiet: bool = False, repeat: int = 1,
                   jobs: int = 1, thresholds: list[Threshold] | None = None, run_id: str | None = None) -> int:
    """Run planned scenarios through the run owner, show progress, map the verdict to an exit
    code: the path `run` and `soak` share. `run_id` names the run folder (the soak writes its
    night's files into it first); default: a new one."""
    from harness.progress import Progress
    from harness.infra import find_tools
    from harness.run import run_plans

    find_tools(options.infra)  # a missing tool, or no loopback, fails here, before a run folder exists
    progress = Progress(len(plans) * repeat, live=not quiet and sys.stderr.isatty(), rounds=repeat)
    try:
        result, html = asyncio.run(with_signals(lambda: run_plans(
            plans, options, run_id=run_id, on_event=progress, on_outcome=progress.on_outcome, junit=junit,
            repeat=repeat, jobs=jobs, thresholds=thresholds or ())))
    finally:
        progress.close()
    progress.final(result, html)
    return result.exit_code
