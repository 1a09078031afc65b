#!/usr/bin/env python3
"""The harness's own memory over a long soak: does `wschaos soak` grow without bound?

Runs `wschaos soak` as a child process (any extra arguments are passed on) and samples the
child's resident set size (VmRSS of /proc/<pid>/status) every `--every` seconds until it
exits. Prints the peak of the first ten minutes, the peak of the whole run, the peak of the
last ten minutes and their ratios, and writes every sample to `--csv`:

    .venv/bin/python bench/soak_memory.py --csv /tmp/rss.csv -- --duration 8h --seed 20240611

The issue's bar (issue 18): an 8-hour soak at the reference app's time scale (48 minutes)
keeps the harness's RSS within 1.5x of its first ten minutes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, result

FIRST_S = 600.0


def rss_kb(pid: int) -> int | None:
    """VmRSS of `pid` in kB; None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=float, default=10.0, help="seconds between samples (default 10)")
    parser.add_argument("--csv", type=Path, help="write t_s,rss_kb per sample here")
    parser.add_argument("soak_args", nargs=argparse.REMAINDER, help="arguments of `wschaos soak` (after --)")
    args = parser.parse_args()
    soak_args = [a for a in args.soak_args if a != "--"]
    command = [str(ROOT / ".venv/bin/wschaos"), "soak", *soak_args, "--quiet"]
    print("running:", " ".join(command), flush=True)
    child = subprocess.Popen(command, cwd=ROOT)
    t0, samples = time.monotonic(), []
    while child.poll() is None:
        kb = rss_kb(child.pid)
        if kb is not None:
            samples.append((time.monotonic() - t0, kb))
        time.sleep(args.every)
    code = child.wait()
    if args.csv:
        args.csv.write_text("t_s,rss_kb\n" + "".join(f"{t:.1f},{kb}\n" for t, kb in samples))
    first = max((kb for t, kb in samples if t <= FIRST_S), default=0)
    peak = max((kb for _, kb in samples), default=0)
    end_t = samples[-1][0] if samples else 0.0
    last = max((kb for t, kb in samples if t >= end_t - FIRST_S), default=0)
    print(f"exit {code}; {len(samples)} samples over {end_t:.0f}s; RSS peak of the first 10 min {first / 1024:.0f} MB, "
          f"of the last 10 min {last / 1024:.0f} MB, of the whole run {peak / 1024:.0f} MB "
          f"({peak / first if first else float('nan'):.2f}x the first 10 min)")
    result(bench="soak_memory", exit=code, seconds=round(end_t), first10_mb=round(first / 1024, 1),
           last10_mb=round(last / 1024, 1), peak_mb=round(peak / 1024, 1),
           ratio=round(peak / first, 3) if first else None)
    return code


if __name__ == "__main__":
    sys.exit(main())
