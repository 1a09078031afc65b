#!/usr/bin/env python3
"""Setting up N pages in one scenario: time to the first step, page-to-socket, reconnects.

Runs one scenario (N browser clients, the bundled Kanban target) on a fresh Toxiproxy and
Chromium: expect every page connected, then idle. `--concurrency` sets how many pages open
at once (`harness.stack.PAGE_CONCURRENCY`; 1 is the old one-after-another set-up). Loopback only.
`.venv/bin/python bench/pages.py --pages 20`
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from common import ROOT, pct, result

from harness.plan import RunOptions, make_plan  # noqa: E402
from harness.run import Run  # noqa: E402
from harness.scenario.load import load_scenario  # noqa: E402

SCENARIO = """name: bench-pages-{n}
description: {n} pages connect and stay connected (bench/pages.py)
target: {target}
seed: 1
timeout: 300s
clients: {{browsers: {n}}}
steps:
  - expect: {{state: connected, within: 120s}}
  - idle: {idle}
"""


def measure(events: list[dict]) -> dict:
    """Set-up, page-to-socket and reconnects, from the journal alone."""
    teardown = next(e["t"] for e in events if e["kind"] == "run.teardown")
    first_step = next((e["t"] for e in events if e["kind"] == "step.start"), teardown)
    opened = {e["client"]: e["t"] for e in events if e["kind"] == "client.open" and e.get("client_kind") == "browser"}
    sockets: dict[str, list[float]] = {}
    for e in events:
        if e["kind"] == "ws.open" and e["client"] in opened and e["t"] <= teardown:
            sockets.setdefault(e["client"], []).append(e["t"])
    to_socket = [sockets[c][0] - t for c, t in opened.items() if c in sockets]
    return {"setup_s": first_step, "page_to_socket_p50_s": pct(to_socket, 50),
            "page_to_socket_p95_s": pct(to_socket, 95), "connected": len(sockets),
            "reconnects": sum(len(v) - 1 for v in sockets.values()),
            "teardown_s": events[-1]["t"] - teardown}


def plan_for(args) -> tuple:
    """The scenario's plan, made before the event loop runs (target validation is synchronous)."""
    tmp = Path(tempfile.mkdtemp(prefix="wschaos-bench-"))
    path = tmp / f"bench-pages-{args.pages}.yaml"
    path.write_text(SCENARIO.format(n=args.pages, idle=args.idle, target=ROOT / "targets" / "kanban.yaml"))
    options = RunOptions(report_dir=tmp, artifacts=args.artifacts)
    return options, make_plan(load_scenario(path), options)


async def main(args, options, plan) -> None:
    import harness.stack as stack
    if hasattr(stack, "PAGE_CONCURRENCY"):  # an old checkout opens pages one after another
        stack.PAGE_CONCURRENCY = args.concurrency
    async with Run(options, run_id="bench-pages") as run:
        t0 = time.perf_counter()
        outcome = await run.scenario(plan)
        wall = time.perf_counter() - t0
    m = measure(outcome.events)
    print(f"{args.pages} pages, {args.concurrency} at a time: outcome {outcome.outcome}  set-up {m['setup_s']:.1f}s  "
          f"page-to-socket p50 {m['page_to_socket_p50_s']:.2f}s p95 {m['page_to_socket_p95_s']:.2f}s  "
          f"connected {m['connected']}/{args.pages}  reconnects {m['reconnects']}  teardown {m['teardown_s']:.1f}s  "
          f"wall {wall:.1f}s")
    result(part="pages", pages=args.pages, concurrency=args.concurrency, outcome=outcome.outcome, wall_s=wall, **m)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--idle", default="30s", help="how long the pages stay connected after set-up (app time)")
    ap.add_argument("--artifacts", default="on-failure", choices=["never", "on-failure", "always"],
                    help="Playwright trace policy, as `wschaos run --artifacts`")
    arguments = ap.parse_args()
    asyncio.run(main(arguments, *plan_for(arguments)))
