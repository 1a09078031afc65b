"""The journal's vocabulary: every event kind with its fields, declared once (Locust's `Events`),
in `harness.event_kinds`; this module checks and builds events against it and reads the ones the
verdict and the report need as typed records (`RunStart`, `RunEnd`).

Producers (`Journal.record`), readers and test builders all speak this vocabulary; the tables
in docs/journal.md are generated from it (`scripts/journal_doc.py`), a unit test scans the
harness source for `record("kind", field=...)` calls and compares them with it, and with
`WSCHAOS_STRICT_EVENTS=1` the runner validates every event of a scenario as it is recorded.

    problems = check_event({"t": 1.0, "kind": "ws.open", "client": "b0", "socket": "s1", "url": u})
    event = make("fault.apply", 2.0, fault_id="f1", fault="down", ...)   # ValueError if off-spec
    start = RunStart.from_events(events)                                  # typed run.start

A field's `type` is a JSON type name: `str`, `int`, `float` (an int is fine), `bool`, `list`,
`dict` or `any`; a trailing `?` allows null. Nested documents (`params`, `values`, `data`) are
free-form: their keys belong to the step, the target or the app, not to the journal.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from harness.clients import ClientSpec
from harness.event_kinds import (BY_NAME as BY_NAME, KINDS as KINDS, OUTCOMES as OUTCOMES, SECTIONS as SECTIONS,
                                 EventKind as EventKind, Field as Field, Outcome as Outcome, kinds_in as kinds_in)

#: Where JSON crosses into Python, named once: a journal line, a results.json entry, a check's
#: params and metrics, a frame's decoded payload, a page probe's answer. Their keys are declared
#: (the events below, docs/results.md) and tested; their values are whatever JSON holds, which
#: no static type states, so this is the one place the harness spells that as a type.
JSON = Any
JSONObject = dict[str, JSON]
Event = JSONObject

STRICT_ENV = "WSCHAOS_STRICT_EVENTS"


_TYPES: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,),
                                       "list": (list, tuple), "dict": (dict,), "any": (object,)}


def _type_ok(value: object, spec: Field) -> bool:
    if value is None:
        return spec.nullable or spec.type == "any"
    wanted = _TYPES[spec.type.rstrip("?")]
    if isinstance(value, bool) and bool not in wanted and object not in wanted:
        return False  # JSON true is not a number
    return isinstance(value, wanted)


def check_event(event: Event) -> list[str]:
    """Every way `event` departs from its declaration (empty: it is one the harness records)."""
    kind = event.get("kind")
    spec = BY_NAME.get(kind)  # type: ignore[arg-type]
    if spec is None:
        return [f"undeclared event kind {kind!r} (declare it in harness/events.py)"]
    problems = []
    if not isinstance(event.get("t"), (int, float)) or isinstance(event.get("t"), bool):
        problems.append(f"{kind}: `t` must be a number, got {event.get('t')!r}")
    for name, value in event.items():
        if name in ("t", "kind"):
            continue
        fs = spec.field(name)
        if fs is None:
            known = ", ".join(x.name for x in spec.fields) or "none"
            problems.append(f"{kind}: undeclared field {name!r} (declared: {known})")
        elif not _type_ok(value, fs):
            problems.append(f"{kind}.{name}: expected {fs.type}, got {type(value).__name__} {_short(value)}")
        elif fs.choices and value is not None and value not in fs.choices:
            problems.append(f"{kind}.{name}: {value!r} is not one of {', '.join(fs.choices)}")
    problems += [f"{kind}: missing field {x.name!r}" for x in spec.fields if x.required and x.name not in event]
    return problems


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def make(kind: str, t: float, **fields: JSON) -> Event:
    """A declared event, as `Journal.record` would write it; ValueError when it is off-spec."""
    event: Event = {"t": float(t), "kind": kind, **fields}
    problems = check_event(event)
    if problems:
        raise ValueError("; ".join(problems))
    return event


class StrictEvents:
    """A journal listener that collects every departure from the declaration (strict mode)."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    @classmethod
    def from_env(cls, env: Optional[dict[str, str]] = None) -> Optional["StrictEvents"]:
        """A validator when `WSCHAOS_STRICT_EVENTS=1`, else None."""
        return cls() if (os.environ if env is None else env).get(STRICT_ENV) == "1" else None

    def __call__(self, event: Event) -> None:
        for problem in check_event(event):
            if problem not in self.problems:
                self.problems.append(problem)

    def error(self) -> str:
        """One line for `harness.error` and the scenario's error."""
        return f"journal events departed from harness/events.py ({STRICT_ENV}=1): " + "; ".join(self.problems)


