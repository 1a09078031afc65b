"""`reorder`: a matching frame is overtaken by the next one."""

from __future__ import annotations

from dataclasses import dataclass

from harness.messages.rules import Action, Reorder as ReorderAction
from harness.steps.base import steps
from harness.steps.messages.base import Count, MessageFault


@steps.register("reorder")
@dataclass(frozen=True, kw_only=True)
class Reorder(MessageFault):
    """Hold a matching frame and release it right after the next frame in its direction (or when the fault ends)."""

    count: Count = None

    def limit(self) -> Count:
        return self.count

    def action(self) -> Action:
        return ReorderAction()
