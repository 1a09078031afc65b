#!/usr/bin/env python3
"""Every set-up and load benchmark in one command, printed side by side.

    .venv/bin/python bench/all.py                     # this checkout
    .venv/bin/python bench/all.py --before a549059    # and the same scripts against an older revision
    .venv/bin/python bench/all.py --parts load --repeats 5 --before HEAD~3   # one part only

Parts (each in its own process, each bounded in time; loopback only):
  proxies   1,000 Toxiproxy proxies: toxiproxy-python's per-create path vs bulk (bench/proxies.py)
  pages     20 pages set up in one scenario: time, page-to-socket, reconnects (bench/pages.py)
  load      the load generator at 1,000 x 20 and 5,000 x 4 (connections x pings) vs a bare websockets
            loop, frames journaled and not: messages/s, CPU per message, memory per connection
            (bench/load_generator.py), against both servers of bench/servers.py: `ack` (a bare
            websockets server: the generator is the bottleneck, the strict measure) and `app`
            (the reference app's server, issue 9's baseline: the server is the bottleneck)
  report    a 500-client load scenario, a burst (4 pings at 5/s) and a sustained load (20 at 1/s):
            its steps' time vs its report's (bench/load_report.py)

`--before REV` extracts REV's harness/, app/ and targets/ (git archive) to a temporary folder
and runs the same scripts against it (`WSCHAOS_ROOT`), so both columns come from one sitting.
Without it, the pages "before" column is this checkout opening pages one at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import servers

PARTS = ("proxies", "pages", "load", "report")
BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable


def run(script: str, *args: str, root: Path | None = None, timeout_s: float = 240, quiet: bool = False) -> dict | None:
    """Run one bench script; its RESULT line as a dict (None if it failed or timed out)."""
    env = dict(os.environ)
    if root is not None:
        env["WSCHAOS_ROOT"] = str(root)
        env.setdefault("WSCHAOS_TOXIPROXY", str(ROOT / ".tools" / "bin" / "toxiproxy-server"))
    try:
        proc = subprocess.run([PY, str(BENCH / script), *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        print(f"  {script} {' '.join(args)}: timed out after {timeout_s:g}s", flush=True)
        return None
    lines = proc.stdout.splitlines()
    for line in lines:
        if not line.startswith("RESULT ") and not quiet:
            print("  " + line, flush=True)
    found = [json.loads(line[7:]) for line in lines if line.startswith("RESULT ")]
    if not found:
        print(f"  {script} failed (exit {proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}", flush=True)
    return found[-1] if found else None


def extract(rev: str) -> Path:
    """REV's code in a temporary folder (nothing in this checkout changes)."""
    dest = Path(tempfile.mkdtemp(prefix=f"wschaos-{rev[:12]}-"))
    archive = subprocess.run(["git", "archive", rev, "harness", "app", "targets"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


LOAD_SIZES = [(1000, 20), (5000, 4)]  # connections x pings each
LOAD_MODES = (("bare", ["--mode", "bare"], False), ("harness", ["--mode", "harness"], False),
              ("harness +frames", ["--mode", "harness", "--record"], False),
              ("before: harness", ["--mode", "harness"], True),
              ("before: harness +frames", ["--mode", "harness", "--record"], True))


def load_part(old: Path | None, server_names: list[str], sizes: list[tuple[int, int]], repeats: int) -> list[dict]:
    """Every mode at every size against each server (one server process per server, shared by its runs)."""
    rows = []
    for server in server_names:
        with servers.start(server) as url:
            run("load_generator.py", "--url", url, "--connections", "100", "--messages", "2", "--mode", "harness",
                quiet=True)  # a warm-up: the first connections to a fresh server pay its start-up
            for conns, msgs in sizes:
                for _ in range(repeats):  # interleaved, so a busy moment hits every mode alike
                    for label, args, before in LOAD_MODES:
                        if before and old is None:
                            continue
                        r = run("load_generator.py", "--url", url, "--connections", str(conns), "--messages",
                                str(msgs), *args, root=old if before else None, timeout_s=180)
                        if r:
                            rows.append({**r, "server": server, "label": label})
    return rows


def median(values: list[float]) -> float:
    xs = sorted(values)
    return xs[len(xs) // 2] if xs else float("nan")


def print_tables(proxies: dict | None, pages: list[tuple[str, dict | None]], load: list[dict],
                 reports: list[tuple[str, dict | None]]) -> None:
    print("\n== Set-up ==")
    if proxies:
        o, n = proxies["old"], proxies["new"]
        print(f"| {proxies['count']} proxies | per-create (toxiproxy-python) | bulk (/populate) |")
        print(f"| create | {o['create_s']:.2f} s (quarters {' / '.join(f'{q:.2f}' for q in o['quarters_s'])}) "
              f"| {n['create_s']:.2f} s |")
        print(f"| delete | {o['delete_s']:.2f} s one by one | {n['delete_s']:.2f} s concurrently |")
    for label, p in pages:
        if p:
            print(f"| {p['pages']} pages, {label} | set-up {p['setup_s']:.1f} s | page-to-socket p50 "
                  f"{p['page_to_socket_p50_s']:.1f} s, p95 {p['page_to_socket_p95_s']:.1f} s | reconnects "
                  f"{p['reconnects']} | connected {p['connected']}/{p['pages']} | teardown {p['teardown_s']:.1f} s "
                  f"| {p['outcome']} |")
    print("\n== Load generator (median of repeats; CPU is the generator's own) ==")
    print("ack: bench/ack_server.py, the generator is the bottleneck (strict); "
          "app: the reference app's server, the server is the bottleneck (issue 9's baseline set-up)")
    print("| server | connections x messages | mode | msg/s | vs bare | CPU us/msg | vs bare | kB/conn |")
    for server, conns in dict.fromkeys((r["server"], r["connections"]) for r in load):
        group = [r for r in load if (r["server"], r["connections"]) == (server, conns)]
        bare = [r for r in group if r["label"] == "bare"]
        base_rate = median([r["msgs_per_s"] for r in bare])
        base_cpu = median([r["cpu_us_per_msg"] for r in bare])
        for label in dict.fromkeys(r["label"] for r in group):
            rs = [r for r in group if r["label"] == label]
            rate, cpu = median([r["msgs_per_s"] for r in rs]), median([r["cpu_us_per_msg"] for r in rs])
            print(f"| {server} | {conns} x {rs[0]['messages']} | {label} | {rate:,.0f} | {rate / base_rate:.2f} | "
                  f"{cpu:.0f} | {cpu / base_cpu:.2f} | {median([r['kb_per_conn'] for r in rs]):.1f} |")
    print("\n== A load scenario: steps vs report ==")
    for label, r in reports:
        if r:
            print(f"| {r['clients']} clients x {r['messages']} pings at {r.get('rate', 5):g}/s, {label} | set-up "
                  f"{r['setup_s']:.1f} s | steps {r['steps_s']:.1f} s | teardown {r['teardown_s']:.1f} s | report "
                  f"{r['report_s']:.2f} s = {r['report_s'] / r['steps_s']:.0%} of the steps "
                  f"({r['events']} events, {r['journal_mb']:.1f} MB) | acked {r['acked']}/{r['sent']} | {r['outcome']} |")


def main(args) -> None:
    started = time.perf_counter()
    parts = set(args.parts.split(","))
    old = extract(args.before) if args.before else None
    proxies, pages, load, reports = None, [], [], []
    if "proxies" in parts:
        print("proxies", flush=True)
        proxies = run("proxies.py", "--count", "1000", timeout_s=120)
    if "pages" in parts:
        print("pages", flush=True)
        pages = [("before: " + (f"{args.before}" if old else "one at a time"),
                  run("pages.py", "--pages", str(args.pages), "--concurrency", "1", root=old, timeout_s=240)),
                 ("4 at a time", run("pages.py", "--pages", str(args.pages), "--concurrency", "4", timeout_s=240))]
    if "load" in parts:
        print("load", flush=True)
        load = load_part(old, args.load_servers.split(","), LOAD_SIZES, args.repeats)
    if "report" in parts:
        print("report", flush=True)
        for shape in (["--messages", "4", "--rate", "5"], ["--messages", "20", "--rate", "1"]):  # a burst; sustained
            if old:
                reports.append((f"before: {args.before}", run("load_report.py", "--clients", "500", *shape, root=old,
                                                              timeout_s=240)))
            reports.append(("this checkout", run("load_report.py", "--clients", "500", *shape, timeout_s=240)))
    print_tables(proxies, pages, load, reports)
    print(f"\n{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", metavar="REV", help="also run the scripts against this git revision")
    ap.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)} (default: all)")
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3, help="runs of each load mode (interleaved)")
    ap.add_argument("--load-servers", default=",".join(servers.SERVERS),
                    help="the load part's servers, comma-separated (bench/servers.py; default: both)")
    main(ap.parse_args())