# -- typed readers --------------------------------------------------------------------------
@dataclass(frozen=True)
class RunStart:
    """`run.start` read once, typed; missing values (older or hand-made journals) get defaults."""

    scenario: str = ""
    scenario_file: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    target: str = ""
    seed: Optional[int] = None
    time_scale: float = 1.0
    min_wait_s: float = 5.0
    bugs: tuple[str, ...] = ()
    clients: tuple[ClientSpec, ...] = ()
    versions: JSONObject = field(default_factory=dict, hash=False, compare=False)
    rerun: str = ""
    ack_type: str = "ack"
    run_id: str = ""
    t: float = 0.0

    @classmethod
    def from_event(cls, event: Optional[Event]) -> "RunStart":
        e = event or {}
        clients = tuple(ClientSpec.from_dict(c) for c in e.get("clients") or () if isinstance(c, dict) and "name" in c)
        return cls(
            scenario=str(e.get("scenario") or ""), scenario_file=str(e.get("scenario_file") or ""),
            description=str(e.get("description") or ""), tags=tuple(e.get("tags") or ()),
            target=str(e.get("target") or ""), seed=e.get("seed"),
            time_scale=float(e.get("time_scale") or 1.0),
            min_wait_s=float(e["min_wait_s"]) if e.get("min_wait_s") is not None else 5.0,
            bugs=tuple(e.get("bugs") or ()), clients=clients, versions=dict(e.get("versions") or {}),
            rerun=str(e.get("rerun") or ""), ack_type=str(e.get("ack_type") or "ack"),
            run_id=str(e.get("run_id") or ""), t=float(e.get("t") or 0.0),
        )

    @classmethod
    def from_events(cls, events: Iterable[Event]) -> "RunStart":
        """The first `run.start` of a journal (defaults when there is none)."""
        return cls.from_event(next((e for e in events if e.get("kind") == "run.start"), None))

    def client_kinds(self) -> dict[str, str]:
        return {c.name: c.kind for c in self.clients}


@dataclass(frozen=True)
class RunEnd:
    """`run.end`, the scenario's one verdict (`harness.conclude` writes it), read back typed. A
    journal without one was cut short (a kill): `from_events` gives None."""

    outcome: Outcome
    error: Optional[str] = None
    reasons: tuple[str, ...] = ()
    t: float = 0.0

    @classmethod
    def from_event(cls, event: Event) -> "RunEnd":
        """A `run.end` read back; an outcome this version does not know reads as an error."""
        outcome: Outcome = next((o for o in OUTCOMES if o == event.get("outcome")), "error")
        error = event.get("error")
        return cls(outcome, None if error is None else str(error),
                   tuple(str(r) for r in event.get("reasons") or ()), float(event.get("t") or 0.0))

    @classmethod
    def from_events(cls, events: Iterable[Event]) -> Optional["RunEnd"]:
        """The journal's `run.end`, or None when it has none."""
        end = next((e for e in events if e.get("kind") == "run.end"), None)
        return None if end is None else cls.from_event(end)


__all__ = ["Field", "EventKind", "KINDS", "BY_NAME", "SECTIONS", "STRICT_ENV", "check_event",
           "make", "StrictEvents", "RunStart", "RunEnd", "kinds_in"]
