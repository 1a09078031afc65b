"""`frames_seen`: count WebSocket frames of a type (optionally with one field equal to a value)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import ClassVar, Literal, Optional

from harness.checks.base import Check, CheckResult, RunView, checks
from harness.clients import ClientSelector
from harness.checks.common import at, capped, select
from harness.events import JSON, JSONObject
from harness.jsontext import dumps

_MISSING = object()


def field_value(data: JSON, path: str) -> JSON:
    """`data["a"]["b"]` for the dotted path `a.b`; a missing step yields a sentinel."""
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return _MISSING
        data = data[part]
    return data


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


#: Frame types (or field values) listed in a failed check's evidence; the rest are counted.
MAX_TALLY = 8


def _tally(counts: Counter[str], what: str) -> str:
    """`pong x12, connected x1` (most first), at most MAX_TALLY of them, then how many more."""
    common = counts.most_common()
    shown = ", ".join(f"{k} x{n}" for k, n in common[:MAX_TALLY])
    more = len(common) - MAX_TALLY
    return shown + (f", and {more} more {what}{'s' if more != 1 else ''}" if more > 0 else "")


def _shown(value: JSON | object) -> str:
    """A field's value as evidence: its text (JSON for an object or a list), or `(missing)`."""
    if value is _MISSING:
        return "(missing)"
    return dumps(value) if isinstance(value, (dict, list)) else _text(value)


def field_matches(frame: JSONObject, path: str | None, equals: str | None) -> bool:
    """Does the frame's JSON have `path` (and, if `equals` is given, with that value as text)?"""
    if path is None:
        return True
    value = field_value(frame.get("data"), path)
    return value is not _MISSING and (equals is None or _text(value) == equals)


@checks.register("frames_seen")
@dataclass(frozen=True)
class FramesSeen(Check):
    """Between `min` and `max` frames of `type` went in direction `dir` (optionally `field` == `equals`)."""

    primary: ClassVar[str] = "type"  # `- <check>: value` fills this field

    type: str
    clients: ClientSelector = "all"
    dir: Literal["sent", "received"] = "received"
    field: Optional[str] = None
    equals: Optional[str] = None
    min: int = 1
    max: Optional[int] = None

    def __post_init__(self) -> None:
        if self.equals is not None and self.field is None:
            raise ValueError("equals: needs field: (which JSON field of the frame to compare), "
                             "e.g. {type: error, field: code, equals: rate_limited}")

    def judge(self, run: RunView) -> CheckResult:
        names, bad = select(self, run, self.clients)
        if bad:
            return bad
        frames = [e for e in run.of_kind("ws.frame") if e.get("client") in names and e.get("dir") == self.dir]
        matching = [e for e in frames if self._matches(e)]
        what = f"{self.dir} {self.type!r} frames" + self._where()
        per_client = {c: sum(1 for e in matching if e["client"] == c) for c in names}
        evidence = [f"{c}: {n}" + (f", first at {at(next(e['t'] for e in matching if e['client'] == c))}"
                                   if n else "") for c, n in per_client.items()]
        bounds = f"at least {self.min}" + (f" and at most {self.max}" if self.max is not None else "")
        too_few = len(matching) < self.min
        too_many = self.max is not None and len(matching) > self.max
        metrics: JSONObject = {"count": len(matching), "per_client": per_client}
        if not (too_few or too_many):
            return self.result(True, f"{len(matching)} {what}", evidence, metrics)
        if too_few:
            evidence += [line for c in names for line in self._instead(c, frames)]
        # Too many: marked at the frame that went over `max`. Too few has no moment of its own
        # (the frames that did arrive are not where anything went wrong), so it marks none.
        marks = [matching[self.max]["t"]] if too_many and self.max is not None else []
        return self.result(False, f"{len(matching)} {what}, expected {bounds}", capped(evidence), metrics, marks)

    def _instead(self, client: str, frames: list[JSONObject]) -> list[str]:
        """What the client's frames in this direction were, by type (most first), and for `field`, the
        frames of the right type that did not match."""
        mine = [e for e in frames if e.get("client") == client]
        if not mine:
            return [f"{client}: no {self.dir} frame at all"]
        counts = Counter(str(e["type"]) if e.get("type") is not None else "(no type)" for e in mine)
        lines = [f"{client}: all {self.dir} frames by type: {_tally(counts, 'type')}"]
        if self.field is not None:
            near = [e for e in mine if e.get("type") == self.type and not self._matches(e)]
            if near:
                values = Counter(_shown(field_value(e.get("data"), self.field)) for e in near)
                lines.append(f"{client}: {len(near)} {self.type!r} frames{self._where(negate=True)} "
                             f"({self.field}: {_tally(values, 'value')})")
        return lines

    def _where(self, negate: bool = False) -> str:
        if self.field is None:
            return ""
        how = " without" if negate else " with"
        return f"{how} {self.field} = {self.equals}" if self.equals is not None else f"{how} a {self.field}"

    def _matches(self, e: JSONObject) -> bool:
        return e.get("dir") == self.dir and e.get("type") == self.type and \
            field_matches(e, self.field, self.equals)
