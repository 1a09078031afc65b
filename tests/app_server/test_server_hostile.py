"""Hostile input: refused with an error or a close, never a crash, other clients unaffected."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed

from .helpers import open_client, recv_json, send_json, wait_closed

BAD_FRAMES = [
    ("{not json", "invalid_json", None),
    ("[" * 5000 + "]" * 5000, "invalid_json", None),  # nesting deep enough to hit recursion
    ('"just a string"', "not_an_object", None),
    ("[1, 2, 3]", "not_an_object", None),
    ('{"type": "launch_missiles", "id": "x-1"}', "unknown_type", "x-1"),
    ('{"id": "x-2"}', "unknown_type", "x-2"),
    ('{"type": "ping"}', "missing_id", None),
    ('{"type": "ping", "id": 42}', "missing_id", None),
    ('{"type": "ticket_notification", "id": "x-3"}', "missing_field", "x-3"),
    ('{"type": "ticket_notification", "id": "x-4", "ticket": {"title": "no id"}}', "missing_field", "x-4"),
    ('{"type": "trigger_workflow", "id": "x-5"}', "missing_field", "x-5"),
]


async def assert_still_serving(ws) -> None:
    await send_json(ws, {"type": "ping", "id": "alive", "timestamp": 1})
    assert (await recv_json(ws))["type"] == "pong"


@pytest.mark.parametrize(("frame", "code", "echo_id"), BAD_FRAMES, ids=[c for _, c, _ in BAD_FRAMES])
async def test_bad_frame_gets_error_reply_and_connection_stays(shared_server, frame, code, echo_id):
    """A malformed frame is answered with an error frame and the connection keeps working."""
    ws = await open_client(shared_server)
    try:
        await ws.send(frame)
        error = await recv_json(ws)
        assert error["type"] == "error" and error["code"] == code and error["id"] == echo_id
        assert error["recoverable"] is False and error["message"]
        await assert_still_serving(ws)
    finally:
        await ws.close()


async def test_binary_frame_is_read_as_text(shared_server):
    """A binary frame holding JSON is handled like a text frame."""
    ws = await open_client(shared_server)
    try:
        await ws.send(json.dumps({"type": "ping", "id": "bin", "timestamp": 3}).encode())
        assert (await recv_json(ws))["id"] == "bin"
    finally:
        await ws.close()


async def test_oversized_frame_closes_1009_and_others_are_unaffected(shared_server):
    """A frame over --max-message-bytes closes that connection with 1009 only."""
    bystander, attacker = await open_client(shared_server), await open_client(shared_server)
    try:
        await attacker.send("x" * 70_000)
        await wait_closed(attacker)
        assert attacker.close_code == 1009
        await assert_still_serving(bystander)
    finally:
        await attacker.close()
        await bystander.close()


async def test_flood_closes_1008_and_others_are_unaffected(shared_server):
    """More than 200 frames per second closes that connection with 1008 only."""
    bystander, attacker = await open_client(shared_server), await open_client(shared_server)
    try:
        try:
            for index in range(400):
                await attacker.send(json.dumps({"type": "ping", "id": f"f{index}", "timestamp": 1}))
        except ConnectionClosed:
            pass
        await wait_closed(attacker)
        assert attacker.close_code == 1008
        await assert_still_serving(bystander)
        health = await shared_server.get("/health")
        assert health["status"] == "ok"
    finally:
        await attacker.close()
        await bystander.close()
