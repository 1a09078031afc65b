#!/usr/bin/env python3
"""How many protocol clients the harness drives through one Toxiproxy proxy, and how fast.

Starts the reference server and a real toxiproxy-server on loopback, then N websockets clients
each send M ticket notifications at a rate and wait for the acks. Prints connect and ack-latency
percentiles and throughput. Bounded in count and time; loopback only.

    .venv/bin/python bench/load_connections.py --clients 1000 --messages 5 --rate 5
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness import tools  # noqa: E402
from harness.drivers.process import ManagedProcess, ReadyProbe  # noqa: E402
from harness.drivers.protocol import ProtocolClient  # noqa: E402
from harness.drivers.toxiproxy import ToxiproxyServer  # noqa: E402
from harness.journal import Journal  # noqa: E402


def pct(values: list[float], p: float) -> float:
    xs = sorted(values)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


async def one_client(i: int, url: str, journal: Journal, messages: int, rate: float,
                     slots: asyncio.Semaphore, stats: dict, kind: str) -> None:
    client = ProtocolClient(f"p{i}", url, journal, record_frames=False)
    sent_at: dict[str, float] = {}
    answered: list[str] = []
    done = asyncio.Event()

    def on_message(msg: dict) -> None:
        if msg.get("type") in ("ack", "pong") and msg.get("id") in sent_at:
            stats["ack_ms"].append((time.perf_counter() - sent_at.pop(msg["id"])) * 1000)
            answered.append(msg["id"])
            if len(answered) == messages:
                done.set()

    client.listen(on_message)
    async with slots:
        t0 = time.perf_counter()
        try:
            await client.connect()
        except Exception:
            stats["failed_connects"] += 1
            return
        stats["connect_ms"].append((time.perf_counter() - t0) * 1000)
    try:
        for n in range(messages):
            mid = uuid.uuid4().hex
            sent_at[mid] = time.perf_counter()
            if kind == "ping":  # answered by the server alone: measures the harness and the proxy
                await client.send_json({"type": "ping", "id": mid, "timestamp": 0})
            else:  # recorded in the ledger and broadcast to every other connection
                await client.send_json({"type": "ticket_notification", "id": mid,
                                        "ticket": {"id": f"p{i}-{n}", "title": f"p{i}-{n}"}})
            stats["sent"] += 1
            if rate > 0:
                await asyncio.sleep(1 / rate)
        await asyncio.wait_for(done.wait(), 30)
    except Exception:
        stats["errors"] += 1
    finally:
        await client.close()


async def main(args) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="wschaos-bench-"))
    journal = Journal(tmp / "journal.jsonl")
    port = tools.free_port()
    server = ManagedProcess("server", [sys.executable, "-m", "app.server", "--port", str(port), "--db",
                                       str(tmp / "ledger.sqlite3")], journal=journal, cwd=ROOT,
                            ready=ReadyProbe(http=f"http://127.0.0.1:{port}/health"), ready_timeout_s=30)
    async with ToxiproxyServer(tools.find_toxiproxy(), journal) as toxiproxy, server:
        proxy = await toxiproxy.create_proxy("bench", f"127.0.0.1:{port}")
        url = f"ws://{proxy.listen}/ws/trigger"
        stats = {"connect_ms": [], "ack_ms": [], "sent": 0, "errors": 0, "failed_connects": 0}
        slots = asyncio.Semaphore(args.connect_concurrency)
        t0 = time.perf_counter()
        await asyncio.gather(*(one_client(i, url, journal, args.messages, args.rate, slots, stats, args.message)
                               for i in range(args.clients)))
        took = time.perf_counter() - t0
    acked = len(stats["ack_ms"])
    print(f"clients={args.clients} {args.message} messages/client={args.messages} rate/client={args.rate}/s via 1 Toxiproxy proxy")
    print(f"wall {took:.2f}s  sent {stats['sent']}  acked {acked}  errors {stats['errors']}  "
          f"failed connects {stats['failed_connects']}  throughput {acked / took:.0f} acks/s")
    for name in ("connect_ms", "ack_ms"):
        v = stats[name]
        if v:
            print(f"{name:<11} p50 {pct(v, 50):7.1f}  p95 {pct(v, 95):7.1f}  p99 {pct(v, 99):7.1f}  "
                  f"max {max(v):7.1f}  mean {statistics.fmean(v):7.1f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--messages", type=int, default=5)
    ap.add_argument("--rate", type=float, default=5.0, help="messages per second per client (0 = at once)")
    ap.add_argument("--connect-concurrency", type=int, default=100)
    ap.add_argument("--message", choices=["ping", "ticket"], default="ping",
                    help="ping: answered alone (harness capacity); ticket: ledger + broadcast to all (server capacity)")
    asyncio.run(main(ap.parse_args()))
