#!/usr/bin/env python3
"""The in-process load generator against Locust (a master and 2 worker processes) on the same workload.

Part `engines`: N connections each send M pings at once and count their pongs, against one server of
bench/servers.py (`ack`: a bare websockets server, so the generator is the bottleneck; `app`: the
reference app's server, the bottleneck itself), no Toxiproxy: only the generators are compared.
Both are timed from the first connection to the last answer (connecting included: Locust connects
each user as it spawns it, so its two phases cannot be told apart); CPU is the generator's own
(in-process: this process; Locust: master and workers, from getrusage of the reaped children);
memory per connection is the resident-set growth from before the first connection to the peak
(Locust: the peak of the sum over its processes, sampled every 0.2 s, less that peak in a run of
one user, so the interpreters and Locust itself are not counted).

Part `scenario`: `bench/scenarios/locust-5000-pings.yaml` through `wschaos run` (5,000 Locust users
on 2 local workers through 4 proxies of a real Toxiproxy, judged by `load_replies`).

    .venv/bin/python bench/locust_compare.py --parts engines --server app --connections 5000 --messages 4
    .venv/bin/python bench/locust_compare.py --parts scenario
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import servers
from common import ROOT, cpu_s, raise_fd_limit, result, rss_kb

from harness.drivers.protocol import LoadGroup, ProtocolClient, acked_by
from harness.journal import Journal
from harness.locust_engine.engine import LocustLoad, LocustSpec

SCENARIO = Path(__file__).resolve().parent / "scenarios" / "locust-5000-pings.yaml"


def ping(client: str, i: int) -> dict:
    return {"type": "ping", "id": f"{client}-{i}", "timestamp": 0}


async def in_process(url: str, connections: int, messages: int) -> dict:
    """The harness's own generator: ProtocolClient + LoadGroup, journaled (frames not recorded)."""
    journal = Journal(Path(tempfile.mkdtemp(prefix="wschaos-bench-")) / "journal.jsonl")
    clients = [ProtocolClient(f"p{i}", url, journal, record_frames=False) for i in range(connections)]
    rss0, c0, t0 = rss_kb(), cpu_s(), time.perf_counter()
    group = LoadGroup(clients, journal, make_message=ping, messages_per_client=messages, rate_per_s=0,
                      reply_for=acked_by("pong"), ack_timeout_s=120, timeout_s=None, connect_concurrency=100)
    peak = [rss_kb()]

    async def sample() -> None:
        while True:
            peak.append(rss_kb())
            await asyncio.sleep(0.2)

    sampler = asyncio.create_task(sample())
    summary = await group.run()
    wall, cpu = time.perf_counter() - t0, cpu_s() - c0
    sampler.cancel()
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    journal.close()
    return {"engine": "inprocess", "answered": summary.acked, "sent": summary.sent,
            "failed_connects": summary.failed_connects, "wall_s": wall, "cpu_s": cpu,
            "kb_per_conn": (max(peak) - rss0) / connections, **summary.rtt_ms()}


