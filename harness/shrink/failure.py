"""What "fails the same check the same way" means, read from journals. Pure.

A run's failure is a failed check (its status `failed`: judged and not held), or, when no check
failed, the step that failed and ended the scenario (a recovery gate that timed out). Its *way*
is the set of words of its summary (a step's: of its error, up to what it observed) with the
numbers, times, client names and ids left out:

    "12 messages sent: 3 lost, 1 duplicated"   -> {messages, sent, lost, duplicated}
    "expected state connected on b0 within 120s; observed b0: state reconnecting"
                                               -> {expected, state, connected, on, within}

A replay fails the same way when the same check failed (or the same kind of step, for a step
failure) and the words of its way are among the original's: `3 messages sent: 3 lost` is one of
the ways `12 messages sent: 3 lost, 1 duplicated` failed; `2 sent again wrongly` is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal, Mapping, Sequence

from harness.journal import Event, of_kind

def way_of(text: str) -> frozenset[str]:
    """The words of a failure's summary that say how it failed (module docstring): every token
    with a letter and no digit (`b0`, `120s`, `t=9.5s`, `s12`, ids and counts all have one)."""
    words = set()
    for token in text.lower().split():
        token = token.strip(".,;:()[]'\"`")
        if any(c.isalpha() for c in token) and not any(c.isdigit() for c in token):
            words.add(token)
    return frozenset(words)


@dataclass(frozen=True)
class Failure:
    """How a run failed: a check (`kind` check, `name` its name) or a step (`name` its step type),
    the summary as shown, its way, and the journal times it points at (for the search's first guess)."""

    kind: Literal["check", "step"]
    name: str
    summary: str
    way: frozenset[str]
    at: tuple[float, ...] = ()
    path: str = ""          # a step failure: the step's path

    def __str__(self) -> str:
        return f"{'check ' if self.kind == 'check' else 'step '}{self.name}: {self.summary}"

    def same_way(self, other: "Failure") -> bool:
        """`other` fails the same check (or kind of step) in one of this failure's ways."""
        return (other.kind, other.name) == (self.kind, self.name) and bool(other.way) and other.way <= self.way


def failures(checks: Iterable[Mapping[str, object]], events: Sequence[Event]) -> list[Failure]:
    """Every failure of a run: its failed checks (`check` events or results entries), in order,
    then the step that failed, if one did."""
    out = []
    for c in checks:
        if c.get("status", "failed" if not c.get("passed") else "passed") == "failed":
            summary = str(c.get("summary", ""))
            at = tuple(float(t) for t in c.get("at") or () if isinstance(t, (int, float)))  # type: ignore[attr-defined]
            out.append(Failure("check", str(c.get("name")), summary, way_of(summary), at))
    for e in of_kind(events, "step.end"):
        if e.get("status") == "failed":
            error = str(e.get("error") or "")
            said = error.split("; observed", 1)[0]
            out.append(Failure("step", str(e.get("name")), error, way_of(said), (float(e["t"]),), str(e.get("path"))))
            break
    return out


def journal_failures(events: Sequence[Event]) -> list[Failure]:
    """The failures a journal records (its `check` events and its failed step)."""
    return failures(list(of_kind(events, "check")), events)


def choose(found: Sequence[Failure], wanted: str | None) -> Failure | None:
    """The failure to keep: the one named `wanted` (a check name, or `step`), else the first failed
    check, else the failed step."""
    if wanted is not None:
        return next((f for f in found if f.name == wanted or (wanted == "step" and f.kind == "step")), None)
    return found[0] if found else None
