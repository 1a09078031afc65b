#!/usr/bin/env python3
"""Creating N Toxiproxy proxies: toxiproxy-python's create() (lists every proxy first) vs bulk.

Each path gets a fresh toxiproxy-server; the per-create path is timed per quarter, so its
growth shows. Loopback only. `.venv/bin/python bench/proxies.py --count 1000`
"""

from __future__ import annotations

import argparse
import asyncio
import time

from common import ROOT, result  # noqa: F401  (ROOT puts the checkout on sys.path)

from harness import tools  # noqa: E402
from harness.drivers.toxiproxy import ProxySpec, ToxiproxyServer  # noqa: E402
from harness.journal import Journal  # noqa: E402

UPSTREAM = "127.0.0.1:9"  # never connected to: only the proxies' creation is measured


async def per_create(count: int) -> dict:
    async with ToxiproxyServer(tools.find_toxiproxy(), Journal()) as server:
        quarters, made = [], []
        for q in range(4):
            t0 = time.perf_counter()
            for i in range(q * count // 4, (q + 1) * count // 4):
                made.append(await server._call(server._client.create, upstream=UPSTREAM, name=f"old{i}",
                                               listen="127.0.0.1:0"))
            quarters.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for raw in made:
            await server._call(raw.destroy)
        return {"create_s": sum(quarters), "quarters_s": quarters, "delete_s": time.perf_counter() - t0}


async def bulk(count: int) -> dict:
    async with ToxiproxyServer(tools.find_toxiproxy(), Journal()) as server:
        t0 = time.perf_counter()
        proxies = await server.create_proxies([ProxySpec(f"new{i}", UPSTREAM, f"p{i}") for i in range(count)])
        create_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        await server.delete_proxies(proxies)
        return {"create_s": create_s, "delete_s": time.perf_counter() - t0}


async def main(args) -> None:
    old = await per_create(args.count)
    new = await bulk(args.count)
    print(f"{args.count} proxies")
    print(f"per-create (toxiproxy-python): {old['create_s']:6.2f}s  quarters "
          + " ".join(f"{q:.2f}" for q in old["quarters_s"]) + f"  delete one by one {old['delete_s']:.2f}s")
    print(f"bulk (/populate):              {new['create_s']:6.2f}s  delete concurrently {new['delete_s']:.2f}s")
    result(part="proxies", count=args.count, old=old, new=new)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=1000)
    asyncio.run(main(ap.parse_args()))
