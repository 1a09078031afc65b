"""The soak's fault catalogue, and the part of it a target supports.

Each entry draws one round's disruption with its seeded parameters: its steps (several run in
parallel), how long it lasts in app seconds, and a label for the report. An entry names what it
needs (`server`: a server process wschaos starts and can signal; `pages`: browser pages), and
`catalogue(capabilities)` keeps the entries whose needs the target meets, so a target is never
sent a fault it cannot take (no `server: pause` without a server process).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from harness.steps.base import Envelope, Step
from harness.steps.browser import Browser
from harness.steps.faults.blackhole import Blackhole
from harness.steps.faults.down import Down
from harness.steps.faults.latency import Latency
from harness.steps.server import Server
from harness.units import Duration

Item = tuple[Step, Envelope]


@dataclass(frozen=True)
class Floors:
    """The shortest windows the invariants need: a blackhole must outlast the time a page is
    given to notice it (`invariants.dead_link_within`), else a sound page is judged blind."""

    blackhole_s: int = 0


@dataclass(frozen=True)
class Disruption:
    """One round's fault: its steps, how long it lasts, a human label. A fault with a window is
    held (`during:`, outermost first) while the round's work and an idle of `window_s` run, so
    the work always happens under it however slow the machine; an instantaneous one (restart,
    crash) runs before the work."""

    kind: str
    label: str
    items: tuple[Item, ...]
    window_s: int = 0            # app seconds it lasts at least; 0 = instantaneous (restart, crash)
    work_during: bool = True     # False: the pages are frozen, the work waits for the end


def _secs(rng: random.Random, lo: int, hi: int, shrink: float) -> int:
    """A seeded whole number of app seconds in [lo, hi], shrunk for short soaks, at least 1."""
    return max(1, round(rng.uniform(lo, hi) * shrink))


def _on(who: str) -> str:
    """Who a fault hits, in words: `every page` or a page's name."""
    return "every page" if who == "browsers" else who


def _held(step: Step, who: str | None) -> Item:
    return step, Envelope(clients=who)


def _down(rng: random.Random, who: str, shrink: float, floors: Floors) -> Disruption:
    d = _secs(rng, 5, 60, shrink)
    return Disruption("down", f"network down on {_on(who)} for {d}s", (_held(Down(), who),), d)


def _latency(rng: random.Random, who: str, shrink: float, floors: Floors) -> Disruption:
    ms, d = rng.randint(4, 30) * 50, _secs(rng, 10, 60, shrink)
    step = Latency(latency=Duration(ms / 1000.0))
    return Disruption("latency", f"{ms}ms latency on {_on(who)} for {d}s", (_held(step, who),), d)


def _blackhole(rng: random.Random, who: str, shrink: float, floors: Floors) -> Disruption:
    d = max(_secs(rng, 5, 30, shrink), floors.blackhole_s)
    return Disruption("blackhole", f"blackhole on {_on(who)} for {d}s", (_held(Blackhole(), who),), d)


def _restart(rng: random.Random, who: str, shrink: float, floors: Floors) -> Disruption:
    return Disruption("restart", "server restart (graceful)", ((Server("restart"), Envelope()),))


def _crash(rng: random.Random, who: str, shrink: float, floors: Floors) -> Disruption:
    return Disruption("crash", "server crash (SIGKILL) and start", ((Server("crash"), Envelope()),))


def _stop(rng: random.Random, who: str, shrink: float, floors: Floors) -> Disruption:
    d = _secs(rng, 5, 40, shrink)
    return Disruption("stop", f"server stopped for {d}s", (_held(Server("stop"), None),), d)


def _pause(rng: random.Random, who: str, shrink: float, floors: Floors) -> Disruption:
    d = _secs(rng, 5, 30, shrink)
    return Disruption("pause", f"server frozen (SIGSTOP) for {d}s", (_held(Server("pause"), None),), d)


def _offline(rng: random.Random, who: str, shrink: float, floors: Floors) -> Disruption:
    d = _secs(rng, 5, 60, shrink)
    items = (_held(Browser("offline"), who), _held(Down(), who))
    return Disruption("offline", f"browser offline (network cut) on {_on(who)} for {d}s", items, d)


def _hide(rng: random.Random, who: str, shrink: float, floors: Floors) -> Disruption:
    d = _secs(rng, 10, 120, shrink)
    return Disruption("hide", f"tab hidden on {_on(who)} for {d}s", (_held(Browser("hide"), who),), d)


def _sleep(rng: random.Random, who: str, shrink: float, floors: Floors) -> Disruption:
    d = _secs(rng, 10, 90, shrink)
    return Disruption("sleep", f"laptop asleep (page frozen) on {_on(who)} for {d}s",
                      (_held(Browser("sleep"), who),), d, work_during=False)


Draw = Callable[[random.Random, str, float, Floors], Disruption]


@dataclass(frozen=True)
class FaultKind:
    """A catalogue entry: how to draw it, what it needs of the target, what it is in words."""

    draw: Draw
    needs: frozenset[str]
    what: str


#: Every disruption the soak knows, by kind. `needs`: `server` (a server process wschaos starts
#: and signals), `pages` (browser pages). Network faults act on a page's Toxiproxy link and need
#: nothing more.
FAULTS: dict[str, FaultKind] = {
    "down": FaultKind(_down, frozenset(), "network down (`down`) 5-60 s"),
    "latency": FaultKind(_latency, frozenset(), "latency 200-1500 ms (`latency`) 10-60 s"),
    "blackhole": FaultKind(_blackhole, frozenset(), "blackhole (`blackhole`: stall, then close) 5-30 s, at least "
                           "1.5x the dead-link limit"),
    "restart": FaultKind(_restart, frozenset({"server"}), "server restart (graceful)"),
    "crash": FaultKind(_crash, frozenset({"server"}), "server crash (SIGKILL) and start"),
    "stop": FaultKind(_stop, frozenset({"server"}), "server stopped 5-40 s"),
    "pause": FaultKind(_pause, frozenset({"server"}), "server frozen (SIGSTOP) 5-30 s"),
    "offline": FaultKind(_offline, frozenset({"pages"}), "browser offline with the network cut 5-60 s"),
    "hide": FaultKind(_hide, frozenset({"pages"}), "tab hidden 10-120 s"),
    "sleep": FaultKind(_sleep, frozenset({"pages"}), "laptop asleep (page frozen) 10-90 s"),
}

#: What each capability means, for the report's "left out" lines.
NEEDS_WORDS = {"server": "no server process wschaos starts", "pages": "no browser pages"}


def catalogue(capabilities: frozenset[str]) -> dict[str, Draw]:
    """The draws of every fault kind whose needs `capabilities` meets, in a stable order."""
    return {kind: f.draw for kind, f in sorted(FAULTS.items()) if f.needs <= capabilities}


def left_out(capabilities: frozenset[str]) -> list[str]:
    """Each fault kind the target cannot take, and why: `pause: no server process wschaos starts`."""
    return [f"{kind}: {', '.join(NEEDS_WORDS[n] for n in sorted(f.needs - capabilities))}"
            for kind, f in sorted(FAULTS.items()) if not f.needs <= capabilities]
