#!/usr/bin/env python3
"""False-failure rate of the CI-tagged suite on a busy machine.

Runs `wschaos run scenarios/ --tag ci --repeat K` next to a CPU hog (Debian's stress-ng) and
prints, per scenario, every verdict; then the totals: how many runs failed on the fixed app
(each one is a false failure: the app has no bug), how many were inconclusive and why, which
scenarios were flaky. Two neighbours:

    --hog spread   stress-ng --cpu 2 on every core (a busy CI machine)
    --hog starved  wschaos and stress-ng --cpu 3 pinned together on core 0 (a starved one,
                   like ../shared/tools/starved)

    .venv/bin/python bench/ci_under_load.py --hog starved --repeat 1
    .venv/bin/python bench/ci_under_load.py --hog spread --repeat 5 -j 1

Needs stress-ng (`apt-get install -y stress-ng`). The hog ends with the run.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WSCHAOS = str(ROOT / ".venv" / "bin" / "wschaos")


def hog(kind: str) -> subprocess.Popen | None:
    if kind == "none":
        return None
    if shutil.which("stress-ng") is None:
        sys.exit("stress-ng not found: apt-get install -y stress-ng")
    argv = ["stress-ng", "--cpu", "3", "--timeout", "7200s"]
    if kind == "starved":
        argv = ["taskset", "-c", "0", *argv]
    else:
        argv[2] = str(os.cpu_count() or 2)
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hog", choices=["none", "spread", "starved"], default="starved")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("-j", "--jobs", default="1")
    ap.add_argument("--tag", default="ci")
    args = ap.parse_args()
    report = Path(tempfile.mkdtemp(prefix="wschaos-under-load-"))
    argv = [WSCHAOS, "run", str(ROOT / "scenarios"), "--tag", args.tag, "--repeat", str(args.repeat),
            "-j", args.jobs, "--report", str(report), "--quiet"]
    if args.hog == "starved":
        argv = ["taskset", "-c", "0", *argv]
    neighbour = hog(args.hog)
    t0 = time.monotonic()
    try:
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    finally:
        if neighbour is not None:
            os.killpg(neighbour.pid, 9)
            neighbour.wait()
    took = time.monotonic() - t0
    (run_dir,) = [p for p in report.iterdir() if p.is_dir()]
    doc = json.loads((run_dir / "results.json").read_text())
    verdicts: dict[str, list[str]] = collections.defaultdict(list)
    for s in doc["scenarios"]:
        verdicts[s["name"]].append(s["outcome"])
    for name, seen in sorted(verdicts.items()):
        print(f"{name:<48} {' '.join(seen)}")
    print()
    for s in doc["scenarios"]:
        if s["outcome"] in ("failed", "error", "inconclusive"):
            why = "; ".join(s.get("reasons") or []) or s.get("error") or "; ".join(
                f"{c['name']}: {c['summary']}" for c in s.get("checks", []) if not c.get("passed"))
            print(f"{s['outcome'].upper():<12} {s['name']}: {why[:300]}")
    counts = doc["counts"]
    total = sum(counts.values())
    print(f"\nneighbour: {args.hog}; -j {args.jobs}; {args.repeat} round(s); {total} scenario runs in {took:.0f}s "
          f"(exit {proc.returncode})")
    print("counts: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v))
    print(f"false failures (failed or error on the fixed app): {counts['failed'] + counts['error']} of {total}")
    print(f"flaky: {doc.get('flaky') or 'none'}")
    print(f"report: {run_dir / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
