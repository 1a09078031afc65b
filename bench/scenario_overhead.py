#!/usr/bin/env python3
"""What a scenario costs besides its own steps: shared start-up, then per-scenario set-up/teardown.

Starts one Toxiproxy + Chromium (timed), then runs the shortest bundled scenario N times on
them and prints the wall time per run split into set-up (processes, proxies, pages), steps, and
teardown (from the journal). `.venv/bin/python bench/scenario_overhead.py --runs 10`
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.plan import RunOptions, make_plan  # noqa: E402
from harness.run import Run  # noqa: E402
from harness.scenario.load import load_scenario  # noqa: E402


def phases(events: list[dict]) -> tuple[float, float, float]:
    first_step = next(e["t"] for e in events if e["kind"] == "step.start")
    teardown = next(e["t"] for e in events if e["kind"] == "run.teardown")
    return first_step, teardown - first_step, events[-1]["t"] - teardown


async def main(args) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="wschaos-bench-"))
    plan = make_plan(load_scenario(ROOT / "scenarios" / f"{args.scenario}.yaml"), RunOptions(report_dir=tmp))
    t0 = time.perf_counter()
    async with Run(RunOptions(report_dir=tmp), run_id="bench") as run:
        print(f"shared start-up (toxiproxy-server + Chromium): {time.perf_counter() - t0:.2f}s")
        rows = []
        for i in range(args.runs):
            t0 = time.perf_counter()
            outcome = await run.scenario(plan, subdir=f"run{i}")
            assert outcome.outcome == "passed", outcome.error
            rows.append((time.perf_counter() - t0, *phases(outcome.events)))
    for label, idx in (("wall", 0), ("set-up", 1), ("steps", 2), ("teardown", 3)):
        v = [r[idx] for r in rows]
        print(f"{label:<9} mean {statistics.fmean(v):5.2f}s  min {min(v):5.2f}s  max {max(v):5.2f}s")
    print(f"{args.runs} runs of {args.scenario}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--scenario", default="connects-on-load")
    asyncio.run(main(ap.parse_args()))
