"""How clients draw their reconnection delays: the models the `backoff` check judges against.

Before its n-th reconnection attempt (n = 1, 2, ...) a client waits a delay. Every model but
`decorrelated` draws it around the nominal schedule min(cap, base x factor^(n-1)):

| model          | n-th delay                                       | found in                                  |
|----------------|--------------------------------------------------|-------------------------------------------|
| `none`         | the nominal                                      | a client without jitter                    |
| `equal`        | nominal x random(0.5, 1)                         | the reference app; AWS "equal jitter"      |
| `full`         | nominal x random(0, 1)                           | AWS "full jitter"; python `backoff`'s default `full_jitter` |
| `randomized`   | min(cap, base x factor^(n-1) x random(1-f, 1+f)) | socket.io-client's `backo2` (f = `randomizationFactor`, 0.5) |
| `decorrelated` | min(cap, random(base, 3 x the previous delay))   | AWS "decorrelated jitter"                  |

`randomized` applies the cap after the randomization, as backo2 does (`Math.min(ms, max)` after
`ms ± deviation`): a first delay reaches 1.5 x base, and once base x factor^(n-1) x (1-f) is over
the cap every delay is exactly the cap.

Each model states the bounds of a delay (`bounds`) and the chance that it draws a delay inside
an interval (`chance`); the check uses the second to tell jitter from none. Pure arithmetic on
real seconds (the check scales the parameters by the time scale first).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Literal

from harness.units import format_measured as _seconds

JitterName = Literal["none", "equal", "full", "randomized", "decorrelated"]
#: What `jitter: true` accepts: the models that draw around the nominal schedule. `decorrelated`
#: is left out: its growth is itself random, so it would accept delays that never grow.
COMMON: tuple[JitterName, ...] = ("equal", "full", "randomized")


@dataclass(frozen=True)
class Schedule:
    """The check's parameters in real seconds (already multiplied by the time scale)."""

    base_s: float
    cap_s: float
    factor: float
    randomization: float = 0.5

    def raw(self, n: int) -> float:
        """base x factor^(n-1), uncapped, but never past a million caps (no float overflow)."""
        ceiling = max(self.cap_s, self.base_s) * 1e6
        if self.base_s <= 0 or self.factor <= 1:
            return max(self.base_s, 0.0)
        if (n - 1) * math.log(self.factor) >= math.log(ceiling / self.base_s):
            return ceiling
        return float(self.base_s * self.factor ** (n - 1))

    def nominal(self, n: int) -> float:
        """min(cap, base x factor^(n-1)): the delay of a client without jitter."""
        return min(self.cap_s, self.raw(n))


def uniform_chance(lo: float, hi: float, a: float, b: float) -> float:
    """The chance that a value drawn uniformly from [lo, hi] lies in [a, b] (a point when lo == hi)."""
    if hi <= lo:
        return 1.0 if a <= lo <= b else 0.0
    return max(0.0, min(b, hi) - max(a, lo)) / (hi - lo)


class Model:
    """One way of drawing the n-th delay; subclasses set the class attributes and `bounds`."""

    name: ClassVar[JitterName]
    title: ClassVar[str]       # "full jitter": what the check says it saw
    spread: ClassVar[str]      # how jitter spreads a delay, for the "no jitter" evidence
    jittered: ClassVar[bool] = True

    def bounds(self, s: Schedule, n: int, prev_s: float | None) -> tuple[float, float]:
        """The shortest and longest n-th delay the model draws (`prev_s`: the delay before it)."""
        raise NotImplementedError

    def chance(self, s: Schedule, n: int, prev_s: float | None, a: float, b: float) -> float:
        """The chance that the n-th delay lies in [a, b]: the draw is uniform within `bounds`."""
        return uniform_chance(*self.bounds(s, n, prev_s), a, b)

    def formula(self, base: str, cap: str, factor: float, randomization: float) -> str:
        """The delay as the summary writes it, e.g. `min(30s, 1s x 2^(n-1)) x 0..1`."""
        return f"min({cap}, {base} x {factor:g}^(n-1))"

    def basis(self, s: Schedule, n: int, prev_s: float | None) -> str:
        """What a delay's window was derived from, for an evidence line: `nominal 4s`."""
        return f"nominal {_seconds(s.nominal(n))}"

    def early_scale(self, s: Schedule, n: int) -> float:
        """The size the allowance for an early delay is a fraction of (the check's TOLERANCE_RATIO)."""
        return s.nominal(n)


