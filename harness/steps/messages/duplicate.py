"""`duplicate`: matching frames arrive more than once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from harness.messages.rules import Action, Duplicate as DuplicateAction
from harness.steps.base import steps
from harness.steps.messages.base import Count, MessageFault
from harness.units import Range


@steps.register("duplicate")
@dataclass(frozen=True, kw_only=True)
class Duplicate(MessageFault):
    """Hand each matching frame on `1 + copies` times, back to back (an at-least-once relay)."""

    count: Count = None
    copies: Annotated[int, Range(1, 100)] = 1

    def limit(self) -> Count:
        return self.count

    def action(self) -> Action:
        return DuplicateAction(self.copies)
