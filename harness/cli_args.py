"""What each command-line option accepts: argparse value types whose refusals say, in words,
what to write instead (argparse prints them as `argument --seed: <message>`, exit 2).

argparse's own words for a failed `type=int` ("invalid int value") and for a type function
that raises anything but ArgumentTypeError ("invalid _jobs value") name Python, not the option;
every type here raises ArgumentTypeError with the allowed values.
"""

from __future__ import annotations

import argparse
import re
from typing import Callable

from harness.scenario.convert import describe_range
from harness.units import SEED_RANGE, Duration

#: ASCII digits only: `str.isdigit()` also takes '²' and fullwidth digits, which int() may refuse.
_WHOLE = re.compile(r"[+-]?[0-9]+")


def whole_number(text: str) -> int:
    """A whole number written in ASCII digits (`3`, `-1`)."""
    if not _WHOLE.fullmatch(text.strip()) or len(text) > 40:
        raise argparse.ArgumentTypeError(f"expected a whole number like 3, got {text!r}")
    return int(text)


def number(text: str) -> float:
    """A number (`0.1`, `2`, `1e-3`); its range (which refuses nan and inf) is the option's to check,
    with its reason."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number like 0.1 or 2, got {text!r}") from None


def seed(text: str) -> int:
    """A seed: a whole number in the range a scenario's `seed:` has, with the same words."""
    if _WHOLE.fullmatch(text.strip()) and len(text) <= 40 and int(text) in SEED_RANGE:
        return int(text)
    raise argparse.ArgumentTypeError(f"expected {describe_range(int, SEED_RANGE)}, got {text!r}")


def bounded(low: int, high: int, extra: str = "") -> Callable[[str], int]:
    """A type for a whole number from `low` to `high` (`extra`: words also accepted, e.g. 'auto')."""
    def parse(text: str) -> int:
        if _WHOLE.fullmatch(text.strip()) and low <= int(text) <= high:
            return int(text)
        also = f" or {extra!r}" if extra else ""
        raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}{also}, got {text!r}")
    return parse


def duration(text: str) -> Duration:
    """A duration like 300ms, 15s, 5m or 8h."""
    try:
        return Duration.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