class NoJitter(Model):
    name = "none"
    title = "no jitter"
    spread = "none"
    jittered = False

    def bounds(self, s: Schedule, n: int, prev_s: float | None) -> tuple[float, float]:
        return s.nominal(n), s.nominal(n)


class EqualJitter(Model):
    name = "equal"
    title = "equal jitter"
    spread = "0.5..1 x nominal"

    def bounds(self, s: Schedule, n: int, prev_s: float | None) -> tuple[float, float]:
        return 0.5 * s.nominal(n), s.nominal(n)

    def formula(self, base: str, cap: str, factor: float, randomization: float) -> str:
        return super().formula(base, cap, factor, randomization) + " x 0.5..1"


class FullJitter(Model):
    name = "full"
    title = "full jitter"
    spread = "0..1 x nominal"

    def bounds(self, s: Schedule, n: int, prev_s: float | None) -> tuple[float, float]:
        return 0.0, s.nominal(n)

    def formula(self, base: str, cap: str, factor: float, randomization: float) -> str:
        return super().formula(base, cap, factor, randomization) + " x 0..1"


class Randomized(Model):
    name = "randomized"
    title = "randomized jitter"
    spread = "1-f..1+f x base x factor^(n-1)"

    def bounds(self, s: Schedule, n: int, prev_s: float | None) -> tuple[float, float]:
        raw, f = s.raw(n), s.randomization
        return min(s.cap_s, raw * (1 - f)), min(s.cap_s, raw * (1 + f))

    def chance(self, s: Schedule, n: int, prev_s: float | None, a: float, b: float) -> float:
        # The draw is uniform before the cap; everything drawn over the cap lands exactly on it.
        raw, f = s.raw(n), s.randomization
        lo, hi = raw * (1 - f), raw * (1 + f)
        if a > s.cap_s:
            return 0.0
        return uniform_chance(lo, hi, a, math.inf if b >= s.cap_s else b)

    def formula(self, base: str, cap: str, factor: float, randomization: float) -> str:
        return f"min({cap}, {base} x {factor:g}^(n-1) x {1 - randomization:g}..{1 + randomization:g})"


class Decorrelated(Model):
    name = "decorrelated"
    title = "decorrelated jitter"
    spread = "base..3 x the previous delay"
    #: AWS's "sleep = min(cap, random_between(base, sleep * 3))", sleep starting at base.
    GROWTH = 3.0

    def bounds(self, s: Schedule, n: int, prev_s: float | None) -> tuple[float, float]:
        hi = min(s.cap_s, self._grown(s, n, prev_s))
        return min(s.base_s, hi), hi

    def _grown(self, s: Schedule, n: int, prev_s: float | None) -> float:
        if prev_s is None:  # the first delay grows from base; an unmeasured previous one from anything
            return self.GROWTH * s.base_s if n == 1 else math.inf
        return self.GROWTH * max(s.base_s, prev_s)

    def formula(self, base: str, cap: str, factor: float, randomization: float) -> str:
        return f"min({cap}, random({base}, 3 x previous delay))"

    def early_scale(self, s: Schedule, n: int) -> float:
        return s.base_s  # its shortest delay is base, whatever n

    def basis(self, s: Schedule, n: int, prev_s: float | None) -> str:
        if prev_s is None:
            return f"base {_seconds(s.base_s)}" + (", first delay" if n == 1 else ", previous delay unmeasured")
        return f"previous delay {_seconds(prev_s)}"


MODELS: dict[str, Model] = {m.name: m for m in (NoJitter(), EqualJitter(), FullJitter(), Randomized(), Decorrelated())}


def odds_text(p: float) -> str:
    """A small chance in words: `1 in 4,700`, `1 in 38 million`, `1 in 2.1 billion`."""
    if p <= 0:
        return "never"
    n = 1 / p
    if n >= 1e15:
        return "less than 1 in a thousand trillion"
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if n >= size:
            return f"1 in {_two_figures(n / size)} {word}"
    return f"1 in {float(_two_figures(n)):,.0f}"


def _two_figures(x: float) -> str:
    """Two significant figures without an exponent (the odds are an estimate): 7.9, 12, 410, 3000."""
    return f"{float(f'{x:.2g}'):g}"
