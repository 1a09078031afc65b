"""Message faults decide frame by frame, in the target's vocabulary (harness.messages: pure)."""

from __future__ import annotations

import json
import random

import pytest

from harness.drivers.ws_tracker import FrameFormat
from harness.events import check_event
from harness.messages.match import Frame, Matcher, Vocabulary, match_problems
from harness.messages.rules import (ClientRules, CloseAfter, Delay, Delivery, Drop, Duplicate, Reorder, Rule,
                                    SocketFilter)

VOCAB = Vocabulary.of("type", {"trigger": {"type": "trigger_workflow", "id": "{id}"}, "ping": {"type": "ping"}})


class Recorded:
    """A journal stand-in that keeps what was recorded (and checks it against harness/events.py)."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def record(self, kind: str, **fields: object) -> dict:
        event = {"t": float(len(self.events)), "kind": kind, **fields}
        assert check_event(event) == []
        self.events.append(event)
        return event

    def kinds(self, kind: str) -> list[dict]:
        return [e for e in self.events if e["kind"] == kind]


def frame(direction: str, **data: object) -> Frame:
    return Frame.of(direction, json.dumps(data))  # type: ignore[arg-type]


def texts(deliveries: list[Delivery]) -> list[str]:
    return [json.loads(d.payload)["id"] for d in deliveries]


def setup(*rules: Rule) -> tuple[ClientRules, SocketFilter, Recorded]:
    journal = Recorded()
    client = ClientRules("b0", journal)
    for rule in rules:
        client.add(rule)
    return client, client.socket(), journal


def rule(action: object, match: object = "ack", direction: str = "received", **kw: object) -> Rule:
    return Rule("m1", type(action).__name__.lower(), Matcher.of(match, VOCAB), direction, action, **kw)  # type: ignore[arg-type]


def test_a_word_matches_the_type_field_and_a_template_name_stands_for_its_type():
    """`ack` matches frames whose type is ack; `trigger` (a template) matches its type, trigger_workflow."""
    assert Matcher.of("ack", VOCAB).matches(frame("received", type="ack", id="1"))
    assert not Matcher.of("ack", VOCAB).matches(frame("received", type="pong", id="1"))
    trigger = Matcher.of("trigger", VOCAB)
    assert trigger.matches(frame("sent", type="trigger_workflow", id="1"))
    assert trigger.text == "trigger (type trigger_workflow)"


def test_a_mapping_matches_wire_fields_dotted_paths_and_lists_of_values():
    """`{status: running}`, `ticket.title` and `[a, b]` compare the frame's own fields."""
    f = frame("received", type="status_update", status="running", ticket={"title": "x"}, id="1")
    assert Matcher.of({"type": "status_update", "status": "running"}).matches(f)
    assert Matcher.of({"ticket.title": "x"}).matches(f)
    assert Matcher.of({"status": ["started", "running"]}).matches(f)
    assert not Matcher.of({"status": "completed"}).matches(f)
    assert not Matcher.of({"ticket.missing": "x"}).matches(f)


def test_no_match_matches_every_frame_even_text_that_is_not_json():
    """Leaving `match` out (or `*`) acts on every data frame, JSON or not."""
    assert Matcher.of(None).matches(Frame.of("received", "not json"))
    assert Matcher.of("*").matches(frame("sent", type="x"))


def test_the_target_type_field_is_used_for_words():
    """For a target whose type field is `kind`, a word is a `kind` value."""
    chat = Vocabulary.of("kind", {"chat": {"kind": "say", "msgId": "{id}"}})
    f = Frame.of("sent", json.dumps({"kind": "say", "msgId": "1"}), FrameFormat("kind", "msgId"))
    assert Matcher.of("chat", chat).matches(f) and Matcher.of("say", chat).matches(f)


@pytest.mark.parametrize("spec, message", [
    ("", "match: expected a message type, a template name, a mapping of fields or '*', got ''"),
    ({}, "match: an empty mapping matches nothing in particular; leave `match` out to act on every frame"),
    ({"a..b": 1}, "match: 'a..b' is not a field name (a dotted path like `ticket.title`)"),
    ({"ticket": {"title": "x"}}, "match: ticket: compare one value or a list of values; reach into objects "
                                 "with a dotted key (`ticket.field: value`)"),
])
def test_a_bad_match_is_refused_with_what_to_write(spec, message):
    """Mistakes in `match:` are said in words, with the fix."""
    assert match_problems(spec) == [message]


def test_drop_count_drops_the_next_n_matching_frames_then_is_spent():
    """`drop` with count 2 drops two acks, lets the third through, and ends as `spent`."""
    _, sock, journal = setup(rule(Drop(), count=2))
    results = [sock.offer(frame("received", type="ack", id=str(i))).deliveries for i in range(3)]
    assert [texts(r) for r in results] == [[], [], ["2"]]
    assert [e["action"] for e in journal.kinds("message.fault")] == ["dropped", "dropped"]
    assert all(e["delivered"] is False for e in journal.kinds("message.fault"))
    assert journal.kinds("message.rule_end") == [{"t": 2.0, "kind": "message.rule_end", "fault_id": "m1",
                                                  "fault": "drop", "client": "b0", "why": "spent"}]


def test_other_frames_and_the_other_direction_pass_untouched():
    """A rule on received acks leaves pongs and sent frames alone, and journals nothing for them."""
    _, sock, journal = setup(rule(Drop()))
    assert texts(sock.offer(frame("received", type="pong", id="p")).deliveries) == ["p"]
    assert texts(sock.offer(frame("sent", type="ack", id="s")).deliveries) == ["s"]
    assert journal.kinds("message.fault") == []


