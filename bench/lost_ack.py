#!/usr/bin/env python3
"""How often each scenario catches the lost-ack bug (`dedupe_per_connection`), and that the
message-fault one never fails the fixed app.

Runs, each `--repeat` times with the bug on and off (`wschaos run --repeat`):

    scenarios/lost-ack-trigger-runs-once.yaml       close_after on the first ack (message level)
    bench/scenarios/lost-ack-by-network-cut.yaml    `down` right after the trigger (byte level)
    bench/scenarios/lost-ack-by-slowed-cut.yaml     300 ms downstream latency, then `down` (byte level, aimed)

and prints one line per (scenario, bugs): the verdicts and how many runs failed.

    .venv/bin/python bench/lost_ack.py --repeat 5
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WSCHAOS = str(ROOT / ".venv" / "bin" / "wschaos")
SCENARIOS = ["scenarios/lost-ack-trigger-runs-once.yaml", "bench/scenarios/lost-ack-by-network-cut.yaml",
             "bench/scenarios/lost-ack-by-slowed-cut.yaml"]
BUG = "dedupe_per_connection"


def verdicts(scenario: str, bugs: str, repeat: int) -> list[tuple[str, list[str]]]:
    """(outcome, failed checks) of each of `repeat` runs."""
    report = Path(tempfile.mkdtemp(prefix="wschaos-lost-ack-"))
    argv = [WSCHAOS, "run", scenario, "--repeat", str(repeat), "--report", str(report), "--quiet"]
    if bugs:
        argv += ["--bugs", bugs]
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    (run,) = [p for p in report.iterdir() if p.is_dir()]
    doc = json.loads((run / "results.json").read_text())
    return [(s["outcome"], [c["name"] for c in s.get("checks", []) if c.get("status") == "failed"])
            for s in doc["scenarios"]]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    args = ap.parse_args()
    for scenario in args.scenarios.split(","):
        for bugs in (BUG, ""):
            found = verdicts(scenario, bugs, args.repeat)
            counts = collections.Counter(outcome for outcome, _ in found)
            why = collections.Counter(name for _, names in found for name in names)
            print(f"{Path(scenario).stem:<32} bugs={bugs or '(none)':<22} failed {counts['failed']}/{len(found)}  "
                  f"{dict(counts)}  failed checks: {dict(why) or '-'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
