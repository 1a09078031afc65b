#!/usr/bin/env python3
"""The Socket.IO example's network drop, run N times: does `backoff` pass a correct
socket.io-client every time, judging every attempt (polling handshakes included)?

Each run is a fresh `wschaos run` of examples/socketio/scenarios/network-drop-reconnects.yaml
(a 20 s `down` of page, long-polling and WebSocket) with its own seed; the page's Math.random is
not seeded, so every run draws new delays. Prints one line per run and the totals.

    .venv/bin/python bench/socketio_backoff.py --runs 20                    # time_scale 0.25 (the target's)
    .venv/bin/python bench/socketio_backoff.py --runs 20 --profile nightly  # real seconds: a 20 s down
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
SCENARIO = ROOT / "examples/socketio/scenarios/network-drop-reconnects.yaml"


def one(seed: int, profile: str | None, report: Path) -> dict:
    argv = [sys.executable, "-m", "harness.cli", "run", str(SCENARIO), "--seed", str(seed), "--report", str(report)]
    if profile is not None:
        argv += ["--profile", profile]
    started = time.monotonic()
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"wschaos run exited {proc.returncode}: {proc.stderr[-2000:]}")
    (run_dir,) = [p for p in report.iterdir() if p.is_dir()]
    doc = json.loads((run_dir / "results.json").read_text())
    checks = {c["name"]: c for c in doc["scenarios"][0]["checks"]}
    return {"seed": seed, "exit": proc.returncode, "wall_s": time.monotonic() - started,
            "outcome": doc["scenarios"][0]["outcome"], "backoff": checks["backoff"]["status"],
            "intervals": checks["backoff"]["metrics"].get("intervals"),
            "min_ratio": checks["backoff"]["metrics"].get("min_ratio"),
            "reconnected": checks["reconnected"]["status"], "summary": checks["backoff"]["summary"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profile", help="the scenario's profile (nightly: time_scale 1)")
    args = parser.parse_args()
    rows = []
    for seed in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory() as tmp:
            row = one(seed, args.profile, Path(tmp))
        rows.append(row)
        print(f"seed {seed:3d}: {row['outcome']:8s} backoff {row['backoff']:8s} {row['intervals']} delays "
              f"(min ratio {row['min_ratio']}) reconnected {row['reconnected']} {row['wall_s']:.1f}s", flush=True)
    passed = sum(r["backoff"] == "passed" for r in rows)
    delays = [r["intervals"] or 0 for r in rows]
    print(f"backoff passed {passed} of {len(rows)}; scenario passed {sum(r['outcome'] == 'passed' for r in rows)}; "
          f"delays judged per run {min(delays)}..{max(delays)}; wall {sum(r['wall_s'] for r in rows):.0f}s")
    return 0 if passed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
