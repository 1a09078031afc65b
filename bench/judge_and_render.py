#!/usr/bin/env python3
"""How fast the pure parts are: journal writing, judging every check, rendering the report.

Builds a synthetic journal of N events shaped like a long soak (probes, frames, faults, a
ledger) and times each pure stage. `.venv/bin/python bench/judge_and_render.py --events 200000`
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import harness.checks  # noqa: E402,F401
from harness.checks.base import checks, judge_all  # noqa: E402
from harness.journal import Journal, read_journal  # noqa: E402
from harness.report import run_document, scenario_entry, render_run_html  # noqa: E402


def synthetic(journal: Journal, n: int, rng: random.Random) -> None:
    journal.record("run.start", scenario="soak", seed=1, time_scale=1.0, min_wait_s=5.0, bugs=[],
                   clients=[{"name": f"b{i}", "kind": "browser", "groups": []} for i in range(4)],
                   target="kanban", rerun="wschaos run soak.yaml --seed 1", versions={})
    states = ["connected", "reconnecting"]
    for i in range(n):
        c = f"b{i % 4}"
        r = rng.random()
        if r < 0.4:
            journal.record("ws.frame", client=c, socket="s1", dir="sent", type="ping", id=f"p{i}",
                           data={"type": "ping", "id": f"p{i}", "source": "heartbeat"})
        elif r < 0.8:
            journal.record("ws.frame", client=c, socket="s1", dir="received", type="pong", id=f"p{i - 1}",
                           data={"type": "pong", "id": f"p{i - 1}"})
        elif r < 0.98:
            journal.record("probe", client=c, values={"state": states[(i // 997) % 2], "queue_length": 0,
                                                      "health": "HEALTHY", "alerts": 0})
        else:
            journal.record("action", client=c, action="add_ticket", key=f"ticket:{i}", message_id=f"m{i}")
    journal.record("server.ledger", entries=[{"key": f"ticket:{i}", "seq": i} for i in range(n)])
    journal.record("run.teardown")
    journal.record("run.end", outcome="passed")


def main(args) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="wschaos-bench-"))
    t0 = time.perf_counter()
    with Journal(tmp / "journal.jsonl") as journal:
        synthetic(journal, args.events, random.Random(1))
    write_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    events = read_journal(tmp / "journal.jsonl")
    read_s = time.perf_counter() - t0
    selected = [checks.get(n)() for n in ("reconnected", "no_page_errors", "close_codes", "delivered_exactly_once")]
    t0 = time.perf_counter()
    results = judge_all(events, selected)
    judge_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    doc = run_document([scenario_entry(events, results, ".")], {"run_id": "bench", "started_at": "", "duration_s": 0})
    html = render_run_html(doc, {"soak": events})
    render_s = time.perf_counter() - t0
    size = (tmp / "journal.jsonl").stat().st_size
    print(f"events {len(events)}  journal {size / 1e6:.1f} MB")
    print(f"write  {write_s:6.2f}s  ({len(events) / write_s:,.0f} events/s, flushed per event)")
    print(f"read   {read_s:6.2f}s")
    print(f"judge  {judge_s:6.2f}s  (4 checks)")
    print(f"render {render_s:6.2f}s  (index.html {len(html) / 1e6:.2f} MB)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=200_000)
    main(ap.parse_args())
