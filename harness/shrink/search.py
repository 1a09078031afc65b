"""The shrinker's search: the smallest schedule that still fails the same way. Pure.

    best = await search(items, trial, groups=rounds, focus=suspects, smaller=variants, stop=out_of_time)

`items` is a schedule: a tuple of opaque, hashable items (the caller's step nodes, each with
its absolute time). `trial(items)` replays a candidate and says how it went (`Trial`); it is
the only door to the world, so the search is unit-tested with a fake one. A candidate is
accepted only when it `fails` (the caller replays it k times and calls it failing only if
every replay failed the same check the same way; a mix is `flaky` and rejected).

The search, in order, each step keeping the smallest failing schedule found so far:

1. the whole schedule must fail (`Outcome.reproduced`). With `verify_first` it is replayed
   first; without, the run being shrunk is that evidence (replaying a whole night k times can
   take longer than the rest of the search), and the whole schedule is replayed at the end only
   if nothing smaller failed, so what the search returns has always failed on every replay;
2. `focus`: first guesses, tried in order until one fails (the round where the failure was
   first seen, then every round it points at: a failure usually lies near where it was seen,
   and one try can skip most of the search);
3. delta debugging (Zeller's ddmin) over `groups` (the soak's rounds), then over single items:
   split into n chunks, keep a chunk or a complement that fails, else split finer;
4. shortening: each item replaced by each of `smaller(item)` (shorter windows, fewer
   messages), first success kept, until none helps.

Every tried candidate is remembered, so none is replayed twice. `stop()` is asked before each
trial (a time budget, Ctrl-C); the search then ends with the best so far.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Awaitable, Callable, Generic, Hashable, Literal, Sequence, TypeVar

T = TypeVar("T", bound=Hashable)

Verdict = Literal["fails", "passes", "flaky", "other"]


@dataclass(frozen=True)
class Trial:
    """How replaying one candidate went: `fails` (the same check, the same way, on every replay),
    `passes`, `flaky` (some replays failed that way, some did not) or `other` (it failed
    differently, or the harness broke); `replays` it took; `detail` in words."""

    verdict: Verdict
    replays: int
    detail: str = ""


@dataclass(frozen=True)
class Tried(Generic[T]):
    """One candidate the search replayed: its size, why it was tried, and how it went."""

    number: int
    phase: str
    items: tuple[T, ...]
    trial: Trial
    accepted: bool


@dataclass
class Outcome(Generic[T]):
    """The search's result: the smallest failing schedule found and every trial on the way."""

    original: tuple[T, ...]
    best: tuple[T, ...]
    reproduced: bool = False
    stopped: str | None = None          # why the search ended early (budget, interrupted)
    tried: list[Tried[T]] = field(default_factory=list)

    @property
    def replays(self) -> int:
        return sum(t.trial.replays for t in self.tried)


TrialFn = Callable[[tuple[T, ...]], Awaitable[Trial]]
Listener = Callable[["Tried[T]", "Outcome[T]"], None]


class _Stop(Exception):
    """The budget ran out or the user interrupted: end with the best so far."""


@dataclass
class _Search(Generic[T]):
    trial: TrialFn[T]
    stop: Callable[[], str | None]
    on_trial: Listener[T] | None
    outcome: Outcome[T]
    seen: dict[tuple[T, ...], bool] = field(default_factory=dict)

    async def fails(self, items: tuple[T, ...], phase: str) -> bool:
        """Whether `items` fails the same way (replayed once per distinct candidate)."""
        if not items:
            return False
        if items in self.seen:
            return self.seen[items]
        why = self.stop()
        if why is not None:
            raise _Stop(why)
        trial = await self.trial(items)
        accepted = trial.verdict == "fails"
        self.seen[items] = accepted
        tried = Tried(len(self.outcome.tried) + 1, phase, items, trial, accepted)
        self.outcome.tried.append(tried)
        if accepted and len(items) <= len(self.outcome.best):
            self.outcome.best = items
        if self.on_trial is not None:
            self.on_trial(tried, self.outcome)
        return accepted


