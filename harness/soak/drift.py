"""How a resource moved over a night, in one plain sentence. Pure.

    trend(points, "server RSS", "MB", floor=2.0, least=4.0).sentence
    -> "server RSS grew 41 MB/h (48.7 MB -> 92.1 MB), steady after round 12 (+0.4 MB/h from there)"

`points` are (round, hour of app time, value, segment), one per round; a segment is one life of
the process read (a restarted server starts a new one: its memory drops, which is no trend).
The slope is a least-squares line through every segment at once (one slope, an intercept per
segment), per hour of app time, so a night compressed to 0.1 reads like a real one. A resource
is steady when its slope is within `floor` per hour, or the line moved less than `least` over
the night (a short soak extrapolates a megabyte of noise to a steep slope). "Steady after round
N" names the earliest round from which the rest stays within `floor` per hour (at least three
rounds left); a night that never settles is "still growing" (or "still falling") at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

#: Rounds a tail needs for its slope to mean anything.
MIN_TAIL = 3

Point = tuple[int, float, float, int]   # (round, app hour, value, segment)


def slope(points: Sequence[Point]) -> float | None:
    """The pooled least-squares slope of value over app hours, one intercept per segment; None
    when no segment has two distinct hours."""
    sxx = sxy = 0.0
    for segment in {p[3] for p in points}:
        mine = [p for p in points if p[3] == segment]
        mean_x = sum(p[1] for p in mine) / len(mine)
        mean_y = sum(p[2] for p in mine) / len(mine)
        sxx += sum((p[1] - mean_x) ** 2 for p in mine)
        sxy += sum((p[1] - mean_x) * (p[2] - mean_y) for p in mine)
    return sxy / sxx if sxx > 0 else None


def intercept(points: Sequence[Point], k: float, segment: int) -> float:
    """The fitted line's value at hour 0 in `segment`, for slope `k`."""
    mine = [p for p in points if p[3] == segment]
    return sum(p[2] for p in mine) / len(mine) - k * sum(p[1] for p in mine) / len(mine)


@dataclass(frozen=True)
class Trend:
    """A resource over the night: its fitted slope, from when it was steady, and the sentence."""

    name: str
    unit: str
    points: tuple[Point, ...]
    per_hour: float | None
    steady_from: int | None     # the first round from which it stayed steady
    tail_per_hour: float | None
    sentence: str


def trend(points: Sequence[Point], name: str, unit: str, floor: float, least: float, note: str = "") -> Trend:
    """The trend of one resource (module docstring)."""
    pts = tuple(points)
    k = slope(pts)
    if k is None:
        return Trend(name, unit, pts, None, None, None, f"{name}: too few readings to tell a trend "
                                                           f"({len(pts)} round{'s' if len(pts) != 1 else ''})")
    span = f"({_v(pts[0][2], unit)} -> {_v(pts[-1][2], unit)}{note})"
    if abs(k) <= floor:
        return Trend(name, unit, pts, k, pts[0][0], k, f"{name} steady over the night: {_rate(k, unit)} {span}")
    if _steady(pts, k, floor, least):
        moved = abs(k) * (pts[-1][1] - pts[0][1])
        return Trend(name, unit, pts, k, pts[0][0], k, f"{name} steady over the night: the fitted line moved "
                     f"{_v(moved, unit)} in all {span}, too little for its {_rate(k, unit)} to be a trend")
    steady, tail = _steady_from(pts, floor)
    text = f"{name} {'grew' if k > 0 else 'fell'} {_rate(abs(k), unit, sign=False)} {span}"
    if steady is not None and tail is not None:
        text += f", steady after round {steady} ({_rate(tail, unit)} from there)"
    else:
        text += f", still {'growing' if k > 0 else 'falling'} at the end"
    return Trend(name, unit, pts, k, steady, tail, text)


def _steady(points: Sequence[Point], k: float, floor: float, least: float) -> bool:
    hours = points[-1][1] - points[0][1]
    return abs(k) <= floor or abs(k) * hours < least


def _steady_from(points: Sequence[Point], floor: float) -> tuple[int | None, float | None]:
    """The earliest round after the first from which the rest's slope is within `floor` (a short
    tail moving little is no evidence of steadiness: only the rate counts here)."""
    for i in range(1, len(points) - MIN_TAIL + 1):
        k = slope(points[i:])
        if k is not None and abs(k) <= floor:
            return points[i][0], k
    return None, None


def _v(value: float, unit: str) -> str:
    if unit == "MB":
        return f"{value:.1f} MB"
    return f"{value:.0f} ms" if unit == "ms" else f"{value:.0f}"


def _rate(k: float, unit: str, sign: bool = True) -> str:
    number = f"{k:+.1f}" if sign else f"{k:.1f}"
    return f"{number} {unit}/h" if unit else f"{number}/h"
