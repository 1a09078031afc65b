"""JSON Schema for scenario files, generated from the registered steps and checks.

Editors (VS Code's YAML extension, JetBrains) use it for completion and inline errors:
add `# yaml-language-server: $schema=../docs/scenario.schema.json` at the top of a scenario.
`wschaos validate` stays the authority: it also checks cross-references (client names,
`for:` on steps that can be undone) that a schema cannot express.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import TYPE_CHECKING, Annotated, Literal, Union, get_args, get_origin

from harness.events import JSONObject
from harness.units import DURATION_PATTERN, SEED_RANGE, TIME_SCALE_RANGE, Duration, Range

if TYPE_CHECKING:
    from harness.registry import Registry
    from harness.steps.base import Step

SEED = Annotated[int, SEED_RANGE]
TIME_SCALE = Annotated[float, TIME_SCALE_RANGE]
DURATION = {"type": "string", "pattern": DURATION_PATTERN, "description": "e.g. 300ms, 15s, 5m"}
SELECTOR = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            "description": "all, browsers, protocol, a client name, a group, or a list of those"}


def type_schema(tp: object) -> JSONObject:
    """JSON Schema of one parameter type; `Annotated` extras add to it: a `Range` on a number
    its bounds, a marker with a `schema()` (e.g. `FaultName`) what that returns."""
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        out = type_schema(args[0])
        for extra in args[1:]:
            if isinstance(extra, Range) and out.get("type") in ("integer", "number"):
                out.update(minimum=extra.low, maximum=extra.high)
            elif callable(getattr(extra, "schema", None)):
                out.update(extra.schema())
        return out
    if tp is Duration:
        return dict(DURATION)
    if origin is Literal:
        return {"enum": list(args)}
    if origin in (Union, types.UnionType):
        inner = [type_schema(a) for a in args if a is not type(None)]
        nullable = [{"type": "null"}] if type(None) in args else []
        return inner[0] if len(inner) == 1 and not nullable else {"anyOf": inner + nullable}
    if origin is list:
        return {"type": "array", "items": type_schema(args[0]) if args else {}}
    if origin is dict:
        return {"type": "object"}
    scalars: dict[object, JSONObject] = {bool: {"type": "boolean"}, int: {"type": "integer"},
                                         float: {"type": "number"}, str: {"type": "string"}}
    return scalars.get(tp, {})  # any other type is unconstrained


def params_schema(cls: type) -> JSONObject:
    """Schema of a step's or check's parameters (a mapping, or a bare value for its primary field)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    props, required = {}, []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        props[f.name] = type_schema(hints[f.name])
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(f.name)
    mapping: JSONObject = {"type": ["object", "null"], "properties": props, "additionalProperties": False}
    if required:
        mapping["required"] = required
    primary = getattr(cls, "primary", None)
    doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
    if primary:
        return {"description": doc, "anyOf": [mapping, type_schema(hints[primary])]}
    return {"description": doc, **mapping}


def during_schema(steps: Registry[type[Step]], envelope: JSONObject) -> JSONObject:
    """`during: {<one fault that can be undone>: ..., clients, name, steps: [...]}`."""
    own = {"clients": envelope["clients"], "name": envelope["name"], "steps": {"$ref": "#/$defs/steps"}}
    variants = [{"type": "object", "required": [name, "steps"], "additionalProperties": False,
                 "properties": {name: params_schema(steps.get(name)), **own}}
                for name in steps.names() if steps.get(name).revertible]
    return {"description": "hold one fault exactly as long as the nested steps run, then undo it",
            "anyOf": variants}


def threshold_pattern() -> str:
    """`metric op number` with the known metrics (harness.thresholds.METRICS) or a check's own
    (`check.metric`, the check one of the registered ones)."""
    from harness.checks.base import checks
    from harness.thresholds import METRICS

    check_metric = rf"(?:{'|'.join(checks.names())})\.[A-Za-z_][A-Za-z0-9_]*"
    return rf"^\s*({'|'.join(METRICS)}|{check_metric})\s*(<=|>=|==|!=|<|>)\s*-?\d+(\.\d+)?\s*$"


def scenario_schema() -> JSONObject:
    """The whole scenario document's schema."""
    import harness.checks  # noqa: F401
    import harness.steps  # noqa: F401
    from harness.checks.base import checks
    from harness.steps.base import steps

    envelope: JSONObject = {"clients": SELECTOR, "at": DURATION, "after": DURATION, "for": DURATION, "name": {"type": "string"}}
    step_variants: list[JSONObject] = []
    for name in steps.names():
        step_variants.append({"type": "object", "required": [name],
                              "properties": {name: params_schema(steps.get(name)), **envelope},
                              "additionalProperties": False})
        step_variants.append({"const": name})
    block: JSONObject = {"type": "object", "properties": {**envelope}, "additionalProperties": False}
    step_variants.append({**block, "required": ["parallel"], "properties": {**envelope, "parallel": {"$ref": "#/$defs/steps"}}})
    step_variants.append({**block, "required": ["repeat"], "properties": {**envelope, "repeat": {
        "type": "object", "required": ["steps"], "additionalProperties": False,
        "properties": {"times": {"type": "integer", "minimum": 1}, "steps": {"$ref": "#/$defs/steps"}}}}})
    step_variants.append({**block, "required": ["during"], "properties": {**envelope, "during": during_schema(steps, envelope)}})
    check_variants: list[JSONObject] = [{"const": n} for n in checks.names()]
    check_variants += [{"type": "object", "required": [n], "additionalProperties": False,
                        "properties": {n: params_schema(checks.get(n))}} for n in checks.names()]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "wschaos scenario",
        "type": "object",
        "additionalProperties": False,
        "required": ["steps"],
        "properties": {
            "name": {"type": "string"}, "description": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}}, "target": {"type": "string"},
            "seed": type_schema(SEED), "timeout": DURATION, "time_scale": type_schema(TIME_SCALE),
            "clients": {"anyOf": [
                {"type": "object", "additionalProperties": False, "properties": {
                    "browsers": {"type": "integer", "minimum": 0}, "protocol": {"type": "integer", "minimum": 0},
                    "groups": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}},
                {"type": "array", "items": {"type": "object", "required": ["name"], "additionalProperties": False,
                                            "properties": {"name": {"type": "string"}, "kind": {"enum": ["browser", "protocol"]},
                                                           "groups": {"type": "array", "items": {"type": "string"}}}}}]},
            "steps": {"$ref": "#/$defs/steps"},
            "checks": {"type": "array", "items": {"anyOf": check_variants}},
            "thresholds": {"type": "array", "items": {
                "type": "string", "pattern": threshold_pattern(),
                "description": "a limit on one of the report's metrics, e.g. 'reconnect_p95_s < 2' or 'lost == 0'"}},
            "profiles": {"type": "object", "additionalProperties": {
                "type": "object", "additionalProperties": False,
                "properties": {"time_scale": type_schema(TIME_SCALE), "timeout": DURATION}}},
        },
        "$defs": {"steps": {"type": "array", "items": {"anyOf": step_variants}}},
    }
