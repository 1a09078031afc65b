#!/usr/bin/env python3
"""A 500-client load scenario: set-up, steps and teardown time against the cost of its report.

Runs one scenario (N protocol clients, each through its own proxy, `load` of M pings at a rate) on a
fresh Toxiproxy and Chromium, then renders results.json, junit.xml and index.html from its
journal alone (`wschaos report`'s path) and times that. Loopback only.
`.venv/bin/python bench/load_report.py --clients 500`
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from common import ROOT, result

from harness.plan import RunOptions, make_plan  # noqa: E402
from harness.report import render_from_journal  # noqa: E402
from harness.run import Run  # noqa: E402
from harness.scenario.load import load_scenario  # noqa: E402

SCENARIO = """name: bench-load-{n}
description: {n} protocol clients send {m} pings each at {rate}/s (bench/load_report.py)
target: {target}
seed: 1
time_scale: 1.0
timeout: 300s
clients: {{protocol: {n}}}
steps:
  - load: {{messages: {m}, rate: {rate}, message: ping}}
checks:
  - frames_seen: {{clients: protocol, type: pong, min: {total}}}
"""


def plan_for(args) -> tuple:
    tmp = Path(tempfile.mkdtemp(prefix="wschaos-bench-"))
    path = tmp / f"bench-load-{args.clients}.yaml"
    path.write_text(SCENARIO.format(n=args.clients, m=args.messages, rate=args.rate, total=args.clients * args.messages,
                                    target=ROOT / "targets" / "kanban.yaml"))
    options = RunOptions(report_dir=tmp)
    return tmp, options, make_plan(load_scenario(path), options)


async def main(args, tmp: Path, options, plan) -> None:
    async with Run(options, run_id="bench-load") as run:
        outcome = await run.scenario(plan)
    events = outcome.events
    first_step = next(e["t"] for e in events if e["kind"] == "step.start")
    teardown = next(e["t"] for e in events if e["kind"] == "run.teardown")
    summary = next((e for e in events if e["kind"] == "load.summary"), {})
    journal = outcome.dir / "journal.jsonl"
    t0 = time.perf_counter()
    render_from_journal(journal, tmp / "report")
    report_s = time.perf_counter() - t0
    m = {"outcome": outcome.outcome, "setup_s": first_step, "steps_s": teardown - first_step,
         "teardown_s": events[-1]["t"] - teardown, "report_s": report_s, "events": len(events),
         "journal_mb": journal.stat().st_size / 1e6, "sent": summary.get("sent"), "acked": summary.get("acked"),
         "failed_connects": summary.get("failed_connects"), "errors": summary.get("errors")}
    print(f"{args.clients} clients x {args.messages} pings at {args.rate:g}/s: outcome {m['outcome']}  set-up {m['setup_s']:.1f}s  "
          f"steps {m['steps_s']:.1f}s  teardown {m['teardown_s']:.1f}s  report {report_s:.2f}s "
          f"= {report_s / m['steps_s']:.0%} of the steps  "
          f"({m['events']} events, {m['journal_mb']:.1f} MB)  acked {m['acked']}/{m['sent']}")
    result(part="report", clients=args.clients, messages=args.messages, rate=args.rate, **m)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=500)
    ap.add_argument("--messages", type=int, default=4)
    ap.add_argument("--rate", type=float, default=5.0, help="pings per second per client")
    arguments = ap.parse_args()
    asyncio.run(main(arguments, *plan_for(arguments)))
