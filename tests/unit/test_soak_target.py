"""The soak drawn from what a target declares: its work, the faults it can take, the invariants
that apply to it (and the ones that do not, said with the reason)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from harness.plan import RunOptions, make_plan
from harness.soak import make_soak, reference_target
from harness.soak.faults import FAULTS, catalogue, left_out
from harness.soak.invariants import invariants
from harness.soak.work import workload
from harness.steps.base import During, StepNode, walk
from harness.targets import load_target
from harness.targets.model import Work
from harness.units import Duration

ROOT = Path(__file__).resolve().parents[2]
CHAT = ROOT / "examples/chat/targets/chat.yaml"
BOARD = ROOT / "examples/board/targets/board.yaml"
SOCKETIO = ROOT / "examples/socketio/targets/socketio.yaml"
HOUR = Duration(3600.0)


def names(scenario) -> list[str]:
    return [c.registered_name for c in scenario.checks]


def steps_named(scenario, name: str):
    return [n for n in walk(scenario.steps) if n.step.registered_name == name]


def test_chat_soak_draws_its_own_action_and_message():
    """Without `workload:`, chat's soak posts messages through its UI action and sends `chat` frames from p0."""
    plan = make_soak(load_target(CHAT), HOUR, 3)
    scenario = plan.scenario
    actions = {n.step.name for n in steps_named(scenario, "action")}
    sends = steps_named(scenario, "send")
    assert actions == {"post_message"}
    assert sends and {(n.step.message, n.env.clients) for n in sends} == {("chat", "p0")}
    assert [(c.name, c.kind) for c in scenario.clients] == [("b0", "browser"), ("b1", "browser"), ("p0", "protocol")]
    assert "ping" not in plan.workload  # no ledger key: a heartbeat, not work
    assert plan.workload.startswith("post_message (action, weight 1, up to 3), chat (message, weight 1, up to 3)")
    make_plan(scenario, RunOptions(target=str(CHAT), seed=3))  # every action and message exists in the target


def test_board_soak_has_no_queue_gate_and_says_so():
    """board.yaml has no probes: each round's gate waits for connected pages only, and the description says why."""
    plan = make_soak(load_target(BOARD), HOUR, 3)
    gates = steps_named(plan.scenario, "expect")
    assert gates and all(n.step.queue_length is None and n.step.state == "connected" for n in gates)
    reason = "queue drain: the target has no `queue_length` probe, so the gate waits for connected pages only"
    assert reason in plan.invariants.skipped
    assert f"Not checked: {reason}." in plan.scenario.description
    make_plan(plan.scenario, RunOptions(target=str(BOARD), seed=3))


def test_the_reference_app_gates_on_its_queue_probe():
    """kanban has a queue_length probe: every round (and the night's last work) ends with a connected gate, then a
    drain gate."""
    plan = make_soak(reference_target(), HOUR, 3)
    top = [n.step if isinstance(n, StepNode) else None for n in plan.scenario.steps]
    drains = [i for i, s in enumerate(top) if s is not None and s.registered_name == "expect" and s.queue_length == 0]
    assert len(drains) == len(plan.rounds) + 1
    assert all(top[i - 1].registered_name == "expect" and top[i - 1].state == "connected" for i in drains)
    assert all(plan.scenario.steps[r.last - 1].step.queue_length == 0 for r in plan.rounds)


def test_a_target_with_no_work_still_soaks_its_sockets():
    """`workload: {}`: no action or send, no delivery check (said so), but faults, gates and the other checks."""
    target = dataclasses.replace(load_target(CHAT), workload=())
    plan = make_soak(target, HOUR, 3)
    scenario = plan.scenario
    assert not steps_named(scenario, "action") and not steps_named(scenario, "send")
    assert scenario.client_names("protocol") == []
    assert "delivered_exactly_once" not in names(scenario)
    assert "delivery: the soak has no work to deliver (the target's workload is empty)" in plan.invariants.skipped
    assert {"reconnected", "no_page_errors", "server_restarts", "resource_drift"} <= set(names(scenario))
    assert len(plan.rounds) > 20 and sum(isinstance(n, During) for n in scenario.steps) > 10  # faults, held
    assert plan.workload == "none (the target declares `workload: {}`)"


def test_weights_set_how_often_each_entry_is_drawn():
    """A weight of 9 against 1 draws that entry about nine times as often."""
    target = dataclasses.replace(load_target(CHAT), workload=(Work("post_message", weight=9.0), Work("chat", weight=1.0)))
    scenario = make_soak(target, Duration(8 * 3600.0), 5).scenario
    posts, sends = len(steps_named(scenario, "action")), len(steps_named(scenario, "send"))
    assert 5 < posts / sends < 16


