"""`frames_seen`: count WebSocket frames of a type (optionally with one field equal to a value)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, Optional

from harness.checks.base import Check, CheckResult, ClientSelector, RunView, checks
from harness.checks.common import at, select
from harness.events import JSON, JSONObject

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
        matching = [e for e in run.of_kind("ws.frame") if e.get("client") in names and self._matches(e)]
        what = f"{self.dir} {self.type!r} frames" + self._where()
        per_client = {c: sum(1 for e in matching if e["client"] == c) for c in names}
        evidence = [f"{c}: {n}" + (f", first at {at(next(e['t'] for e in matching if e['client'] == c))}"
                                   if n else "") for c, n in per_client.items()]
        bounds = f"at least {self.min}" + (f" and at most {self.max}" if self.max is not None else "")
        ok = len(matching) >= self.min and (self.max is None or len(matching) <= self.max)
        verdict = "" if ok else f", expected {bounds}"
        return self.result(ok, f"{len(matching)} {what}{verdict}",
                           evidence, {"count": len(matching), "per_client": per_client},
                           [e["t"] for e in matching[:20]])

    def _where(self) -> str:
        if self.field is None:
            return ""
        return f" with {self.field} = {self.equals}" if self.equals is not None else f" with a {self.field}"

    def _matches(self, e: JSONObject) -> bool:
        return e.get("dir") == self.dir and e.get("type") == self.type and \
            field_matches(e, self.field, self.equals)
