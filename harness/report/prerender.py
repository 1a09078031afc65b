"""A scenario's charts drawn in a worker process while the run goes on.

The timeline and reconnect charts are most of a report's cost (matplotlib: about 0.3 s per
scenario, 5-7 s for the CI suite), and drawing them all after the last scenario made every
run wait that long at its end. `Prerenderer` hands each finished scenario to one worker
process, niced so it takes only CPU the scenarios leave idle, and the report picks the
drawings up at the end (`html.render_run_html(..., prerendered=...)`).

Exactly the same function draws in the worker as in the report (`charts_of`), from the same
inputs: the scenario's results entry and its events. A drawing is used only if its inputs
still match the entry the report renders (`inputs_key`); anything missing, failed or not
finished in time is drawn in-process as before, so the worker can only make a report faster,
never different. The worker is spawned (not forked: the harness has threads), inherits the
run's process mark (the watchdog kills it if wschaos dies) and is shut down with the report.
"""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import os
from typing import Mapping

from harness.journal import Event
from harness.report.document import ScenarioEntry

#: How long the report waits at the end for drawings still in the worker, per scenario left.
WAIT_PER_SCENARIO_S = 10.0
#: The worker's niceness: it draws with CPU the scenarios do not use.
NICENESS = 10


def inputs_key(s: ScenarioEntry) -> str:
    """What a scenario's drawings depend on besides its events (fixed once the scenario ended)."""
    from harness.report.html import anchor, failed_times, key

    return json.dumps([str(s.get("journal")), anchor(key(s)), s.get("screenshots", []), failed_times(s)],
                      sort_keys=True, default=str)


def charts_of(s: ScenarioEntry, events: list[Event]) -> dict[str, str | None]:
    """The scenario's drawn charts as SVG text: what `html` would draw (None: no such chart)."""
    from harness.report import charts, plots
    from harness.report.html import anchor, failed_times, key

    salt = anchor(key(s))
    return {
        "key": inputs_key(s),
        "timeline": plots.timeline_svg(events, s.get("screenshots", []), failed_times(s), salt + "-tl"),
        "reconnects": charts.reconnect_svg(events, salt + "-rc"),
    }


def _worker_start() -> None:
    try:
        os.nice(NICENESS)
    except OSError:  # not allowed here: draw at normal priority
        pass
    import harness.report.plots  # noqa: F401 - matplotlib's import, paid before the first scenario ends


class Prerenderer:
    """One worker process drawing finished scenarios' charts; `collect` gathers them."""

    def __init__(self) -> None:
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._futures: dict[str, concurrent.futures.Future[dict[str, str | None]]] = {}
        self._broken = False

    def submit(self, s: ScenarioEntry, events: list[Event]) -> None:
        """Start drawing a finished scenario (nothing happens if the worker cannot run)."""
        if self._broken or not events:
            return
        try:
            if self._pool is None:
                self._pool = concurrent.futures.ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_start)
            self._futures[str(s.get("journal"))] = self._pool.submit(charts_of, s, events)
        except (OSError, RuntimeError, concurrent.futures.BrokenExecutor):
            self._broken = True  # the report draws in-process

    def collect(self) -> dict[str, Mapping[str, str | None]]:
        """Drawings by journal path, waiting a bounded time for those still being drawn; then
        the worker is shut down. Failed or late drawings are left out (drawn in-process)."""
        pending = [f for f in self._futures.values() if not f.done()]
        if pending:
            concurrent.futures.wait(pending, timeout=WAIT_PER_SCENARIO_S * len(pending))
        done: dict[str, Mapping[str, str | None]] = {}
        for journal, future in self._futures.items():
            if future.done() and not future.cancelled() and future.exception() is None:
                done[journal] = future.result()
        self.close()
        return done

    def close(self) -> None:
        """Stop the worker (idempotent); drawings not collected are dropped."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        busy = any(not f.done() for f in self._futures.values())
        workers = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=not busy, cancel_futures=True)
        for process in workers if busy else ():  # a drawing that overran: do not wait for it
            process.terminate()
            process.join(5)
