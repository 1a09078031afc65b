"""What every message fault step is: a rule put on the selected clients' sockets, per direction.

The rule goes on each client's `ClientRules` (a page's router, `drivers/ws_route.py`, or a
protocol client) and acts on every data frame it matches until its `for:`/`during:` ends, the
scenario ends, `restore` runs, or it has acted on `count` frames. The undo is registered
before the rule is added, like every revertible step's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, ClassVar, Optional, Protocol, Union

from harness.context import RunContext
from harness.errors import InfrastructureError
from harness.messages.match import Direction, Matcher, Vocabulary, Which, match_problems
from harness.messages.rules import Action, ClientRules, Rule
from harness.steps.base import Envelope, Step
from harness.units import Range

if TYPE_CHECKING:
    from harness.target import Target

#: `count`: how many matching frames a fault acts on before it is spent (absent: all of them).
Count = Optional[Annotated[int, Range(1, 1_000_000)]]


class MessageEndpoint(Protocol):
    """A client whose frames message faults can reach: a routed page or a protocol client."""

    @property
    def rules(self) -> ClientRules: ...

    async def inject(self, payload: str, direction: Direction, fault_id: str) -> None: ...


def endpoint(ctx: RunContext, name: str) -> MessageEndpoint:
    """The message endpoint of client `name` (a page is routed when the scenario opens it)."""
    if name in ctx.protocol:
        return ctx.protocol[name]
    router = ctx.browsers[name].router
    if router is None:
        raise InfrastructureError(f"the page of {name} is not routed, so message faults cannot reach its socket: "
                                  "pages are routed when a message fault step selects them (harness.steps.messages)")
    return router


def vocabulary(target: Target) -> Vocabulary:
    """The target's message words (its type field and its templates' types)."""
    return Vocabulary.of(target.protocol.type_field, target.protocol.messages)


@dataclass(frozen=True, kw_only=True)
class MessageFault(Step):
    """Base of the rule-making message faults; subclasses say what the rule does (`action`)."""

    client_kinds: ClassVar[tuple[str, ...]] = ("browser", "protocol")
    revertible: ClassVar[bool] = True
    message_level: ClassVar[bool] = True  # pages it selects are routed through Playwright
    primary: ClassVar[Optional[str]] = "match"

    match: Optional[Union[str, dict[str, object]]] = None
    direction: Which = "received"

    def action(self) -> Action:  # pragma: no cover - interface
        raise NotImplementedError

    def limit(self) -> Optional[int]:
        """How many frames it acts on before it is spent (None: every matching frame)."""
        return None

    def chance(self) -> float:
        """How likely a matching frame is acted on (only `drop` draws)."""
        return 1.0

    def __post_init__(self) -> None:
        problems = match_problems(self.match)
        if problems:
            raise ValueError(problems[0])

    async def run(self, ctx: RunContext, env: Envelope) -> None:
        names = ctx.select(env.clients or "all", self.client_kinds)
        fault_id = f"m{ctx.next_number()}"
        matcher = Matcher.of(self.match, vocabulary(ctx.target))
        ends = {n: endpoint(ctx, n).rules for n in names}
        rules = {n: Rule(fault_id, self.registered_name, matcher, self.direction, self.action(), self.limit(),
                         self.chance(), random.Random(f"{ctx.values.get('seed')}:{fault_id}:{n}"))
                 for n in names}

        async def undo() -> None:
            for n in names:
                ends[n].remove(rules[n])

        ctx.on_revert(f"{self.registered_name} {matcher.text} on {', '.join(names)}", undo)
        ctx.journal.record("message.rule", fault_id=fault_id, fault=self.registered_name, clients=names,
                           dir=self.direction, match=matcher.text, params=self.params())
        for n in names:
            ends[n].add(rules[n])