async def search(items: Sequence[T], trial: TrialFn[T], *, groups: Sequence[Sequence[T]] = (),
                 focus: Sequence[Sequence[T]] = (), smaller: Callable[[T], Sequence[T]] = lambda item: (),
                 stop: Callable[[], str | None] = lambda: None, on_trial: Listener[T] | None = None,
                 verify_first: bool = True) -> Outcome[T]:
    """The smallest schedule (a subsequence of `items`, items possibly replaced by smaller ones)
    that `trial` finds failing; see the module docstring. `groups` partition `items` (items in
    no group form groups of their own); `focus` are first guesses of the items that matter."""
    original = tuple(items)
    outcome: Outcome[T] = Outcome(original, original)
    s = _Search(trial, stop, on_trial, outcome)
    try:
        if verify_first and not await s.fails(original, "the whole schedule"):
            return outcome
        s.seen[original] = True  # verified, or the failed run itself: ddmin starts from a failing whole
        outcome.reproduced = verify_first
        current = original
        for guess in focus:
            kept = tuple(i for i in current if i in set(guess))
            if kept and kept != current and await s.fails(kept, "where it failed"):
                current = kept
                break
        units = _units(current, groups)
        if len(units) > 1:
            current = _flat(await _ddmin(s, units, "rounds"))
        current = _flat(await _ddmin(s, [(i,) for i in current], "steps"))
        current = await _shorten(s, current, smaller)
        if not verify_first:
            outcome.reproduced = current != original or await _verify(s, original)
    except _Stop as why:
        outcome.stopped = str(why)
        outcome.reproduced = outcome.reproduced or any(t.accepted for t in outcome.tried)
    return outcome


async def _verify(s: _Search[T], original: tuple[T, ...]) -> bool:
    """Nothing smaller failed: replay the whole schedule, which must fail on every replay too."""
    del s.seen[original]
    return await s.fails(original, "the whole schedule")


def _units(items: tuple[T, ...], groups: Sequence[Sequence[T]]) -> list[tuple[T, ...]]:
    """`items` cut into the given groups (in schedule order), items of no group one by one."""
    group_of: dict[T, int] = {}
    for n, group in enumerate(groups):
        for item in group:
            group_of[item] = n
    units: list[list[T]] = []
    last: object = object()
    for item in items:
        key = group_of.get(item, ("alone", len(units)))
        if units and key == last:
            units[-1].append(item)
        else:
            units.append([item])
        last = key
    return [tuple(u) for u in units]


def _flat(units: Sequence[tuple[T, ...]]) -> tuple[T, ...]:
    return tuple(i for u in units for i in u)


async def _ddmin(s: _Search[T], units: list[tuple[T, ...]], phase: str) -> list[tuple[T, ...]]:
    """Zeller's ddmin over `units` (each kept or dropped whole): a 1-minimal failing subset."""
    n = 2
    while len(units) >= 2:
        chunks = _split(units, n)
        reduced = False
        for chunk in chunks:  # one chunk alone
            if await s.fails(_flat(chunk), phase):
                units, n, reduced = chunk, 2, True
                break
        if not reduced and n > 2:
            for i in range(len(chunks)):  # everything but one chunk
                rest = [u for j, c in enumerate(chunks) if j != i for u in c]
                if await s.fails(_flat(rest), phase):
                    units, n, reduced = rest, max(n - 1, 2), True
                    break
        if not reduced:
            if n >= len(units):
                break
            n = min(2 * n, len(units))
    return units


def _split(units: list[tuple[T, ...]], n: int) -> list[list[tuple[T, ...]]]:
    """`units` in `n` consecutive chunks of near-equal size."""
    size, extra = divmod(len(units), n)
    chunks, at = [], 0
    for i in range(n):
        end = at + size + (1 if i < extra else 0)
        chunks.append(units[at:end])
        at = end
    return [c for c in chunks if c]


async def _shorten(s: _Search[T], items: tuple[T, ...], smaller: Callable[[T], Sequence[T]]) -> tuple[T, ...]:
    """Replace items by smaller ones while the schedule still fails; the first that helps is kept."""
    changed = True
    while changed:
        changed = False
        for i, item in enumerate(items):
            for variant in smaller(item):
                candidate = items[:i] + (variant,) + items[i + 1:]
                if await s.fails(candidate, "shorter"):
                    items, changed = candidate, True
                    break
            if changed:
                break
    return items
