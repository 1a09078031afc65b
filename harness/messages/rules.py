"""What message faults do to the frames of one client's socket: decisions only, no I/O.

A message fault step puts one `Rule` on each selected client's `ClientRules`; the client's
driver (the page router of `drivers/ws_route.py`, or `ProtocolClient`) makes one `SocketFilter`
per socket and offers it every data frame, in order, as the frame passes. The filter answers
with a `Verdict`: which payloads go on (each with a delay), and whether the socket is to be
closed after them. When several rules match one frame, the one applied first acts on it.

Every frame a rule acts on is journaled as `message.fault`, with the frame (`type`, `id`,
`data`) and whether the receiving side ever gets it (`delivered`); a rule's life is
`message.rule` ... `message.rule_end`.

    rules = ClientRules("b0", journal)
    rules.add(Rule("m3", "drop", Matcher.of("ack"), "received", Drop(), count=1))
    verdict = rules.socket().offer(Frame.of("received", '{"type": "ack", "id": "x"}'))
    verdict.deliveries   # []: dropped, journaled as message.fault action=dropped
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, Optional, Protocol, Union

from harness.events import JSON
from harness.messages.match import Direction, Frame, Matcher, Which

TEXT_LIMIT = 2000


class Records(Protocol):
    """Where decisions are journaled (`harness.journal.Journal`)."""

    def record(self, kind: str, **fields: JSON) -> object: ...


@dataclass(frozen=True)
class Drop:
    """The frame never arrives."""


@dataclass(frozen=True)
class Delay:
    """The frame arrives `seconds` late (frames behind it are not held up)."""

    seconds: float


@dataclass(frozen=True)
class Duplicate:
    """The frame arrives `1 + copies` times."""

    copies: int = 1


@dataclass(frozen=True)
class Reorder:
    """The frame is held, and released right after the next frame in its direction."""


@dataclass(frozen=True)
class CloseAfter:
    """The socket closes with `code` right after the `nth` matching frame passed its sender;
    the frame itself reaches the other side only with `deliver`."""

    nth: int = 1
    code: int = 1006
    reason: str = ""
    deliver: bool = False


Action = Union[Drop, Delay, Duplicate, Reorder, CloseAfter]


@dataclass
class Rule:
    """One message fault on one client: which frames (`matcher`, `direction`), what it does to
    them (`action`), how many more (`count`, None: no limit) and how likely (`probability`,
    drawn from `rng`, seeded from the run's seed)."""

    fault_id: str
    fault: str
    matcher: Matcher
    direction: Which
    action: Action
    count: Optional[int] = None
    probability: float = 1.0
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    seen: int = 0
    ended: bool = False

    def takes(self, frame: Frame) -> bool:
        """Whether this rule looks at `frame` at all (its direction and its match)."""
        return not self.ended and self.direction in ("both", frame.direction) and self.matcher.matches(frame)


@dataclass(frozen=True)
class Delivery:
    """One payload to hand on to the other side, after `delay_s` seconds."""

    payload: Union[str, bytes]
    delay_s: float = 0.0


@dataclass
class Verdict:
    """What to do with one offered frame: hand on `deliveries` in order, then close if `close`."""

    deliveries: list[Delivery] = field(default_factory=list)
    close: Optional[CloseAfter] = None


class ClientRules:
    """The message faults in force on one client (shared by all its sockets)."""

    def __init__(self, client: str, journal: Records) -> None:
        self.client = client
        self.journal = journal
        self.rules: list[Rule] = []
        self.sockets: list["SocketFilter"] = []

    @property
    def active(self) -> bool:
        """Whether any rule is in force (the drivers' fast path asks this per frame)."""
        return bool(self.rules)

    def add(self, rule: Rule) -> None:
        self.rules.append(rule)

    def remove(self, rule: Rule, why: str = "reverted") -> None:
        """End `rule` (`why`: `reverted` by its step, or `spent`: it acted on as many frames as
        it was asked to); journaled once. A reverted rule releases the frames it holds at once;
        a spent one leaves a held frame waiting for the next frame, as promised."""
        if rule in self.rules:
            self.rules.remove(rule)
        if why == "reverted":
            for sock in self.sockets:
                sock.release(rule)
        if not rule.ended:
            rule.ended = True
            self.journal.record("message.rule_end", fault_id=rule.fault_id, fault=rule.fault,
                                client=self.client, why=why)

    def socket(self, on_release: Optional[Callable[[Direction, list[Delivery]], None]] = None,
               socket: Optional[str] = None) -> "SocketFilter":
        """A filter for a new socket of this client; `on_release` hands on frames a rule lets go
        of later (a reordered frame when its rule ends)."""
        sock = SocketFilter(self, on_release, socket)
        self.sockets = [s for s in self.sockets if not s.closed] + [sock]
        return sock

    def spent(self, rule: Rule) -> None:
        self.remove(rule, "spent")

    def applied(self, rule: Rule, action: str, frame: Frame, delivered: bool, socket: Optional[str] = None,
                *, delay_s: Optional[float] = None, copies: Optional[int] = None, code: Optional[int] = None) -> None:
        """Journal one frame a rule acted on."""
        self.note(rule.fault_id, rule.fault, action, frame, delivered, socket, delay_s=delay_s, copies=copies, code=code)

    def note(self, fault_id: str, fault: str, action: str, frame: Frame, delivered: bool, socket: Optional[str] = None,
             *, delay_s: Optional[float] = None, copies: Optional[int] = None, code: Optional[int] = None) -> None:
        """Journal one frame a message fault acted on (`inject` calls this directly)."""
        where = {"socket": socket} if socket is not None else {}
        delay = {"delay_s": delay_s} if delay_s is not None else {}
        copied = {"copies": copies} if copies is not None else {}
        coded = {"code": code} if code is not None else {}
        self.journal.record("message.fault", client=self.client, fault_id=fault_id, fault=fault, action=action,
                            dir=frame.direction, type=frame.type, id=frame.id, data=_shown(frame),
                            delivered=delivered, **where, **delay, **copied, **coded)


class SocketFilter:
    """The decisions for one socket: frames offered in order, per direction."""

    def __init__(self, rules: ClientRules, on_release: Optional[Callable[[Direction, list[Delivery]], None]],
                 socket: Optional[str]) -> None:
        self.rules = rules
        self.on_release = on_release
        self.socket_id = socket
        self.held: dict[Direction, tuple[Rule, Frame]] = {}
        self.closed = False

    @property
    def busy(self) -> bool:
        """Whether frames must be offered at all: a rule is in force, or a frame is held."""
        return bool(self.rules.rules) or bool(self.held)

    def offer(self, frame: Frame) -> Verdict:
        """Decide one frame's fate (frames after a close decided here are discarded)."""
        if self.closed:
            return Verdict()
        rule = next((r for r in list(self.rules.rules) if r.takes(frame) and self._rolls(r)), None)
        if rule is None:
            return Verdict(self._after(frame, [Delivery(frame.payload)]))
        return self._act(rule, frame)

    def _rolls(self, rule: Rule) -> bool:
        if isinstance(rule.action, CloseAfter):
            rule.seen += 1
            return rule.seen >= rule.action.nth
        return rule.probability >= 1.0 or rule.rng.random() < rule.probability

    def _act(self, rule: Rule, frame: Frame) -> Verdict:
        action, record = rule.action, self.rules.applied
        verdict = Verdict()
        if isinstance(action, Drop):
            record(rule, "dropped", frame, False, self.socket_id)
        elif isinstance(action, Delay):
            record(rule, "delayed", frame, True, self.socket_id, delay_s=action.seconds)
            verdict.deliveries = self._after(frame, [Delivery(frame.payload, action.seconds)])
        elif isinstance(action, Duplicate):
            record(rule, "duplicated", frame, True, self.socket_id, copies=action.copies)
            verdict.deliveries = self._after(frame, [Delivery(frame.payload)] * (1 + action.copies))
        elif isinstance(action, Reorder):
            if frame.direction in self.held:  # this frame is the "next": it passes, the held one follows
                verdict.deliveries = self._after(frame, [Delivery(frame.payload)])
                self._use(rule)
                return verdict
            record(rule, "held", frame, True, self.socket_id)
            self.held[frame.direction] = (rule, frame)
        else:
            record(rule, "closed", frame, action.deliver, self.socket_id, code=action.code)
            verdict.deliveries = [Delivery(frame.payload)] if action.deliver else []
            verdict.close = action
            self.close()
        self._use(rule)
        return verdict

    def _use(self, rule: Rule) -> None:
        """One more frame acted on: a rule with a count (or a close) may be spent now."""
        if isinstance(rule.action, CloseAfter):
            self.rules.spent(rule)
            return
        if rule.count is not None:
            rule.count -= 1
            if rule.count <= 0:
                self.rules.spent(rule)

    def _after(self, frame: Frame, deliveries: list[Delivery]) -> list[Delivery]:
        """`deliveries`, then the frame held in the same direction (it was waiting for this one)."""
        held = self.held.pop(frame.direction, None)
        if held is None:
            return deliveries
        rule, waiting = held
        self.rules.applied(rule, "released", waiting, True, self.socket_id)
        last = deliveries[-1].delay_s if deliveries else 0.0
        return deliveries + [Delivery(waiting.payload, last)]

    def release(self, rule: Rule) -> None:
        """Hand on at once what `rule` holds (it ended)."""
        for direction, (owner, frame) in list(self.held.items()):
            if owner is rule:
                del self.held[direction]
                self.rules.applied(rule, "released", frame, True, self.socket_id)
                if self.on_release is not None:
                    self.on_release(direction, [Delivery(frame.payload)])

    def close(self) -> None:
        """The socket is closing: what is still held is lost with it."""
        self.closed = True
        for direction, (rule, frame) in list(self.held.items()):
            self.rules.applied(rule, "lost", frame, False, self.socket_id)
        self.held.clear()


def _shown(frame: Frame) -> JSON:
    """The frame as the journal keeps it: parsed JSON, else its text cut to 2000 characters."""
    data = frame.data
    if isinstance(data, str) and len(data) > TEXT_LIMIT:
        return data[:TEXT_LIMIT]
    return data
