"""`close_after`: the socket closes right after a given frame passed its sender (the lost-ack window)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from harness.messages.rules import Action, CloseAfter as CloseAction
from harness.steps.base import steps
from harness.steps.messages.base import MessageFault
from harness.units import Range

#: Codes a close can carry: 1006 is the abnormal close (no close frame: the connection is cut).
CLOSE_CODES = "1000-1003, 1006 (abnormal: the connection is cut), 1007-1014, 3000-4999"


def close_code_ok(code: int) -> bool:
    return 1000 <= code <= 1003 or 1006 <= code <= 1014 or 3000 <= code <= 4999


@steps.register("close_after")
@dataclass(frozen=True, kw_only=True)
class CloseAfter(MessageFault):
    """Close the socket with `code` right after the `nth` matching frame passed its sender; the frame reaches the other side only with `deliver`."""

    nth: Annotated[int, Range(1, 1_000_000)] = 1
    code: Annotated[int, Range(1000, 4999)] = 1006
    reason: str = ""
    deliver: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if not close_code_ok(self.code):
            raise ValueError(f"code: {self.code} is not a close code a socket can be given; use {CLOSE_CODES}")

    def action(self) -> Action:
        return CloseAction(self.nth, self.code, self.reason, self.deliver)
