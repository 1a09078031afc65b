"""Everything the server sends is strict JSON, and an error retrying cannot fix says so."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from app.server.protocol import encode
from app.server.session import internal_error

from .helpers import open_client, timeout


def strict_loads(text: str) -> Any:
    """Parse as a strict parser does: NaN, Infinity and -Infinity are not JSON."""
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


async def recv_strict(ws) -> dict[str, Any]:
    frame = strict_loads(await asyncio.wait_for(ws.recv(), timeout(5)))
    json.dumps(frame, ensure_ascii=False).encode("utf-8")  # raises on a lone surrogate
    return frame


NON_FINITE = [
    ('{"type": "ping", "id": "nan-1", "timestamp": NaN}', "NaN"),
    ('{"type": "ping", "id": "inf-1", "timestamp": Infinity}', "Infinity"),
    ('{"type": "ping", "id": "inf-2", "timestamp": -Infinity}', "-Infinity"),
    ('{"type": "ping", "id": "big-1", "timestamp": 1e400}', "1e400"),
]


@pytest.mark.parametrize(("frame", "literal"), NON_FINITE, ids=[lit for _, lit in NON_FINITE])
async def test_a_non_finite_number_is_refused_never_echoed(shared_server, frame, literal):
    """A ping with NaN/Infinity gets a strict invalid_json error, not a pong that echoes NaN."""
    ws = await open_client(shared_server)
    try:
        await ws.send(frame)
        error = await recv_strict(ws)
        assert error == {"type": "error", "id": None, "code": "invalid_json",
                         "message": f"{literal} is not a JSON number; send finite numbers (or null)",
                         "recoverable": False, "retry_after": None}
        await ws.send(json.dumps({"type": "ping", "id": "ok-1", "timestamp": 1.5e308}))
        pong = await recv_strict(ws)
        assert pong["type"] == "pong" and pong["timestamp"] == 1.5e308
    finally:
        await ws.close()


SURROGATE_MESSAGE = ("frame holds a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is "
                     "not Unicode text; send the character itself or a complete surrogate pair")
SURROGATES = [
    ('{"type": "ticket_notification", "id": "s-\\ud800", "ticket": {"id": "T-s1"}}', None),
    ('{"type": "ticket_notification", "id": "s-2", "ticket": {"id": "T-s2", "title": "a\\udc00b"}}', "s-2"),
    ('{"type": "trigger_workflow", "id": "s-3", "ticket_id": "T-\\udbff"}', "s-3"),
    ('{"type": "ping", "id": "s-4", "\\ud800": 1}', "s-4"),
]


@pytest.mark.parametrize(("frame", "echo_id"), SURROGATES, ids=["id", "title", "ticket_id", "key"])
async def test_a_lone_surrogate_is_refused_as_not_recoverable(shared_server, frame, echo_id):
    """A lone surrogate cannot be stored however often it is resent: recoverable false, nothing in the ledger."""
    ws = await open_client(shared_server)
    try:
        await ws.send(frame)
        error = await recv_strict(ws)
        assert error == {"type": "error", "id": echo_id, "code": "invalid_json", "message": SURROGATE_MESSAGE,
                         "recoverable": False, "retry_after": None}
        ledger = await shared_server.get("/ledger")
        assert all(not str(e["key"]).startswith(("ticket:T-s", "trigger:T-")) for e in ledger["entries"])
        await ws.send(json.dumps({"type": "ping", "id": "after", "timestamp": 1}))
        assert (await recv_strict(ws))["type"] == "pong"
    finally:
        await ws.close()


async def test_a_surrogate_pair_is_text_and_is_accepted(shared_server):
    """A complete pair (an emoji written as escapes) is valid text: acked, stored and broadcast."""
    sender, other = await open_client(shared_server), await open_client(shared_server)
    try:
        ticket = {"id": "T-emoji", "title": "ship it \U0001f680"}
        await sender.send('{"type": "ticket_notification", "id": "emoji-1", '
                          '"ticket": {"id": "T-emoji", "title": "ship it \\ud83d\\ude80"}}')
        assert await recv_strict(sender) == {"type": "ack", "id": "emoji-1", "duplicate": False}
        assert await recv_strict(other) == {"type": "ticket_created", "ticket": ticket}
    finally:
        await sender.close()
        await other.close()


def test_encode_turns_a_non_finite_number_into_null():
    """Whatever the server builds, the wire never carries NaN or Infinity."""
    assert encode({"a": float("nan"), "b": [float("inf"), 1.5], "c": {"d": float("-inf")}}) == \
        '{"a":null,"b":[null,1.5],"c":{"d":null}}'
    assert encode({"type": "pong", "timestamp": 12}) == '{"type":"pong","timestamp":12}'


def test_an_internal_error_the_content_causes_is_not_recoverable():
    """An error resending cannot fix says recoverable false; a transient one still invites a retry."""
    stuck = internal_error("m-1", UnicodeEncodeError("utf-8", "a\ud800", 1, 2, "surrogates not allowed"))
    assert stuck == {"type": "error", "id": "m-1", "code": "internal",
                     "message": "internal error: this message cannot be processed (UnicodeEncodeError); "
                                "do not send it again", "recoverable": False, "retry_after": None}
    transient = internal_error("m-2", TimeoutError())
    assert transient["recoverable"] is True and transient["retry_after"] == 1.0