def _rss_of(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


async def on_locust(url: str, connections: int, messages: int, workers: int, spawn_rate: float) -> dict:
    """Locust: a master and `workers` worker processes running wsuser.py, the same pings at once."""
    folder = Path(tempfile.mkdtemp(prefix="wschaos-bench-locust-"))
    journal = Journal(folder / "journal.jsonl")
    spec = LocustSpec(users=connections, messages=messages, rate=0.0, template_name="ping",
                      template={"type": "ping", "id": "{id}", "timestamp": 0}, key=None, type_field="type",
                      id_field="id", reply_type="pong", ack_timeout_s=120.0, urls={"p0": url}, clients=["p0"],
                      spawn_rate=spawn_rate)
    load = LocustLoad(spec, journal, folder, group="bench", workers=workers)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    samples: list[int] = []

    async def sample() -> None:
        while True:
            pids = [p.pid for p in load.processes if p.pid is not None and p.running]
            if pids:
                samples.append(_rss_of(pids))
            await asyncio.sleep(0.2)

    sampler = asyncio.create_task(sample())
    t0 = time.perf_counter()
    summary = await load.run()
    wall = time.perf_counter() - t0
    sampler.cancel()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    journal.close()
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    final = [json.loads(line) for line in (folder / "locust-feed.jsonl").read_text().splitlines()][-1]
    return {"engine": f"locust ({workers} workers)", "answered": summary.acked, "sent": summary.sent,
            "failed_connects": summary.failed_connects,
            "wall_s": wall, "test_s": final["duration_s"], "cpu_s": cpu, "peak_kb": max(samples, default=0),
            "rtt_p50_ms": final["rtt_p50_ms"], "rtt_p95_ms": final["rtt_p95_ms"], "rtt_max_ms": final["rtt_max_ms"]}


def show(row: dict, server: str, connections: int) -> None:
    msgs = row["answered"] / row["wall_s"]
    cpu_us = row["cpu_s"] / max(row["answered"], 1) * 1e6
    print(f"{row['engine']:<20} {server} {connections} conns ({row['failed_connects']} failed): "
          f"{row['answered']}/{row['sent']} answered in "
          f"{row['wall_s']:.1f}s = {msgs:,.0f} msg/s  cpu {cpu_us:.0f} us/msg  {row['kb_per_conn']:.1f} kB/conn  "
          f"rtt p50/p95 {row.get('rtt_p50_ms')}/{row.get('rtt_p95_ms')} ms"
          + (f"  (Locust's own test time {row['test_s']:.1f}s)" if "test_s" in row else ""), flush=True)
    result(part="locust_compare", server=server, connections=connections, msgs_per_s=msgs, cpu_us_per_msg=cpu_us, **row)


async def engines(args: argparse.Namespace) -> None:
    """Each measurement in a fresh process (memory a previous one freed would hide the growth)."""
    for server in args.server:
        for _ in range(args.repeats):
            for engine in ("inprocess", "locust"):
                with servers.start(server) as url:
                    subprocess.run([sys.executable, __file__, "--parts", "one", "--engine", engine, "--url", url,
                                    "--label", server, "--connections", str(args.connections),
                                    "--messages", str(args.messages), "--workers", str(args.workers),
                                    "--spawn-rate", str(args.spawn_rate)], check=True)


async def one(args: argparse.Namespace) -> None:
    raise_fd_limit()
    if args.engine == "inprocess":
        row = await in_process(args.url, args.connections, args.messages)
    else:
        # The processes' own memory (interpreters, Locust, gevent) is not the connections': their
        # peak with one user is subtracted.
        idle = await on_locust(args.url, 1, 1, args.workers, args.spawn_rate)
        row = await on_locust(args.url, args.connections, args.messages, args.workers, args.spawn_rate)
        row["kb_per_conn"] = (row["peak_kb"] - idle["peak_kb"]) / (args.connections - 1)
    show(row, args.label, args.connections)


def scenario(report: Path) -> None:
    """The 5,000-user Locust scenario through `wschaos run`: its verdict, the load's numbers."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "run", str(SCENARIO), "--report", str(report), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - started
    run_dir = max(p for p in report.iterdir() if p.is_dir())
    events = [json.loads(line) for line in next(run_dir.glob("scenarios/*/journal.jsonl")).read_text().splitlines()]
    summary = next(e for e in events if e["kind"] == "load.summary")
    checks = [(e["name"], e["status"], e["summary"]) for e in events if e["kind"] == "check"]
    print(proc.stdout.strip() or proc.stderr.strip())
    print(f"exit {proc.returncode} in {wall:.1f}s; load.summary: {json.dumps(summary)}\nchecks: {checks}")
    result(part="locust_scenario", exit_code=proc.returncode, wall_s=wall, summary=summary, checks=checks)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", default="engines,scenario", help="engines, scenario (comma-separated)")
    ap.add_argument("--server", action="append", choices=servers.SERVERS, help="default: app (repeatable)")
    ap.add_argument("--connections", type=int, default=5000)
    ap.add_argument("--messages", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--spawn-rate", type=float, default=2500.0,
                    help="Locust users started per second in `engines` (all 5,000 within 2 s; the scenario's own is 500/s)")
    ap.add_argument("--engine", choices=["inprocess", "locust"], help=argparse.SUPPRESS)  # --parts one
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--label", help=argparse.SUPPRESS)
    ap.add_argument("--report", type=Path, default=Path(tempfile.mkdtemp(prefix="wschaos-bench-report-")))
    a = ap.parse_args()
    a.server = a.server or ["app"]
    parts = set(a.parts.split(","))
    if "one" in parts:
        asyncio.run(one(a))
    if "engines" in parts:
        asyncio.run(engines(a))
    if "scenario" in parts:
        scenario(a.report)
