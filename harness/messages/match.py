"""Which frames a message fault acts on, in the target's own vocabulary (pure).

A scenario names frames the way its target speaks: a word is a template name of the target's
`protocol.messages` (standing for that template's type) or else a value of the type field
(`ack`, `status_update`; the chat target's `kind`), and a mapping matches JSON fields of the
frame as they are on the wire (`{type: status_update, status: running}`; a dotted key reaches
into nested objects, `ticket.title`; a list of values accepts any of them). No `match` (or
`"*"`) matches every data frame. Ping/pong control frames never reach wschaos at this level.

    frame = Frame.of("received", '{"type": "ack", "id": "m-1"}', FrameFormat())
    matcher = Matcher.of("ack", Vocabulary.of(target.protocol))
    matcher.matches(frame)   # True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping, Optional, Union

from harness.drivers.ws_tracker import DEFAULT_FORMAT, FrameFormat, decode_frame
from harness.events import JSON

Direction = Literal["sent", "received"]
Which = Literal["sent", "received", "both"]
#: How a scenario writes `match:`: nothing, a word, or a mapping of wire fields.
MatchSpec = Optional[Union[str, Mapping[str, object]]]
ANY = "*"


@dataclass(frozen=True)
class Frame:
    """One data frame passing a client's socket: the text (or bytes) as sent, and what the
    target's protocol fields say (`type`, `id`, parsed `data`, or the text when it is not JSON)."""

    direction: Direction
    payload: Union[str, bytes]
    type: JSON = None
    id: JSON = None
    data: JSON = None

    @classmethod
    def of(cls, direction: Direction, payload: Union[str, bytes], fmt: FrameFormat = DEFAULT_FORMAT) -> "Frame":
        type_, id_, data, _ = decode_frame(payload, fmt)
        return cls(direction, payload, type_, id_, data)


@dataclass(frozen=True)
class Vocabulary:
    """The target's message words: its type field and what type each template sends."""

    type_field: str = "type"
    templates: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, type_field: str, messages: Mapping[str, Mapping[str, object]]) -> "Vocabulary":
        """From a target's `protocol` (its type field and its message templates)."""
        templates = {name: str(t[type_field]) for name, t in messages.items() if t.get(type_field) is not None}
        return cls(type_field, templates)


@dataclass(frozen=True)
class Matcher:
    """A test on frames: the type field's value (any of `types`), and wire fields that must be equal."""

    types: Optional[tuple[str, ...]] = None
    fields: tuple[tuple[tuple[str, ...], tuple[JSON, ...]], ...] = ()
    text: str = "any frame"

    @classmethod
    def of(cls, spec: MatchSpec, vocabulary: Vocabulary = Vocabulary()) -> "Matcher":
        """The matcher a scenario's `match:` describes (see the module docstring)."""
        if spec is None or spec == ANY:
            return cls()
        if isinstance(spec, str):
            word = vocabulary.templates.get(spec, spec)
            shown = spec if word == spec else f"{spec} ({vocabulary.type_field} {word})"
            return cls(types=(word,), text=shown)
        fields = tuple((tuple(str(k).split(".")), tuple(v) if isinstance(v, list) else (v,))
                       for k, v in spec.items())
        text = ", ".join(f"{k} {'|'.join(map(str, v)) if isinstance(v, list) else v}" for k, v in spec.items())
        return cls(fields=fields, text=text or "any frame")

    def matches(self, frame: Frame) -> bool:
        if self.types is not None and frame.type not in self.types:
            return False
        for path, wanted in self.fields:
            found, value = field_at(frame.data, path)
            if not found or value not in wanted:
                return False
        return True


def field_at(data: JSON, path: tuple[str, ...]) -> tuple[bool, JSON]:
    """(found, value) of the field at `path` in parsed JSON (`("ticket", "title")`)."""
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return False, None
        data = data[key]
    return True, data


def match_problems(spec: MatchSpec) -> list[str]:
    """What is wrong with a `match:` as written (empty: fine); said at load time."""
    if isinstance(spec, str) and not spec.strip():
        return ["match: expected a message type, a template name, a mapping of fields or '*', got ''"]
    if isinstance(spec, Mapping):
        if not spec:
            return ["match: an empty mapping matches nothing in particular; leave `match` out to act on every frame"]
        bad = [k for k in spec if not str(k) or any(not part for part in str(k).split("."))]
        if bad:
            return [f"match: {bad[0]!r} is not a field name (a dotted path like `ticket.title`)"]
        nested = [k for k, v in spec.items() if isinstance(v, (dict, list)) and not _scalars(v)]
        if nested:
            return [f"match: {nested[0]}: compare one value or a list of values; reach into objects "
                    f"with a dotted key (`{nested[0]}.field: value`)"]
    return []


def _scalars(value: object) -> bool:
    return isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value)
