"""Judging a scenario's checks: in-process, or for a streamed journal in a worker process.

    results = await judge_journal(journal, checks)

A journal held in memory is judged where it is (`checks.base.judge_all`). A streamed journal
(a soak's: its traffic is on disk only, `harness.journal`) is judged from its file by a worker
(`python -m harness.judging JOB`): the worker reads every event back, judges the same checks
with the same code, and computes the scenario's numbers (`metrics.scenario_metrics`), which the
journal then records as a `metrics` event for results.json and the reports, with what the
judging took (`judged`: where, how many events, how long, the worker's peak memory). The night's events
are read into the worker's memory, not the run's, which stays flat however long the soak ran.
If the worker cannot run, the journal is read back and judged in-process: the verdict is the
same, only the memory is not spared.

The worker is a plain subprocess in its own session, like the report's prerender worker (a
multiprocessing pool would bring a resource tracker the run's kill-everything would kill).
"""

from __future__ import annotations

import asyncio
import pickle
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from harness.checks.base import Check, CheckResult, judge_all
from harness.events import JSONObject
from harness.journal import Journal, read_journal
from harness.metrics import scenario_metrics

#: The longest the worker may take: a week-long soak's journal is a few GB to read and judge.
WORKER_TIMEOUT_S = 1800.0


async def judge_journal(journal: Journal, checks: Sequence[Check]) -> list[CheckResult]:
    """Judge `checks` over everything the journal recorded so far (see the module docstring)."""
    if not journal.streamed or journal.path is None:
        return judge_all(journal.events, list(checks))
    journal.flush()
    judged = await _in_worker(journal.path, list(checks))
    if judged is None:
        started = time.monotonic()
        events = journal.read_all()
        judged = (judge_all(events, list(checks)), dict(scenario_metrics(events)),
                  {"where": "in-process", "events": len(events), "seconds": round(time.monotonic() - started, 2)})
        del events
    results, metrics, work = judged
    journal.record("metrics", values=metrics, judged=work)
    return results


async def _in_worker(path: Path, checks: list[Check]) -> tuple[list[CheckResult], JSONObject, JSONObject] | None:
    """(results, metrics, what the judging took) from a worker process; None if it could not run."""
    folder = Path(tempfile.mkdtemp(prefix="wschaos-judge-"))
    try:
        job = folder / "job.pickle"
        with job.open("wb") as fh:
            pickle.dump((str(path), checks), fh, protocol=pickle.HIGHEST_PROTOCOL)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "harness.judging", str(job), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        try:
            async with asyncio.timeout(WORKER_TIMEOUT_S):
                _, err = await proc.communicate()
        except BaseException as exc:  # timed out, or cancelled (Ctrl-C): the worker goes first
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            if isinstance(exc, TimeoutError):
                return None
            raise
        if proc.returncode != 0:
            print(f"wschaos: judging in a worker failed ({err.decode(errors='replace').strip()[-500:]}); "
                  "judging in-process", file=sys.stderr)
            return None
        with (folder / "result.pickle").open("rb") as fh:
            results, metrics, work = pickle.load(fh)
        return list(results), dict(metrics), dict(work)
    except (OSError, pickle.PickleError, EOFError):
        return None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(job: Path) -> int:
    """The worker: judge the job's checks over its journal file, write (results, metrics)."""
    import harness.checks  # noqa: F401  (registers every check: unpickling finds their classes)

    started = time.monotonic()
    with job.open("rb") as fh:
        path, checks = pickle.load(fh)
    events = read_journal(Path(path))
    results, metrics = judge_all(events, checks), dict(scenario_metrics(events))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    work = {"where": "worker", "events": len(events), "seconds": round(time.monotonic() - started, 2),
            "rss_kb": peak_kb}
    judged = (results, metrics, work)
    part = job.with_name("result.part")
    with part.open("wb") as fh:
        pickle.dump(judged, fh, protocol=pickle.HIGHEST_PROTOCOL)
    part.replace(job.with_name("result.pickle"))  # whole or absent
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
