"""`drop`: matching frames never arrive."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from harness.messages.rules import Action, Drop as DropAction
from harness.steps.base import steps
from harness.steps.messages.base import Count, MessageFault
from harness.units import Range


@steps.register("drop")
@dataclass(frozen=True, kw_only=True)
class Drop(MessageFault):
    """Drop matching frames: the next `count` of them, each with `probability` (drawn from the run's seed)."""

    count: Count = None
    probability: Annotated[float, Range(0.001, 1.0)] = 1.0

    def limit(self) -> Count:
        return self.count

    def action(self) -> Action:
        return DropAction()

    def chance(self) -> float:
        return self.probability
