#!/usr/bin/env python3
"""The harness's load generator against a bare `websockets` loop: messages/s, CPU and memory per connection.

One generator per process (so memory and CPU are its own), on loopback (no Toxiproxy: only the
generator's own cost is compared), against either server of bench/servers.py: `ack` (a bare
websockets server; the generator is the bottleneck) or `app` (the reference app's server, the
set-up of issue 9's baseline; the server is the bottleneck). N connections open
(`connect_concurrency` at a time), then each sends M pings at once and waits for its M pongs.
Modes: `bare` (plain websockets: send, read, json), `harness` (ProtocolClient + LoadGroup,
everything journaled to a file; `--record` also journals every frame).

    cd bench && ../.venv/bin/python load_generator.py --server ack --mode harness --record --connections 1000
    cd bench && ../.venv/bin/python load_generator.py --url ws://127.0.0.1:PORT --mode bare   # a server already up
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import servers
from common import cpu_s, raise_fd_limit, result, rss_kb
from websockets.asyncio.client import connect

from harness.journal import Journal  # noqa: E402
from harness.drivers.protocol import ProtocolClient  # noqa: E402


async def bounded(limit: int, coros) -> list:
    slots = asyncio.Semaphore(limit)

    async def one(coro):
        async with slots:
            return await coro

    return await asyncio.gather(*(one(c) for c in coros))


def ping(client: str, i: int) -> dict:
    return {"type": "ping", "id": f"{client}-{i}", "timestamp": 0}


async def bare(args) -> tuple[list, object]:
    conns = await bounded(args.connect_concurrency, (connect(args.url, ping_interval=None, max_size=None)
                                                     for _ in range(args.connections)))

    async def one(i: int, conn) -> int:
        for k in range(args.messages):
            await conn.send(json.dumps(ping(f"p{i}", k)))
        got = 0
        async for raw in conn:
            if json.loads(raw).get("type") == "pong":
                got += 1
                if got == args.messages:
                    break
        return got

    async def load() -> int:
        return sum(await asyncio.gather(*(one(i, c) for i, c in enumerate(conns))))

    async def close() -> None:
        await bounded(args.connect_concurrency, (c.close() for c in conns))

    return conns, (load, close)


async def harness(args) -> tuple[list, object]:
    journal = Journal(Path(tempfile.mkdtemp(prefix="wschaos-bench-")) / "journal.jsonl")
    clients = [ProtocolClient(f"p{i}", args.url, journal, record_frames=args.record) for i in range(args.connections)]
    await bounded(args.connect_concurrency, (c.connect() for c in clients))
    try:  # the merged LoadGroup (this checkout)
        from harness.drivers.protocol import LoadGroup, acked_by

        async def load() -> int:
            summary = await LoadGroup(clients, journal, make_message=ping, messages_per_client=args.messages,
                                      rate_per_s=0, reply_for=acked_by("pong"), ack_timeout_s=120,
                                      timeout_s=None).run()
            return summary.acked
    except ImportError:  # an older checkout: the same send-all-then-count loop over its ProtocolClient
        async def load() -> int:
            return sum(await asyncio.gather(*(_old_one(c, args.messages) for c in clients)))

    async def close() -> None:
        await bounded(args.connect_concurrency, (c.close() for c in clients))
        journal.close()

    return clients, (load, close)


async def _old_one(client, messages: int) -> int:
    done, got = asyncio.Event(), []
    ids = {f"{client.name}-{i}" for i in range(messages)}

    def on_message(m: dict) -> None:
        if m.get("type") == "pong" and m.get("id") in ids:
            got.append(m["id"])
            if len(got) == messages:
                done.set()

    client.on_message = on_message
    for i in range(messages):
        await client.send_json(ping(client.name, i))
    await asyncio.wait_for(done.wait(), 120)
    return len(got)


async def main(args) -> None:
    raise_fd_limit()
    rss0 = rss_kb()
    t0 = time.perf_counter()
    conns, (load, close) = await (bare(args) if args.mode == "bare" else harness(args))
    connect_s = time.perf_counter() - t0
    kb_per_conn = (rss_kb() - rss0) / args.connections
    t0, c0 = time.perf_counter(), cpu_s()
    answered = await load()
    load_s, load_cpu = time.perf_counter() - t0, cpu_s() - c0
    await close()
    sent = args.connections * args.messages
    label = args.mode + (" +frames" if args.record else "")
    print(f"{label:<15} {args.server or args.url} {args.connections} conns: connect {connect_s:.1f}s  {answered}/{sent} answered in {load_s:.2f}s "
          f"= {answered / load_s:,.0f} msg/s  cpu {load_cpu / max(answered, 1) * 1e6:.0f} us/msg  "
          f"{kb_per_conn:.1f} kB/conn")
    result(part="load", server=args.server or args.url, mode=args.mode, record=args.record, connections=args.connections, messages=args.messages,
           answered=answered, connect_s=connect_s, load_s=load_s, msgs_per_s=answered / load_s,
           cpu_us_per_msg=load_cpu / max(answered, 1) * 1e6, kb_per_conn=kb_per_conn)


async def main_with_server(args) -> None:
    if args.url:
        await main(args)
        return
    with servers.start(args.server) as args.url:
        await main(args)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="a server already listening (ws://127.0.0.1:PORT/...)")
    where.add_argument("--server", choices=servers.SERVERS, help="start this server for the run (bench/servers.py)")
    ap.add_argument("--mode", choices=["bare", "harness"], default="harness")
    ap.add_argument("--record", action="store_true", help="journal every frame (harness mode)")
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--messages", type=int, default=20)
    ap.add_argument("--connect-concurrency", type=int, default=100)
    asyncio.run(main_with_server(ap.parse_args()))
