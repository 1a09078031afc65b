"""`delay`: matching frames arrive late."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from harness.messages.rules import Action, Delay as DelayAction
from harness.steps.base import steps
from harness.steps.messages.base import Count, MessageFault
from harness.units import Duration, Range


@steps.register("delay")
@dataclass(frozen=True, kw_only=True)
class Delay(MessageFault):
    """Hold each matching frame for `by` (not scaled by the time scale); frames behind it pass, so it can arrive after them."""

    count: Count = None
    by: Annotated[Duration, Range("1ms", "10m")]

    def limit(self) -> Count:
        return self.count

    def action(self) -> Action:
        return DelayAction(self.by.seconds)
