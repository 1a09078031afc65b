"""Message faults on a protocol client, against a real websockets server that acks every message."""

from __future__ import annotations

import asyncio
import json

from harness.drivers.protocol import ProtocolClient
from harness.journal import Journal, of_kind
from harness.messages.match import Matcher
from harness.messages.rules import CloseAfter, Delay, Drop, Duplicate, Reorder, Rule


def rule(action: object, match: object = "ack", direction: str = "received", **kw: object) -> Rule:
    return Rule("m1", type(action).__name__.lower(), Matcher.of(match), direction, action, **kw)  # type: ignore[arg-type]


async def settle(client: ProtocolClient, ids: int, within: float = 5.0) -> None:
    """Wait until the client got `ids` messages (or its connection closed)."""
    for _ in range(int(within / 0.02)):
        if len(client.received) >= ids or not client.connected:
            return
        await asyncio.sleep(0.02)


def acks_read(client: ProtocolClient) -> list[str]:
    return [m["id"] for m in client.received if m.get("type") == "ack"]


async def test_a_dropped_ack_is_on_the_wire_but_never_reaches_the_client(ws_ack_server, scaled):
    """drop count 1: the first ack is journaled as received (the wire) and as dropped; the client reads only the second."""
    journal = Journal()
    async with ProtocolClient("p0", ws_ack_server, journal) as client:
        client.rules.add(rule(Drop(), count=1))
        await client.send_json({"type": "t", "id": "a"})
        await client.send_json({"type": "t", "id": "b"})
        await settle(client, 1, scaled(5))
        await asyncio.sleep(0.1)
        assert acks_read(client) == ["b"]
        assert not client.rules.active  # spent
    wire = [e["id"] for e in of_kind(journal.events, "ws.frame") if e["dir"] == "received"]
    assert wire == ["a", "b"]
    (fault,) = of_kind(journal.events, "message.fault")
    assert (fault["action"], fault["id"], fault["delivered"], fault["socket"]) == ("dropped", "a", False, "s1")


async def test_a_dropped_send_never_reaches_the_server(ws_ack_server, scaled):
    """drop on `sent` frames of type t: the server never gets it, so it never acks it; no ws.frame for it."""
    journal = Journal()
    async with ProtocolClient("p0", ws_ack_server, journal) as client:
        client.rules.add(rule(Drop(), match="t", direction="sent", count=1))
        await client.send_json({"type": "t", "id": "a"})
        await client.send_json({"type": "t", "id": "b"})
        await settle(client, 1, scaled(5))
        await asyncio.sleep(0.1)
        assert acks_read(client) == ["b"]
    sent = [e["id"] for e in of_kind(journal.events, "ws.frame") if e["dir"] == "sent"]
    assert sent == ["b"]


async def test_delay_hands_the_ack_on_late_and_duplicate_twice(ws_ack_server, scaled):
    """delay 300ms then duplicate: the delayed ack arrives after the next one, the duplicated one twice."""
    async with ProtocolClient("p0", ws_ack_server, Journal()) as client:
        client.rules.add(rule(Delay(0.3), match={"id": "a"}))
        client.rules.add(rule(Duplicate(1), match={"id": "b"}))
        await client.send_json({"type": "t", "id": "a"})
        await client.send_json({"type": "t", "id": "b"})
        await settle(client, 3, scaled(5))
        assert acks_read(client) == ["b", "b", "a"]


async def test_reorder_lets_the_next_frame_overtake(ws_ack_server, scaled):
    """reorder count 1: the first ack is held and handed on right after the second."""
    async with ProtocolClient("p0", ws_ack_server, Journal()) as client:
        client.rules.add(rule(Reorder(), count=1))
        for mid in ("a", "b", "c"):
            await client.send_json({"type": "t", "id": mid})
        await settle(client, 3, scaled(5))
        assert acks_read(client) == ["b", "a", "c"]


async def test_close_after_1006_cuts_the_connection_without_a_close_frame(ws_ack_server, scaled):
    """close_after on the first ack with 1006: the client never reads it and the socket closes abnormally."""
    journal = Journal()
    client = await ProtocolClient("p0", ws_ack_server, journal).connect()
    client.rules.add(rule(CloseAfter(code=1006)))
    await client.send_json({"type": "t", "id": "a"})
    await settle(client, 1, scaled(5))
    await client.close()
    assert acks_read(client) == []
    assert [e["code"] for e in of_kind(journal.events, "ws.close")] == [1006]


async def test_close_after_a_sent_frame_with_a_code_closes_cleanly_after_it(ws_ack_server, scaled):
    """close_after on a sent frame, code 4000, deliver: the frame goes out, then the client closes with 4000."""
    journal = Journal()
    client = await ProtocolClient("p0", ws_ack_server, journal).connect()
    client.rules.add(rule(CloseAfter(code=4000, reason="lost ack", deliver=True), match="t", direction="sent"))
    await client.send_json({"type": "t", "id": "a"})
    await settle(client, 1, scaled(5))
    await client.close()
    assert [e["id"] for e in of_kind(journal.events, "ws.frame") if e["dir"] == "sent"] == ["a"]
    assert [(e["code"], e["reason"]) for e in of_kind(journal.events, "ws.close")] == [(4000, "lost ack")]


async def test_inject_hands_the_client_a_malformed_frame_and_the_server_a_crafted_one(ws_ack_server, scaled):
    """inject received `{not json` reaches the listeners as text; inject sent goes on the wire and is acked."""
    journal = Journal()
    async with ProtocolClient("p0", ws_ack_server, journal) as client:
        await client.inject("{not json", "received", "m7")
        await client.inject(json.dumps({"type": "t", "id": "x"}), "sent", "m8")
        await settle(client, 2, scaled(5))
        assert client.received[0] == {"data": "{not json"}
        assert acks_read(client) == ["x"]
    faults = list(of_kind(journal.events, "message.fault"))
    assert [(f["fault_id"], f["action"], f["dir"], f["data"]) for f in faults] == [
        ("m7", "injected", "received", "{not json"), ("m8", "injected", "sent", {"type": "t", "id": "x"})]


async def test_a_removed_rule_leaves_frames_alone(ws_ack_server, scaled):
    """Once its rule is removed (the step's revert) every ack reaches the client again."""
    journal = Journal()
    async with ProtocolClient("p0", ws_ack_server, journal) as client:
        dropping = rule(Drop())
        client.rules.add(dropping)
        await client.send_json({"type": "t", "id": "a"})
        await asyncio.sleep(0.2)
        client.rules.remove(dropping)
        await client.send_json({"type": "t", "id": "b"})
        await settle(client, 1, scaled(5))
        assert acks_read(client) == ["b"]
    assert [e["why"] for e in of_kind(journal.events, "message.rule_end")] == ["reverted"]
