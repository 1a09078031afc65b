"""JSON text in and out on the hot paths (every frame sent, received and journaled), exactly as `json` does it.

`json.dumps`/`JSONEncoder.encode` rebuild their C encoder through two Python layers on every
call, and `json.loads` runs a regular expression on either side of its C scanner to skip
whitespace. For a frame of a few dozen bytes those layers cost as much as the encoding itself
(about 0.7 us each way on the bench machine). `encoder` and `loads` call the same C code with
the same settings and fall back to `json` itself for anything unusual, so the text, the values
and the errors are those of `json`.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import Any, Callable

from harness.events import JSON

try:
    from _json import make_encoder as _make_encoder
except ImportError:  # an interpreter without the C accelerator: json's own path
    _make_encoder = None  # type: ignore[assignment,misc]

_scan_once = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # set in __init__; not in the stubs


def encoder(model: json.JSONEncoder) -> Callable[[Any], str]:
    """`model.encode`, without its per-call Python layers (the same C encoder, built the same way)."""
    if _make_encoder is None or model.indent is not None:
        return model.encode
    make, check_circular, default = _make_encoder, model.check_circular, model.default
    escape = encode_basestring_ascii if model.ensure_ascii else encode_basestring
    key_sep, item_sep, sort_keys, skipkeys, allow_nan = (
        model.key_separator, model.item_separator, model.sort_keys, model.skipkeys, model.allow_nan)

    def encode(value: Any) -> str:
        # a fresh `markers` per call, as json does: a failed encoding must not leave ids behind
        return "".join(make({} if check_circular else None, default, escape, None, key_sep, item_sep, sort_keys,
                            skipkeys, allow_nan)(value, 0))

    return encode


#: `json.dumps(value)` with the default settings.
dumps = encoder(json.JSONEncoder())


def loads(text: str) -> JSON:
    """`json.loads(text)`, without its whitespace handling when there is none (most frames).

    A text that starts with a value and ends with it needs no whitespace skipped; anything else
    (whitespace, a BOM, trailing data, no JSON at all, bytes) goes to `json.loads` itself."""
    if text.__class__ is not str:
        return json.loads(text)
    try:
        data, end = _scan_once(text, 0)
    except StopIteration:
        return json.loads(text)
    return data if end == len(text) else json.loads(text)