def test_drop_probability_follows_the_seed():
    """A probability is drawn from the rule's generator: the same seed drops the same frames."""
    def dropped(seed: int) -> list[int]:
        _, sock, _ = setup(rule(Drop(), probability=0.5, rng=random.Random(seed)))
        return [i for i in range(40) if not sock.offer(frame("received", type="ack", id=str(i))).deliveries]
    assert dropped(7) == dropped(7)
    assert 5 < len(dropped(7)) < 35
    assert dropped(7) != dropped(8)


def test_delay_hands_the_frame_on_late():
    """`delay` delivers the frame with its delay; the journal says by how much."""
    _, sock, journal = setup(rule(Delay(1.5)))
    assert sock.offer(frame("received", type="ack", id="1")).deliveries == [
        Delivery(json.dumps({"type": "ack", "id": "1"}), 1.5)]
    assert journal.kinds("message.fault")[0]["delay_s"] == 1.5


def test_duplicate_hands_the_frame_on_twice():
    """`duplicate` (copies 1) delivers the same payload twice, back to back."""
    _, sock, _ = setup(rule(Duplicate(1)))
    assert texts(sock.offer(frame("received", type="ack", id="1")).deliveries) == ["1", "1"]


def test_reorder_holds_one_frame_and_releases_it_after_the_next():
    """A held ack arrives right after the next received frame (any type), as `released`."""
    _, sock, journal = setup(rule(Reorder(), count=1))
    assert sock.offer(frame("received", type="ack", id="a")).deliveries == []
    assert texts(sock.offer(frame("sent", type="ping", id="s")).deliveries) == ["s"]  # other direction
    assert texts(sock.offer(frame("received", type="pong", id="b")).deliveries) == ["b", "a"]
    assert [e["action"] for e in journal.kinds("message.fault")] == ["held", "released"]


def test_a_reverted_reorder_releases_what_it_holds():
    """When its `for:` ends, the held frame is handed on at once through the socket's callback."""
    journal = Recorded()
    client = ClientRules("b0", journal)
    r = rule(Reorder())
    client.add(r)
    released: list[tuple[str, list[Delivery]]] = []
    sock = client.socket(lambda d, ds: released.append((d, ds)))
    sock.offer(frame("received", type="ack", id="a"))
    client.remove(r)
    assert [(d, texts(ds)) for d, ds in released] == [("received", ["a"])]
    assert not client.active and not sock.busy


def test_close_after_acts_on_the_nth_match_and_keeps_the_frame_from_the_receiver():
    """close_after nth 2: the first ack passes, the second is cut off with the socket (the lost-ack window)."""
    _, sock, journal = setup(rule(CloseAfter(nth=2, code=1006)))
    assert texts(sock.offer(frame("received", type="ack", id="1")).deliveries) == ["1"]
    verdict = sock.offer(frame("received", type="ack", id="2"))
    assert verdict.deliveries == [] and verdict.close == CloseAfter(nth=2, code=1006)
    event = journal.kinds("message.fault")[0]
    assert (event["action"], event["id"], event["delivered"], event["code"]) == ("closed", "2", False, 1006)
    assert sock.offer(frame("received", type="pong", id="3")).deliveries == []  # nothing passes a closed socket


def test_close_after_with_deliver_hands_the_frame_on_first():
    """With `deliver`, the frame reaches the other side, then the socket closes."""
    _, sock, _ = setup(rule(CloseAfter(code=4000, deliver=True), match="trigger", direction="sent"))
    verdict = sock.offer(frame("sent", type="trigger_workflow", id="w"))
    assert texts(verdict.deliveries) == ["w"] and verdict.close is not None and verdict.close.code == 4000


def test_frames_held_when_the_socket_closes_are_lost():
    """A reordered frame still held when a close comes is journaled as lost, not delivered."""
    _, sock, journal = setup(rule(Reorder()))
    sock.offer(frame("received", type="ack", id="a"))
    sock.close()
    assert [(e["action"], e["delivered"]) for e in journal.kinds("message.fault")] == [("held", True), ("lost", False)]


def test_the_rule_applied_first_acts_when_several_match():
    """A drop applied before a duplicate wins on a frame both match."""
    _, sock, journal = setup(rule(Drop(), count=1), rule(Duplicate(1)))
    assert sock.offer(frame("received", type="ack", id="1")).deliveries == []
    assert texts(sock.offer(frame("received", type="ack", id="2")).deliveries) == ["2", "2"]
    assert [e["action"] for e in journal.kinds("message.fault")] == ["dropped", "duplicated"]


def test_a_removed_rule_leaves_nothing_in_force():
    """After its revert a client has no rule and frames pass as if it never was."""
    client, sock, journal = setup(rule(Drop()))
    client.remove(client.rules[0])
    assert not client.active and not sock.busy
    assert texts(sock.offer(frame("received", type="ack", id="1")).deliveries) == ["1"]
    assert journal.kinds("message.rule_end")[0]["why"] == "reverted"


def test_only_the_pages_a_message_fault_selects_are_routed(tmp_path):
    """A drop on b1 and an inject on the protocol client: b1's page is routed, b0's and p0 are not."""
    from harness.scenario.load import load_scenario
    from harness.steps.messages import routed_pages

    path = tmp_path / "s.yaml"
    path.write_text("name: s\nclients: {browsers: 2, protocol: 1}\nsteps:\n"
                    "  - during:\n      drop: ack\n      clients: b1\n      steps: [idle: 1s]\n"
                    "  - inject: x\n    clients: p0\nchecks: []\n")
    scenario = load_scenario(path)
    assert routed_pages(scenario.clients, scenario.steps) == {"b1"}
