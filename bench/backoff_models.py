#!/usr/bin/env python3
"""How often `backoff` fails a correct client, and how often it catches one without jitter.

Simulates clients that draw their reconnection delays from each model (equal, full, randomized
with socket.io-client's formula, decorrelated), adds what a page's own machinery adds to a delay
(uniform up to --overhead-ms), writes each as a canned journal and judges it with the check,
declared with the client's own model and with `jitter: true`. Then the same for clients without
jitter (on the nominal schedule, plus the overhead). Pure: no browser, no server.

    .venv/bin/python bench/backoff_models.py --runs 3000 --overhead-ms 10
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.checks.backoff import Backoff  # noqa: E402
from harness.checks.base import RunView  # noqa: E402
from harness.events import make  # noqa: E402

SCALES = (0.1, 0.25, 1.0)
MODELS = ("equal", "full", "randomized", "decorrelated")
Draw = Callable[[int, float], float]


def journal(delays: list[float], time_scale: float) -> RunView:
    """b0 connected at t=1, lost its socket at t=10, then waited `delays` (page clock = journal)."""
    url = "ws://127.0.0.1:41000/ws/trigger"
    events = [make("run.start", 0.0, run_id="bench", scenario="bench", scenario_file="bench.yaml", description="",
                   tags=[], target="kanban", seed=7, time_scale=time_scale, min_wait_s=5.0, bugs=[],
                   clients=[{"name": "b0", "kind": "browser", "groups": ["browsers"]}], versions={},
                   rerun="", ack_type="ack"),
              make("ws.attempt", 1.0, client="b0", url=url, page_t=1.0),
              make("ws.open", 1.0, client="b0", socket="s1", url=url),
              make("ws.close", 10.0, client="b0", socket="s1", code=1006, reason="", page_t=10.0)]
    t = 10.0
    for d in delays:
        t += d
        events.append(make("ws.attempt", t, client="b0", url=url, page_t=t))
    events.append(make("ws.open", t, client="b0", socket="s2", url=url))
    events.append(make("run.teardown", t + 5))
    return RunView(events)


def drawer(model: str, base: float, cap: float, rng: random.Random) -> Draw:
    """The n-th delay of a correct client of `model` (`prev`: its previous delay)."""
    def draw(n: int, prev: float) -> float:
        raw = base * 2 ** (n - 1)
        if model == "equal":
            return min(cap, raw) * rng.uniform(0.5, 1)
        if model == "full":
            return min(cap, raw) * rng.uniform(0, 1)
        if model == "randomized":  # backo2: ms ± floor(rand * 0.5 * ms), then Math.min(ms, max)
            rand = rng.random()
            deviation = rand * 0.5 * raw
            return min(cap, raw - deviation if int(rand * 10) & 1 == 0 else raw + deviation)
        if model == "decorrelated":
            return min(cap, rng.uniform(base, 3 * prev))
        return min(cap, raw)  # none
    return draw


def simulate(model: str, declared: object, time_scale: float, runs: int, overhead_s: float,
             rng: random.Random) -> collections.Counter[str]:
    base, cap = 1.0 * time_scale, 30.0 * time_scale
    draw = drawer(model, base, cap, rng)
    outcomes: collections.Counter[str] = collections.Counter()
    for _ in range(runs):
        prev, delays = base, []
        for n in range(1, rng.randint(4, 8) + 1):
            prev = draw(n, prev)
            delays.append(prev + rng.uniform(0.0, overhead_s))
        outcomes[Backoff(jitter=declared).judge(journal(delays, time_scale)).status] += 1  # type: ignore[arg-type]  # a model name
    return outcomes


def main(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    print(f"correct clients, {args.runs} runs each, 4-8 delays, machinery up to {args.overhead_ms:g} ms")
    print(f"{'time scale':>10} {'client':>13} {'declared':>13} {'passed':>7} {'inconcl.':>8} {'failed':>7}")
    total = collections.Counter[str]()
    for scale in SCALES:
        for model in MODELS:
            for declared in (model, True) if model != "decorrelated" else (model,):
                c = simulate(model, declared, scale, args.runs, args.overhead_ms / 1000, rng)
                total.update(c)
                print(f"{scale:>10g} {model:>13} {str(declared).lower():>13} {c['passed']:>7} "
                      f"{c['inconclusive']:>8} {c['failed']:>7}")
    print(f"all: {sum(total.values())} runs, {total['failed']} failed, {total['inconclusive']} inconclusive\n")
    print(f"clients without jitter, {args.runs // 10} runs each (declared model: failed / inconclusive / passed)")
    for scale in SCALES:
        for declared in (*MODELS, True):
            c = simulate("none", declared, scale, args.runs // 10, args.overhead_ms / 1000, rng)
            print(f"{scale:>10g} {str(declared).lower():>13}: {c['failed']} / {c['inconclusive']} / {c['passed']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3000, help="simulated runs per cell (default 3000)")
    parser.add_argument("--overhead-ms", type=float, default=10.0,
                        help="a page's machinery adds up to this to each delay (default 10)")
    parser.add_argument("--seed", type=int, default=1)
    main(parser.parse_args())
