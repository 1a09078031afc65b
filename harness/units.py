"""Durations with units, and the time scale that stretches or shrinks scenario time.

A scenario speaks in *app time*: `idle: 5m`, `for: 30s`, `within: 20s`. The target's
`time_scale` multiplies every app timer of the reference app, and the harness multiplies the
scenario's durations by the same factor, so "idle for 5 minutes" runs in 30 s at 0.1.
Deadlines (`within:`) are never shortened below the target's `min_wait` (real seconds), which
absorbs what does not scale: process start-up, browser navigation.
Fault magnitudes (latency, jitter, bandwidth) are network properties and are never scaled.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Union

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
# The one spelling of a duration: the loader parses it, the JSON Schema states it.
DURATION_PATTERN = r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$"
_DURATION_RE = re.compile(DURATION_PATTERN)


@dataclass(frozen=True, order=True)
class Duration:
    """A length of time, kept in seconds; written `300ms`, `15s`, `5m`, `1.5h` in YAML."""

    seconds: float

    @classmethod
    def parse(cls, text: object) -> "Duration":
        """Parse `'300ms'`-style text; raise ValueError with the accepted forms otherwise."""
        if isinstance(text, Duration):
            return text
        if isinstance(text, str):
            m = _DURATION_RE.match(text)
            if m:
                return cls(float(m.group(1)) * _UNITS[m.group(2)])
        raise ValueError(f"expected a duration like 300ms, 15s, 5m or 1h, got {text!r}")

    @property
    def ms(self) -> float:
        return self.seconds * 1000.0

    def __str__(self) -> str:
        return format_seconds(self.seconds)


@dataclass(frozen=True, init=False)
class Range:
    """The values a parameter accepts, inclusive: `Annotated[Duration, Range("1ms", "1h")]`.

    Bounds of a duration are written like durations; of a number, as numbers. The loader
    states the range in its message (`expected a duration from 1ms to 24h, got '99999999h'`).
    """

    low: float
    high: float

    def __init__(self, low: Union[str, float, "Duration"], high: Union[str, float, "Duration"]) -> None:
        object.__setattr__(self, "low", _bound(low))
        object.__setattr__(self, "high", _bound(high))

    def __contains__(self, value: object) -> bool:
        x = value.seconds if isinstance(value, Duration) else value
        return isinstance(x, (int, float)) and math.isfinite(x) and self.low <= x <= self.high


def _bound(value: Union[str, float, "Duration"]) -> float:
    if isinstance(value, (str, Duration)):
        return Duration.parse(value).seconds
    return value if isinstance(value, int) else float(value)  # an int stays exact: 2**63 - 1 is no float


# What a duration accepts unless its field says otherwise: a nightly soak runs 8h+ of app
# time, so a day is the sane ceiling; 0 is meaningless for most (`timeout: 0s`, `for: 0s`).
DURATION_RANGE = Range("1ms", "24h")
# Whole numbers and numbers without a range of their own (counts, sizes, factors).
COUNT_RANGE = Range(0, 1_000_000_000)
# A time-scale factor, wherever it is given (scenario, profile, target, `soak --time-scale`):
# below 0.001 an app's timers fire faster than a browser can keep up, above 1000 a minute of app
# time is over half a day of real time.
TIME_SCALE_RANGE = Range(0.001, 1000)
# A seed, wherever it is given (scenario `seed:`, `--seed`): what a signed 64-bit integer holds.
SEED_RANGE = Range(0, 2**63 - 1)


def format_seconds(seconds: float) -> str:
    """Render seconds the way a person writes them: 250ms, 15s, 2.5s, 5m, 1h30m."""
    if seconds < 1:
        return f"{seconds * 1000:g}ms"
    if seconds < 60:
        return f"{round(seconds, 3):g}s"
    if seconds < 3600:
        m, s = divmod(seconds, 60)
        return f"{int(m)}m" + (f"{round(s, 3):g}s" if s else "")
    h, rest = divmod(seconds, 3600)
    return f"{int(h)}h" + (f"{int(rest // 60)}m" if rest else "")


def format_measured(seconds: float) -> str:
    """A measured duration, as checks and lateness notes state it: `250ms`, `1.5s`, `42s`."""
    if abs(seconds) < 1:
        return f"{seconds * 1000:.0f}ms"
    return f"{seconds:.2f}".rstrip("0").rstrip(".") + "s"


@dataclass(frozen=True)
class TimeScale:
    """How scenario (app) time maps to wall time for one run."""

    factor: float = 1.0
    min_wait_s: float = 5.0

    def scaled(self, d: Duration | float) -> float:
        """App time -> wall seconds (for idles, fault windows, measured intervals)."""
        seconds = d.seconds if isinstance(d, Duration) else float(d)
        return seconds * self.factor

    def deadline(self, d: Duration | float) -> float:
        """App-time deadline -> wall seconds, never below min_wait_s."""
        return max(self.scaled(d), self.min_wait_s)
