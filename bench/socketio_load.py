#!/usr/bin/env python3
"""A protocol-level load of N Socket.IO clients with acks on the Socket.IO example, judged by the
same checks as any scenario.

Writes a scenario for the bundled example target (examples/socketio/targets/socketio.yaml): N
protocol clients (python-socketio's asyncio client: polling handshake, then the upgrade, each
through its own Toxiproxy proxy) each emit M notes at R per second with an ack; then
`delivered_exactly_once` reads the server's ledger and `frames_seen` counts the acks. Runs it with
`wschaos run` and prints the set-up time, the load's totals and the checks. Loopback only.

    .venv/bin/python bench/socketio_load.py --clients 1000 --messages 5 --rate 5
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "examples/socketio/targets/socketio.yaml"

SCENARIO = """name: socketio-load-{clients}
target: {target}
seed: 1
time_scale: 1
timeout: 15m
clients: {{protocol: {clients}}}
steps:
  - load: {{messages: {messages}, rate: {rate}, message: note, ack_within: 30s}}
checks:
  - delivered_exactly_once: {{}}
  - frames_seen: {{type: ack, dir: received, min: {total}}}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--keep", help="write the run's report here (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.keep:
            tmp = args.keep
            Path(tmp).mkdir(parents=True, exist_ok=True)
        scenario = Path(tmp) / "load.yaml"
        scenario.write_text(SCENARIO.format(clients=args.clients, messages=args.messages, rate=args.rate,
                                            total=args.clients * args.messages, target=TARGET))
        started = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "harness.cli", "run", str(scenario), "--report", f"{tmp}/r"],
                              cwd=ROOT, capture_output=True, text=True, timeout=1200)
        wall = time.monotonic() - started
        (run_dir,) = [p for p in Path(f"{tmp}/r").iterdir() if p.is_dir()]
        doc = json.loads((run_dir / "results.json").read_text())
        journal = [json.loads(line) for line in next(run_dir.rglob("journal.jsonl")).read_text().splitlines()]
    by_kind = {e["kind"]: e for e in journal}
    sent = {e["id"]: e["t"] for e in journal if e["kind"] == "ws.frame" and e["dir"] == "sent"}
    latency = sorted(e["t"] - sent[e["id"]] for e in journal
                     if e["kind"] == "ws.frame" and e["dir"] == "received" and e.get("type") == "ack" and e["id"] in sent)
    summary = by_kind.get("load.summary", {})
    step = next((e for e in journal if e["kind"] == "step.start"), {"t": 0.0})
    opened = sum(1 for e in journal if e["kind"] == "ws.open")
    print(f"{args.clients} Socket.IO clients x {args.messages} notes at {args.rate}/s: exit {proc.returncode}, "
          f"outcome {doc['scenarios'][0]['outcome']}, wall {wall:.1f}s")
    print(f"set-up (processes, {args.clients} proxies, {opened} sessions opened): {step['t']:.1f}s")
    print(f"load: sent {summary.get('sent')}, acked {summary.get('acked')}, errors {summary.get('errors')}, "
          f"failed connects {summary.get('failed_connects')}, {summary.get('duration_s')}s")
    if latency:
        pick = lambda q: latency[min(len(latency) - 1, int(q * len(latency)))] * 1000  # noqa: E731
        print(f"ack latency (journal): p50 {pick(0.5):.0f} ms, p95 {pick(0.95):.0f} ms, max {latency[-1] * 1000:.0f} ms")
    for check in doc["scenarios"][0]["checks"]:
        print(f"check {check['name']}: {check['status']}: {check['summary']}")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
