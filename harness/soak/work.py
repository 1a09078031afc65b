"""The soak's user work, drawn from what the target declares.

A target's `workload:` lists UI actions and protocol messages with weights; without one, every
UI action and every protocol message with a ledger key counts, weight 1 (a heartbeat such as
`ping` has no key and is left out). `workload: {}` gives the soak no work: it still soaks the
pages' sockets with faults. Each round draws one entry by weight, and a second one half of the
time; an action runs on every page (or, `on_created`, on one page that has items earlier actions
created), a message is sent by the soak's protocol client `p0`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from harness.steps.actions import Send, UIAction
from harness.steps.base import Envelope, Step
from harness.targets.model import Target, Work

PROTOCOL_CLIENT = "p0"

Item = tuple[Step, Envelope]


def workload(target: Target) -> tuple[Work, ...]:
    """The target's declared workload, else every UI action and every keyed protocol message."""
    if target.workload is not None:
        return target.workload
    actions = tuple(Work(name, kind="action") for name in target.actions)
    messages = tuple(Work(name, kind="message") for name in target.protocol.messages if name in target.protocol.keys)
    return actions + messages


def sends_messages(target: Target) -> bool:
    """Whether the soak needs its protocol client: the workload has a protocol message."""
    return any(target.work_kind(w) == "message" for w in workload(target))


def describe(target: Target) -> str:
    """The workload in words: `add_ticket (action, weight 3, up to 5), ticket (message, weight 1, up to 3)`."""
    entries = workload(target)
    if not entries:
        why = "`workload: {}`" if target.workload is not None else "no UI actions or keyed protocol messages"
        return f"none (the target declares {why})"
    source = "" if target.workload is not None else " (no `workload:`: every action and keyed message, weight 1)"
    return ", ".join(f"{w.name} ({target.work_kind(w)}{', on created items' if w.on_created else ''}, weight "
                     f"{w.weight:g}, up to {w.count})" for w in entries) + source


@dataclass
class WorkDraw:
    """Draws each round's work; tracks, per page, items created and not yet used by each
    `on_created` action, so an action on earlier items always has some."""

    rng: random.Random
    target: Target
    pages: list[str]
    available: dict[tuple[str, str], int] = field(default_factory=dict)   # (page, action) -> items
    made: dict[tuple[str, str], int] = field(default_factory=dict)        # this round's: usable from the next
    counts: dict[str, int] = field(default_factory=dict)                  # entry -> runs planned

    def draw(self) -> tuple[list[Item], list[Item]]:
        """(work on the pages, messages of the protocol client) for one round. Items created in a
        round are used from the next one on: by then they were delivered, so they exist on the page
        even when the round's fault held them in the page's queue."""
        for key, n in self.made.items():
            self.available[key] = self.available.get(key, 0) + n
        self.made.clear()
        page_work: list[Item] = []
        messages: list[Item] = []
        for n in range(2):
            if n == 1 and self.rng.random() < 0.5:
                break
            entry = self._pick()
            if entry is None:
                break
            item = self._item(entry)
            (messages if self.target.work_kind(entry) == "message" else page_work).append(item)
        return page_work, messages

    def _pick(self) -> Work | None:
        runnable = [w for w in workload(self.target) if not w.on_created or self._ready(w)]
        if not runnable:
            return None
        return self.rng.choices(runnable, weights=[w.weight for w in runnable])[0]

    def _ready(self, work: Work) -> list[str]:
        return [p for p in self.pages if self.available.get((p, work.name), 0) > 0]

    def _item(self, work: Work) -> Item:
        count = self.rng.randint(1, work.count)
        if self.target.work_kind(work) == "message":
            self.counts[work.name] = self.counts.get(work.name, 0) + count
            return Send(message=work.name, count=count), Envelope(clients=PROTOCOL_CLIENT)
        if work.on_created:
            page = self.rng.choice(self._ready(work))
            count = min(count, self.available[(page, work.name)])
            self.available[(page, work.name)] -= count
            self.counts[work.name] = self.counts.get(work.name, 0) + count
            return UIAction(name=work.name, count=count, on_created=True), Envelope(clients=page)
        for page in self.pages:  # every page creates `count` items each on_created action may use
            for user in workload(self.target):
                if user.on_created:
                    self.made[(page, user.name)] = self.made.get((page, user.name), 0) + count
        self.counts[work.name] = self.counts.get(work.name, 0) + count * len(self.pages)
        return UIAction(name=work.name, count=count), Envelope(clients="browsers")
