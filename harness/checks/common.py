"""Small helpers the checks share: how times, durations and limits read in evidence lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from harness.checks.base import Check, CheckResult, RunView
from harness.clients import ClientSelector
from harness.steps.faults import fault_names
from harness.scenario.yamlpos import did_you_mean
from harness.units import Duration, format_measured

MAX_EVIDENCE = 12


@dataclass(frozen=True)
class FaultName:
    """Marks a check parameter that names a network fault (`list[Annotated[str, FaultName()]]`):
    the loader refuses any other name, with the closest one, so a typo is not a run that times
    nothing and fails."""

    def problem(self, value: str) -> str | None:
        """The load problem of a name (None for a fault's step name)."""
        faults = fault_names()
        if value in faults:
            return None
        return f"unknown fault {value!r}{did_you_mean(value, faults)}; faults: {', '.join(faults)}"

    def schema(self) -> dict[str, list[str]]:
        """What the JSON Schema says the value may be."""
        return {"enum": fault_names()}


def at(t: float) -> str:
    """A journal time as evidence text: `t=12.3s`."""
    return f"t={t:.1f}s"


dur = format_measured  # the checks' short name for it


def limit(run: RunView, d: Duration, deadline: bool = True) -> str:
    """A scaled limit with its derivation, e.g. `5s (20s app time x 0.1 = 2s, raised to min_wait 5s)`."""
    scaled = run.time.scaled(d)
    value = run.time.deadline(d) if deadline else scaled
    if run.time.factor == 1.0 and value == scaled:
        return dur(value)
    why = f"{d} app time x {run.time.factor:g}"
    if value != scaled:
        return f"{dur(value)} ({why} = {dur(scaled)}, raised to min_wait {dur(run.time.min_wait_s)})"
    return f"{dur(value)} ({why})"


def capped(lines: Iterable[str], n: int = MAX_EVIDENCE) -> list[str]:
    """At most n evidence lines, then one line saying how many were left out."""
    lines = list(lines)
    if len(lines) <= n:
        return lines
    return lines[:n] + [f"... and {len(lines) - n} more"]


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def select(check: Check, run: RunView, selector: ClientSelector,
           kind: str | None = None) -> tuple[list[str], CheckResult | None]:
    """Resolve a client selector; a selector that matches nobody is a failed check, not a pass."""
    names = run.select(selector, kind)
    if names:
        return names, None
    known = ", ".join(run.client_names(kind)) or "none"
    return [], check.result(False, f"no client matches {selector!r} (clients: {known})",
                            [f"clients: {selector!r} selected nothing; use 'all', a client "
                             f"name or a group from run.start (known: {known})"])