def test_without_a_ledger_the_protocol_messages_acks_are_counted():
    """No ledger: delivery is judged by the acks of the protocol client's messages, at least as many as it sends."""
    target = dataclasses.replace(load_target(CHAT), ledger=None)
    plan = make_soak(target, HOUR, 3)
    sent = sum(n.step.count for n in steps_named(plan.scenario, "send"))
    (acks,) = [c for c in plan.scenario.checks if c.registered_name == "frames_seen"]
    assert (acks.type, acks.clients, acks.min) == ("receipt", "p0", sent)
    assert "delivered_exactly_once" not in names(plan.scenario)


def test_without_a_ledger_or_messages_delivery_is_skipped_with_the_reason():
    """No ledger and only UI actions: nothing can tell what arrived, and the invariants say so."""
    target = dataclasses.replace(load_target(CHAT), ledger=None, workload=(Work("post_message"),))
    held = invariants(target, Counter({"down": 1}), {"post_message": 4})
    assert not any(c.registered_name in ("delivered_exactly_once", "frames_seen") for c in held.checks)
    assert ("delivery: the target has no `ledger` and the workload sends no protocol message to ack"
            in held.skipped)


def test_close_codes_is_skipped_without_a_graceful_stop():
    """A night with no graceful restart or stop does not ask close_codes, and says why."""
    held = invariants(load_target(CHAT), Counter({"crash": 2, "down": 3}), {})
    assert "close_codes" not in [c.registered_name for c in held.checks]
    assert "close codes: the night has no graceful `restart` or `stop` to judge" in held.skipped


def test_close_codes_is_skipped_for_a_socketio_app_and_asked_of_a_plain_one():
    """A Socket.IO server's goodbye is an Engine.IO packet (the page closes its transport): not judged by close codes."""
    night = Counter({"stop": 1, "restart": 1})
    held = invariants(load_target(SOCKETIO), night, {})
    assert "close_codes" not in [c.registered_name for c in held.checks]
    assert any(line.startswith("close codes: a Socket.IO server says goodbye") for line in held.skipped)
    assert "close_codes" in [c.registered_name for c in invariants(load_target(CHAT), night, {}).checks]


def test_the_catalogue_keeps_only_faults_whose_needs_are_met():
    """Without a server process no server fault is drawn; without pages no browser fault; each left out is named."""
    everything = set(FAULTS)
    assert set(catalogue(frozenset({"server", "pages"}))) == everything
    assert set(catalogue(frozenset({"pages"}))) == everything - {"restart", "crash", "stop", "pause"}
    assert set(catalogue(frozenset())) == {"down", "latency", "blackhole"}
    assert left_out(frozenset({"pages"})) == [f"{k}: no server process wschaos starts"
                                               for k in ("crash", "pause", "restart", "stop")]


def test_default_workload_is_every_action_and_keyed_message():
    """No `workload:` key: every UI action, and every protocol message that has a ledger key, weight 1."""
    target = load_target(CHAT)
    assert target.workload is None
    assert [(w.name, target.work_kind(w), w.weight) for w in workload(target)] == [
        ("post_message", "action", 1.0), ("chat", "message", 1.0)]


@pytest.mark.parametrize("path", [CHAT, BOARD, ROOT / "targets/kanban.yaml"])
def test_same_target_seed_and_duration_give_the_same_soak(path):
    """A night is replayed from its seed on any target."""
    target = load_target(path)
    assert make_soak(target, HOUR, 11).scenario == make_soak(target, HOUR, 11).scenario


def test_a_night_with_a_blackhole_asks_every_page_to_notice_it():
    """dead_link within 20s of app time (or min_wait in app time), and every blackhole lasts at least 1.5x that."""
    for path, within in ((BOARD, 20.0), (ROOT / "targets/kanban.yaml", 100.0)):
        plan = make_soak(load_target(path), HOUR, 7)
        (dead,) = [c for c in plan.scenario.checks if c.registered_name == "dead_link"]
        assert (dead.within, dead.clients) == (Duration(within), "browsers")
        idles = [n.steps[-1].step.duration.seconds for n in plan.scenario.steps
                 if isinstance(n, During) and n.fault.step.registered_name == "blackhole"]
        assert idles and min(idles) >= within * 1.5
    calm = invariants(load_target(BOARD), Counter({"down": 2}), {})
    assert "dead links: the night has no blackhole to notice" in calm.skipped
