"""`expect`: an inline assertion that waits until the selected pages show a condition.

It polls the pages' probe values (and, with `js`, an expression in the page) until every
selected client satisfies every given condition, or fails the scenario after `within`.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, ClassVar, Mapping, Optional, Union

from harness.errors import StepFailed
from harness.jscheck import JavaScript
from harness.states import hint
from harness.steps.base import Envelope, Step, steps
from harness.units import Duration, Range

if TYPE_CHECKING:
    from harness.context import RunContext
    from harness.drivers.browser import BrowserClient

LEVELS = ["HEALTHY", "DEGRADED", "UNHEALTHY", "CRITICAL"]
#: The oldest a probe value may be to count as what the page shows now.
FRESH_S = 0.5


@steps.register("expect")
@dataclass(frozen=True)
class Expect(Step):
    """Wait until every selected page shows the given state/health/queue (or `js` is truthy); fail after `within`."""

    client_kinds: ClassVar[tuple[str, ...]] = ("browser",)
    state: Optional[Union[str, list[str]]] = None
    health: Optional[Union[str, list[str]]] = None
    min_health: Optional[str] = None
    queue_length: Optional[Annotated[int, Range(0, 1_000_000)]] = None
    alerts_at_least: Optional[Annotated[int, Range(0, 1_000_000)]] = None
    js: Optional[Annotated[str, JavaScript("expression")]] = None  # syntax-checked at load
    within: Duration = Duration(10.0)

    def __post_init__(self) -> None:
        conditions = (self.state, self.health, self.min_health, self.queue_length, self.alerts_at_least, self.js)
        if all(c is None for c in conditions):
            raise ValueError("expect needs a condition: state, health, min_health, queue_length, alerts_at_least or js")
        for level in _as_list(self.health) + _as_list(self.min_health):
            if level not in LEVELS:
                raise ValueError(f"expected a health level ({', '.join(LEVELS)}), got {level!r}")

    def required_probes(self) -> list[str]:
        """The probes the conditions read; `state` falls back on the app socket's state."""
        wanted = {"health": self.health is not None or self.min_health is not None,
                  "queue_length": self.queue_length is not None, "alerts": self.alerts_at_least is not None}
        return [name for name, used in wanted.items() if used]

    def condition(self) -> str:
        parts = []
        if self.state is not None:
            parts.append(f"state {' or '.join(_as_list(self.state))}")
        if self.health is not None:
            parts.append(f"health {' or '.join(_as_list(self.health))}")
        if self.min_health is not None:
            parts.append(f"health at least {self.min_health}")
        if self.queue_length is not None:
            parts.append(f"queue_length == {self.queue_length}")
        if self.alerts_at_least is not None:
            parts.append(f"alerts >= {self.alerts_at_least}")
        if self.js is not None:
            parts.append(f"`{self.js}` is truthy")
        return " and ".join(parts)

    def summary(self, env: Envelope) -> str:
        return f"expect {self.condition()} on {env.clients or 'all'} within {self.within}"

    def holds(self, values: Mapping[str, object] | None, words: Mapping[str, str] | None = None) -> bool:
        """Whether one client's probe values satisfy the probe conditions (`js` is judged apart);
        `words` is the target's vocabulary (`states:`), so `state: live` means what the app calls live."""
        probe_conditions = (self.state, self.health, self.min_health, self.queue_length, self.alerts_at_least)
        if all(c is None for c in probe_conditions):
            return True  # only `js`: works on targets without probes
        if not values:
            return False
        wanted = [(words or {}).get(s, s) for s in _as_list(self.state)]
        if self.state is not None and values.get("state") not in wanted:
            return False
        if self.health is not None and values.get("health") not in _as_list(self.health):
            return False
        if self.min_health is not None and _level(values.get("health")) < _level(self.min_health):
            return False
        if self.queue_length is not None and values.get("queue_length") != self.queue_length:
            return False
        if self.alerts_at_least is not None and _count("alerts", values.get("alerts")) < self.alerts_at_least:
            return False
        return True

    async def run(self, ctx: RunContext, env: Envelope) -> None:
        names = ctx.select(env.clients or "all", self.client_kinds)
        within_s = ctx.time.deadline(self.within)
        start = ctx.journal.now()
        began = time.monotonic()  # readings from before this step (before the action just done) are not its evidence
        observed: dict[str, dict[str, object] | None] = {}
        while True:
            ok = True
            for name in names:
                client = ctx.browsers[name]
                # Only a fresh value is evidence: one the page pushed within a probe interval or
                # two, else read from the page now (a frozen or dead page's last value is not).
                values = await client.fresh_probe(max(FRESH_S, 2 * client.probe_interval_s), since=began)
                observed[name] = _brief(values)
                good = self.holds(values, ctx.target.states)
                if self.js is not None:  # what the expression evaluated to is the evidence of a failed `js`
                    value = await _safe_eval(client, self.js)
                    observed[name] = {**(observed[name] or {}), "js": _shown_js(value)}
                    good = good and bool(value)
                ok = ok and good
            waited = ctx.journal.now() - start
            if ok or waited >= within_s:
                break
            await asyncio.sleep(0.05)
        ctx.journal.record("expect", step=None, condition=self.condition(), clients=names, passed=ok,
                           observed=observed, within_s=within_s, waited_s=round(waited, 3))
        if not ok:
            seen = [str(v.get("state")) for v in observed.values() if isinstance(v, dict) and v.get("state")]
            raise StepFailed(f"expected {self.condition()} on {', '.join(names)} within {within_s:g}s; "
                             f"observed {describe_observed(observed)}{hint(seen)}")


def describe_observed(observed: Mapping[str, object]) -> str:
    """`b0: state reconnecting, queue_length 1, js false; b1: nothing probed yet` (no Python reprs)."""
    def one(values: object) -> str:
        if not values:
            return "nothing probed yet"
        return ", ".join(f"{k} {_word(v)}" for k, v in values.items()) if isinstance(values, dict) else _word(values)
    return "; ".join(f"{name}: {one(values)}" for name, values in observed.items()) or "no client"


def _word(value: object) -> str:
    """A value as JavaScript would print it: null, true, false."""
    return {None: "null", True: "true", False: "false"}.get(value, str(value)) if isinstance(value, (bool, type(None))) \
        else str(value)


def _shown_js(value: object, limit: int = 200) -> bool | int | float | str | None:
    """The evaluated value as the journal keeps it: JSON scalars as they are, anything else as JSON text, cut."""
    import json

    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit] + "…"


def _as_list(value: str | list[str] | None) -> list[str]:
    return [] if value is None else ([value] if isinstance(value, str) else list(value))


def _level(level: object) -> int:
    return LEVELS.index(level) if isinstance(level, str) and level in LEVELS else -1


def _count(key: str, value: object) -> float:
    """A probe value compared as a count: a number, or 0 while there is none."""
    if not value:
        return 0
    if isinstance(value, (int, float)):
        return value
    raise TypeError(f"the page's {key!r} probe gave {_shown_js(value, 80)!s}, not a number: "
                    f"make the target's {key} probe a count")


def _brief(values: dict[str, object] | None) -> dict[str, object] | None:
    if not values:
        return values
    keys = ("state", "health", "queue_length", "attempt", "alerts")
    return {k: values.get(k) for k in keys if k in values}


async def _safe_eval(client: BrowserClient, js: str) -> object:
    try:
        return await client.evaluate(js)
    except Exception:  # the page may be navigating; try again on the next poll
        return None
