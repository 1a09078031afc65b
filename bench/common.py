"""Shared bits of the bench scripts: the repo root on sys.path, percentiles, the RESULT line.

`WSCHAOS_ROOT` points the scripts at another checkout of wschaos (`bench/all.py --before REV`
extracts the old revision and runs the same script against it), so before and after are
measured by the same code in the same sitting.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path

ROOT = Path(os.environ.get("WSCHAOS_ROOT") or Path(__file__).resolve().parents[1]).resolve()
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (nan for no values)."""
    xs = sorted(values)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def rss_kb() -> int:
    """This process's resident set size now (VmRSS), in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_s() -> float:
    """User + system CPU seconds this process has used."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def raise_fd_limit() -> None:
    """5,000 connections need more than the usual 1,024 file descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def result(**fields: object) -> None:
    """The machine-readable last line `bench/all.py` collects."""
    print("RESULT " + json.dumps(fields), flush=True)
