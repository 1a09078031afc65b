"""What every step is: typed parameters (a frozen dataclass) plus an async `run`.

The envelope (`clients`, `at`, `after`, `for`, `name`) lives in `Envelope`, separate from a
step's own parameters, which are decoded only once its type is known (Toxiproxy's
ToxicWrapper idea). A step that can be undone registers its revert with `ctx.on_revert`
*before* it changes anything; `for:` then undoes it by itself after that long.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Iterable, Iterator, Optional, Union

from harness.clients import ClientSelector
from harness.context import RunContext
from harness.events import JSONObject
from harness.registry import Registry
from harness.units import Duration


@dataclass(frozen=True)
class Envelope:
    """Where and when a step runs; the same keys for every step type."""

    clients: Optional[ClientSelector] = None
    at: Optional[Duration] = None       # start this long after the run's steps began
    after: Optional[Duration] = None    # wait this long before running
    for_: Optional[Duration] = None     # undo by itself after this long (revertible steps)
    name: Optional[str] = None


ENVELOPE_KEYS = {"clients": "clients", "at": "at", "after": "after", "for": "for_", "name": "name"}


class Step:
    """Base of every step. Subclasses: frozen dataclasses registered in `steps`."""

    registered_name: ClassVar[str] = "step"
    primary: ClassVar[Optional[str]] = None     # field a bare scalar fills (`idle: 5m`)
    client_kinds: ClassVar[tuple[str, ...]] = ()  # kinds it acts on; () = no clients
    default_clients: ClassVar[str] = "all"
    revertible: ClassVar[bool] = False           # accepts `for:`
    #: Of a step with an `action` (server, browser): the actions `for:` and `during:` can undo.
    undoable_actions: ClassVar[tuple[str, ...]] = ()

    async def run(self, ctx: RunContext, env: Envelope) -> None:  # pragma: no cover
        raise NotImplementedError

    # What the step needs from the target, checked before anything starts (`plan.target_fit_problems`).
    def required_actions(self) -> list[str]:
        """Names of the target's UI actions (`actions:`) this step runs."""
        return []

    def required_messages(self) -> list[str]:
        """Names of the target's protocol messages (`protocol.messages`) this step sends."""
        return []

    def required_probes(self) -> list[str]:
        """Probe values this step reads (`state` needs none: the app socket's state stands in)."""
        return []

    def summary(self, env: Envelope) -> str:
        """One human line for the journal and the progress display: `screenshot connected`,
        `latency 300ms, jitter 20ms on b0`, `bandwidth 64kbps`; the primary value bare, values in
        words (never a Python repr), parameters left at their defaults left out."""
        from dataclasses import MISSING, fields

        def words(value: object) -> str:
            if isinstance(value, bool):
                return "true" if value else "false"
            if isinstance(value, (list, tuple)):
                return ", ".join(words(v) for v in value)
            if isinstance(value, dict):
                return ", ".join(f"{k} {words(v)}" for k, v in value.items())
            return str(_plain(value))

        args = []
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            default = f.default_factory() if f.default_factory is not MISSING else f.default
            if value in (None, [], {}, ()) or (default is not MISSING and value == default):
                continue
            unit = next((u for u in ("_kbps", "_ms", "_s") if f.name.endswith(u)), "")  # `rate_kbps` -> 64kbps
            shown = words(value) + unit.lstrip("_")
            args.append(shown if f.name == self.primary else f"{f.name[:len(f.name) - len(unit)]} {shown}")
        who = f" on {words(env.clients)}" if env.clients is not None else ""
        return " ".join([self.registered_name, ", ".join(args)]).strip() + who

    def params(self) -> JSONObject:
        from dataclasses import fields

        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]

    def validate(self, env: Envelope) -> list[str]:
        """Cross-checks of the step's parameters against its envelope (`for:`, `clients:`);
        returns messages (empty = fine)."""
        return []

    def action_word(self) -> str | None:
        """The step's `action` (server, browser steps); None for a step without one."""
        return None

    def undoable(self) -> bool:
        """Whether `for:` or a `during:` block can undo this very step (its action, if it has one)."""
        actions = self.undoable_actions
        return self.revertible and (not actions or self.action_word() in actions)


def _plain(value: object) -> object:
    return str(value) if isinstance(value, Duration) else value


@dataclass(frozen=True)
class StepNode:
    """A step as it stands in the plan: its envelope, its parameters, its document path."""

    step: Step
    env: Envelope
    path: str
    line: int = 0


@dataclass(frozen=True)
class Parallel:
    """Run the inner steps concurrently; done when all are done."""

    steps: tuple["Node", ...]
    env: Envelope
    path: str
    line: int = 0


@dataclass(frozen=True)
class Repeat:
    """Run the inner steps `times` times in order."""

    times: int
    steps: tuple["Node", ...]
    env: Envelope
    path: str
    line: int = 0


@dataclass(frozen=True)
class During:
    """Hold a revertible step (a fault) exactly as long as the inner steps run, then undo it.

    `- during: {down: {}, clients: b0, steps: [...]}`: the fault's window cannot end before
    the steps that depend on it have finished, however slow the machine is.
    """

    fault: StepNode
    steps: tuple["Node", ...]
    env: Envelope
    path: str
    line: int = 0


Node = Union[StepNode, Parallel, Repeat, During]

steps: Registry[type[Step]] = Registry("step")


def walk(nodes: Iterable[Node]) -> Iterator[StepNode]:
    """Every step of a step tree, depth first (blocks are opened, a `during:` fault included)."""
    for node in nodes:
        if isinstance(node, (Parallel, Repeat)):
            yield from walk(node.steps)
        elif isinstance(node, During):
            yield node.fault
            yield from walk(node.steps)
        else:
            yield node
