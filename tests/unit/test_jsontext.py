"""jsontext: the hot-path JSON helpers give exactly json's text, values and errors."""

from __future__ import annotations

import json
import math

import pytest

from harness.jsontext import dumps, encoder, loads

VALUES = [
    {"type": "ping", "id": "p1-0", "timestamp": 0}, {"t": 1.5, "n": None, "ok": True, "l": [1, "2", {"x": []}]},
    "caf\u00e9 \u2028 \"q\"", 12, 1.5e300, -0.0, float("inf"), float("nan"), [], {}, {1: "int key", None: 2},
    {"nested": {"deep": [[[{"a": "b"}]]]}}, ("tuple", 1),
]


@pytest.mark.parametrize("value", VALUES)
def test_dumps_is_json_dumps(value):
    """dumps gives json.dumps's text for every kind of value."""
    assert dumps(value) == json.dumps(value)


def test_encoder_keeps_the_models_settings():
    """An encoder made from a JSONEncoder keeps its separators, default, ascii and key order settings."""
    for model in (json.JSONEncoder(default=str, separators=(",", ":")), json.JSONEncoder(ensure_ascii=False),
                  json.JSONEncoder(sort_keys=True, skipkeys=True), json.JSONEncoder(indent=2)):
        value = {"b": object.__name__, "a": "caf\u00e9", "s": {1, 2} if model.default is str else [1]}
        assert encoder(model)(value) == model.encode(value)


def test_dumps_raises_what_json_dumps_raises():
    """Unencodable and circular values fail with json's own errors, and a failure leaves no trace behind."""
    circular: list = []
    circular.append(circular)
    for bad in (object(), {"set": {1}}, circular):
        with pytest.raises(Exception) as ours:
            dumps(bad)
        with pytest.raises(Exception) as theirs:
            json.dumps(bad)
        assert (type(ours.value), str(ours.value)) == (type(theirs.value), str(theirs.value))
    inner = {"a": 1}
    with pytest.raises(TypeError):
        dumps([inner, object()])
    assert dumps([inner, inner]) == '[{"a": 1}, {"a": 1}]'  # not "Circular reference detected"


TEXTS = ['{"type":"ack","id":"m1"}', '  {"type": "ack"}  ', '{"a": 1}\n', "[1, 2]", '"text"', "12.50", "NaN", "null",
         '{"type":"caf\u00e9 \\u2028"}', "-Infinity", "1e400"]
BAD = ["not json", "", "   ", '{"a": 1} x', '{"a": }', "\ufeff{}", "[1, 2", "{'single': 1}", "01"]


@pytest.mark.parametrize("text", TEXTS)
def test_loads_is_json_loads(text):
    """loads gives json.loads's value, with or without whitespace around it."""
    ours, theirs = loads(text), json.loads(text)
    if isinstance(theirs, float) and math.isnan(theirs):
        assert math.isnan(ours)
    else:
        assert ours == theirs and type(ours) is type(theirs)


@pytest.mark.parametrize("text", BAD)
def test_loads_raises_what_json_loads_raises(text):
    """Text that is not exactly one JSON value fails with json.loads's own error and position."""
    with pytest.raises(json.JSONDecodeError) as ours:
        loads(text)
    with pytest.raises(json.JSONDecodeError) as theirs:
        json.loads(text)
    assert (ours.value.msg, ours.value.pos) == (theirs.value.msg, theirs.value.pos)


def test_loads_takes_bytes_like_json_loads():
    """Bytes go through json.loads's own decoding."""
    assert loads(b'{"a": 1}') == {"a": 1}
