"""A scenario's charts drawn in a worker process while the run goes on.

The timeline and reconnect charts are most of a report's cost (matplotlib: about 0.3 s per
scenario, 5-7 s for the CI suite), and drawing them all after the last scenario made every
run wait that long at its end. `Prerenderer` hands each finished scenario to one worker
process (`python -m harness.report.prerender`), niced so it takes only CPU the scenarios
leave idle, and the report picks the drawings up at the end
(`html.render_run_html(..., prerendered=...)`).

Exactly the same function draws in the worker as in the report (`charts_of`), from the same
inputs: the scenario's results entry and its events as the run holds them (pickled to a
file). A drawing is used only if its inputs still match the entry the report renders
(`html.inputs_key`); anything missing, failed or not finished in time is drawn in-process as
before, so the worker can only make a report faster, never different.

The worker is a plain subprocess, not a multiprocessing pool: a pool brings a resource-tracker
process that the run's kill-everything-I-started (second Ctrl-C) would kill and that then
complains on the terminal. The worker is in its own session (Ctrl-C at the terminal is for
wschaos, which ends it), inherits the run's process mark (the watchdog kills it if wschaos
dies), ends by itself when its input closes, and is waited for by `collect`.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Mapping

from harness.journal import Event
from harness.report.document import ScenarioEntry
from harness.report.html import inputs_key, reconnects_of, timeline_of

#: How long the report waits at the end for drawings still in the worker, per scenario left.
WAIT_PER_SCENARIO_S = 10.0
#: The worker's niceness: it draws with CPU the scenarios do not use.
NICENESS = 10

Drawing = Mapping[str, "str | None"]


def charts_of(s: ScenarioEntry, events: list[Event]) -> dict[str, str | None]:
    """The scenario's charts as the report would draw them, with the key of their inputs."""
    return {"key": inputs_key(s), "timeline": timeline_of(s, events), "reconnects": reconnects_of(s, events)}


class Prerenderer:
    """One worker process drawing finished scenarios' charts; `collect` gathers them."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._dir: Path | None = None
        self._jobs: dict[str, Path] = {}   # journal path -> where its drawing will be
        self._broken = False

    def submit(self, s: ScenarioEntry, events: list[Event]) -> None:
        """Start drawing a finished scenario (nothing happens if the worker cannot run)."""
        if self._broken or not events:
            return
        try:
            proc, folder = self._worker()
            job = folder / f"{len(self._jobs)}.pickle"
            with job.open("wb") as fh:
                pickle.dump((s, events), fh, protocol=pickle.HIGHEST_PROTOCOL)
            assert proc.stdin is not None
            proc.stdin.write(job.name.encode() + b"\n")
            proc.stdin.flush()
            self._jobs[str(s.get("journal"))] = job.with_suffix(".json")
        except (OSError, ValueError, pickle.PicklingError):
            self._broken = True  # the report draws in-process

    def _worker(self) -> tuple[subprocess.Popen[bytes], Path]:
        if self._proc is None or self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="wschaos-prerender-"))
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "harness.report.prerender", str(self._dir)],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True)
        return self._proc, self._dir

    def collect(self) -> dict[str, Drawing]:
        """Drawings by journal path, waiting a bounded time for those still being drawn; then
        the worker is gone. Failed or late drawings are left out (drawn in-process)."""
        proc = self._proc
        if proc is not None:
            if proc.stdin is not None:
                try:
                    proc.stdin.close()  # the worker ends after the jobs it has
                except OSError:
                    pass
            left = sum(not p.exists() for p in self._jobs.values())
            try:
                proc.wait(timeout=WAIT_PER_SCENARIO_S * max(left, 1))
            except subprocess.TimeoutExpired:
                pass
        done: dict[str, Drawing] = {}
        for journal, path in self._jobs.items():
            try:
                done[journal] = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
        self.close()
        return done

    def close(self) -> None:
        """Stop the worker and remove its files (idempotent); drawings not collected are dropped."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if proc.stdin is not None:
                try:
                    proc.stdin.close()
                except OSError:
                    pass
        folder, self._dir = self._dir, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _draw(folder: Path, name: str) -> None:
    job = folder / name
    with job.open("rb") as fh:
        s, events = pickle.load(fh)
    drawing = charts_of(s, events)
    tmp = job.with_suffix(".part")
    tmp.write_text(json.dumps(drawing), encoding="utf-8")
    tmp.replace(job.with_suffix(".json"))  # whole or absent, never half-written
    job.unlink()


def main(folder: Path, lines: IO[str]) -> int:
    """The worker: draw each job named on `lines` (files in `folder`) until the input closes."""
    try:
        os.nice(NICENESS)
    except OSError:  # not allowed here: draw at normal priority
        pass
    for line in lines:
        name = line.strip()
        if not name:
            continue
        started = time.monotonic()
        try:
            _draw(folder, name)
        except Exception as exc:  # noqa: BLE001 - that scenario is drawn in-process instead
            print(f"prerender: {name}: {type(exc).__name__}: {exc} ({time.monotonic() - started:.1f}s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.stdin))
