"""JSON Schema for target files, generated from the target model and the ops registry.

Editors use it for completion and inline errors: add
`# yaml-language-server: $schema=../docs/target.schema.json` at the top of a target file.
`wschaos validate` stays the authority: it also checks what a schema cannot express
(placeholders per field, selectors, JavaScript syntax, loopback hosts, files that must exist).
"""

from __future__ import annotations

import dataclasses
import typing

from harness.states import STATES
from harness.events import JSONObject
from harness.units import Duration, Range
from harness.scenario.convert import describe_range
from harness.scenario.schema import DURATION, type_schema
from harness.targets.model import DomProbe
from harness.targets.ops import ops
from harness.targets.parse import (MIN_WAIT, PROBE_INTERVAL, REQUIRED, TIME_SCALE, TOP_KEYS, _BugsDoc, _LedgerDoc,
                                   WEIGHT, _ProcessDoc, _ProtocolDoc, _WorkDoc)

STRING = {"type": "string"}
STRINGS = {"type": "object", "additionalProperties": STRING}
#: `host:port`: a name, an IPv4 address or an IPv6 address in brackets; a port or a placeholder.
HOST_PORT = {"type": "string", "pattern": r"^(\[[0-9A-Fa-f:.]+\]|[^:\[\]]+):([0-9]{1,5}|\{[a-z_]+(\.[a-z0-9_]+)?\})$",
             "description": "host:port, e.g. 127.0.0.1:{port.server} or [::1]:8000"}


def _object(cls: type, *, names: dict[str, str] | None = None, override: JSONObject | None = None) -> JSONObject:
    """A mapping of a dataclass's fields (by their YAML names), the required ones required."""
    hints = typing.get_type_hints(cls, include_extras=True)
    props: JSONObject = {}
    required = []
    for f in dataclasses.fields(cls):
        if not f.init or f.metadata.get("yaml", f.name) is None:
            continue
        name = (names or {}).get(f.name, f.metadata.get("yaml", f.name))
        props[name] = type_schema(hints[f.name])
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(name)
    props.update(override or {})
    out: JSONObject = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def _process() -> JSONObject:
    ready = {"type": "object", "additionalProperties": False,
             "properties": {"http": STRING, "tcp": HOST_PORT, "log": STRING},
             "oneOf": [{"required": [k]} for k in ("http", "tcp", "log")],
             "description": "exactly one of http (a URL answering 2xx), tcp (host:port), log (a regex)"}
    return _object(_ProcessDoc, override={
        "command": {"type": "array", "items": STRING, "minItems": 1, "description": "argv, no shell"},
        "env": {"type": "object", "additionalProperties": {"type": ["string", "number"]}}, "ready": ready})


def _op_schemas() -> list[JSONObject]:
    """One variant per operation: `click: "#add"` (its primary field) or `fill: {selector, value}`."""
    variants: list[JSONObject] = []
    for name in ops.names():
        cls = ops.get(name)
        body = _object(cls)
        primary = cls.primary
        params: JSONObject = {"anyOf": [body, STRING]} if primary else body
        variants.append({"type": "object", "required": [name], "additionalProperties": False,
                         "properties": {name: params}})
    return variants


def target_schema() -> JSONObject:
    """The whole target document's schema."""
    op_list = {"type": "array", "minItems": 1, "items": {"anyOf": _op_schemas()}}
    port = {"anyOf": [{"type": "string", "pattern": "^[a-z0-9_]+$"},
                      {"type": "object", "minProperties": 1, "maxProperties": 1,
                       "additionalProperties": {"type": "integer", "minimum": 1, "maximum": 65535}}]}
    probe = {"anyOf": [{"type": "string", "description": "a JS expression over the snapshot `s`"}, _object(DomProbe)]}
    properties: JSONObject = {
        "name": STRING, "description": STRING, "server": _process(), "static": _process(),
        "page": STRING, "websocket": STRING, "time_scale": type_schema(TIME_SCALE),
        "min_wait": DURATION, "ports": {"type": "array", "items": port},
        "snapshot": STRING, "probes": {"type": "object", "additionalProperties": probe},
        "probe_interval": DURATION, "health": STRING, "ledger": _object(_LedgerDoc, override={"keys": STRINGS}),
        "actions": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["ops"], "additionalProperties": False,
            "properties": {"ops": op_list, "key": STRING}}},
        "protocol": _object(_ProtocolDoc, override={
            "messages": {"type": "object", "additionalProperties": {"type": "object"}}, "keys": STRINGS}),
        "bugs": _object(_BugsDoc), "allow_remote": {"type": "boolean"}, "upstream": HOST_PORT,
        "setup": {"type": "object", "required": ["ops"], "additionalProperties": False, "properties": {
            "ops": op_list, "attempts": {"type": "integer", "minimum": 1, "maximum": 100},
            "timeout": DURATION, "reuse": {"type": "boolean"}}},
        "init_scripts": {"type": "array", "items": STRING}, "storage_state": STRING,
        "seed_random": {"type": "boolean"},
        "resources": {"type": "object", "additionalProperties": STRING,
                      "description": "URL pattern (exact, or a glob with * and **) -> local file served for it"},
        "route": {"enum": ["auto", "origin", "websocket"],
                  "description": "what of the page's traffic goes through the client's proxy (default auto)"},
        "states": {"type": "object", "additionalProperties": {"enum": list(STATES)},
                   "description": "the app's word for a connection state -> wschaos's state"},
        "workload": {"type": "object", "description": "the soak's user work: UI action or protocol message name -> "
                     "weight, or {weight, count, on_created, kind} (docs/soak.md)",
                     "additionalProperties": {"anyOf": [type_schema(WEIGHT), _object(_WorkDoc)]}},
    }
    for key, tp in (("min_wait", MIN_WAIT), ("probe_interval", PROBE_INTERVAL)):
        limit = next(a for a in typing.get_args(tp)[1:] if isinstance(a, Range))
        properties[key] = {**DURATION, "description": describe_range(Duration, limit)}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "wschaos target",
        "type": "object",
        "additionalProperties": False,
        "required": list(REQUIRED),
        "properties": {key: properties[key] for key in TOP_KEYS},  # KeyError: a new key without a schema
    }

