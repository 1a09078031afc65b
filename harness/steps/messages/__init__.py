"""Message faults: steps that act on single frames of a client's socket, in the target's vocabulary.

`drop`, `delay`, `duplicate`, `reorder` and `close_after` put a rule on the selected clients
(`base.MessageFault`); `inject` hands a client a crafted frame. The decisions are pure
(`harness.messages`); a page's frames reach them through Playwright's WebSocket routing
(`harness.drivers.ws_route`), a protocol client's directly. The step registry is the only
list of them (`message_fault_names`).
"""

from __future__ import annotations

from typing import Iterable, Sequence

from harness.clients import ClientSpec, resolve_selector
from harness.steps.base import Node, steps, walk
from harness.steps.messages import close_after, delay, drop, duplicate, inject, reorder  # noqa: F401
from harness.steps.messages.base import MessageFault
from harness.steps.messages.inject import Inject


def message_fault_names() -> list[str]:
    """Every registered message fault (rules and `inject`), sorted: read from the registry."""
    return sorted(n for n in steps.names() if issubclass(steps.get(n), (MessageFault, Inject)))


def routed_pages(clients: Sequence[ClientSpec], nodes: Iterable[Node]) -> set[str]:
    """The browser clients a message fault among a scenario's steps selects: their pages' sockets
    are routed through Playwright from the start (a socket opened before routing cannot be reached)."""
    names: set[str] = set()
    for node in walk(nodes):
        if isinstance(node.step, (MessageFault, Inject)):
            names.update(resolve_selector(clients, node.env.clients or "all", ("browser",)))
    return names
