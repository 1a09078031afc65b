"""What a soak holds the target to: each round's gate and the checks over the whole night.

Only what applies to the target is checked, and what does not is said, with the reason, in the
scenario's description and the soak report:

| invariant | applies when | otherwise |
|---|---|---|
| every page connected again (each round's gate, `reconnected`) | always (the page's `state` probe, else its socket) | - |
| queue drained (each round's gate) | the target has a `queue_length` probe | skipped |
| delivered exactly once (`delivered_exactly_once`) | a ledger, and work with a ledger key (from the server's last start on if the server keeps no data in the run folder) | acks counted for the protocol client's messages (`frames_seen`), else skipped |
| a dead link noticed (`dead_link`) within 20s of app time, or the target's `min_wait` | the night has a blackhole (each at least 1.5x that long) | skipped |
| no uncaught page error (`no_page_errors`) | always | - |
| server up at the end (`server_restarts`) | always (every target has a server process) | - |
| close codes of graceful stops (`close_codes`) | the night has a graceful `restart` or `stop`, and the app is not Socket.IO (its server's goodbye is an Engine.IO packet) | skipped |
| resources do not drift (`resource_drift`) | always | - |
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Mapping

from harness.checks.base import Check, checks
from harness.soak.work import PROTOCOL_CLIENT, workload
from harness.steps.expect import Expect
from harness.targets.model import Target
from harness.units import Duration

RECOVER_WITHIN = Duration(120.0)   # the gate's `state: connected` deadline, and `reconnected`'s
DRAIN_WITHIN = Duration(60.0)      # the gate's `queue_length: 0` deadline
#: How long a page may stay "connected" on a link that carries nothing (app time), unless the
#: target's `min_wait` is longer: a heartbeat every few seconds notices well within it.
DEAD_LINK_WITHIN_S = 20.0


@dataclass(frozen=True)
class Invariants:
    """The gate after each round, the checks of the night, and what is left out and why."""

    gates: tuple[Expect, ...]
    checks: tuple[Check, ...]
    held: tuple[str, ...]
    skipped: tuple[str, ...]


def keeps_data(target: Target) -> bool:
    """Whether the server is handed a place in the run folder (`{run_dir}` in its command or
    environment) to keep its data, so its ledger outlives a restart. One that is not keeps it in
    memory (wschaos cannot see inside the app): delivery is then judged from its last start on."""
    spec = target.server
    return any("{run_dir}" in text for text in (*spec.command, *spec.env.values(), spec.cwd))


def has_queue_probe(target: Target) -> bool:
    """A `queue_length` probe the target declares (the gate reads it)."""
    return "queue_length" in target.probes


def gates(target: Target) -> tuple[Expect, ...]:
    """Each round's recovery gate: every page connected; its queue drained if it shows one."""
    connected = Expect(state="connected", within=RECOVER_WITHIN)
    if not has_queue_probe(target):
        return (connected,)
    return connected, Expect(queue_length=0, within=DRAIN_WITHIN)


def dead_link_within(target: Target, time_scale: float | None) -> float:
    """App seconds a page gets to notice a dead link: DEAD_LINK_WITHIN_S, or the target's
    `min_wait` (real seconds, the floor of every deadline) in app time if that is longer."""
    scale = time_scale or target.time_scale
    return max(DEAD_LINK_WITHIN_S, target.min_wait.seconds / scale)


def invariants(target: Target, kinds: Counter[str], planned: Mapping[str, int],
               dead_link_s: float = DEAD_LINK_WITHIN_S, duration: Duration = Duration(8 * 3600.0)) -> Invariants:
    """The invariants that apply to `target` for a night of `kinds` disruptions and `planned`
    work (workload entry -> how many runs or messages), `duration` of app time long."""
    made: list[Check] = [_check("reconnected", within=RECOVER_WITHIN, clients="browsers")]
    held = [f"every page connected again within {RECOVER_WITHIN} after each round (`reconnected`)"]
    skipped = []
    if has_queue_probe(target):
        held.append(f"every page's queue drained within {DRAIN_WITHIN} after each round (the gate)")
    else:
        skipped.append("queue drain: the target has no `queue_length` probe, so the gate waits for "
                       "connected pages only")
    delivery, why = _delivery(target, planned)
    made += delivery
    (held if delivery else skipped).append(why)
    if kinds["blackhole"]:
        within = Duration(float(math.ceil(dead_link_s)))
        made.append(_check("dead_link", within=within, clients="browsers"))
        held.append(f"every page notices a dead link (a blackhole) within {within} (`dead_link`)")
    else:
        skipped.append("dead links: the night has no blackhole to notice")
    made.append(_check("no_page_errors"))
    held.append("no uncaught exception in a page (`no_page_errors`)")
    made.append(_check("server_restarts", up_at_end=True))
    held.append("the server is up at the end (`server_restarts`)")
    if _socketio(target):
        skipped.append("close codes: a Socket.IO server says goodbye with an Engine.IO close packet and the page "
                       "closes its transport itself, so WebSocket close codes are not the server's")
    elif kinds["restart"] or kinds["stop"]:
        made.append(_check("close_codes", clients="browsers"))
        held.append("graceful stops close sockets with a proper code (`close_codes`)")
    else:
        skipped.append("close codes: the night has no graceful `restart` or `stop` to judge")
    # A short soak's warmup is a quarter of it (a minute at most, resource_drift's default),
    # else a 1-minute soak would end before the check had three samples to judge.
    made.append(_check("resource_drift", warmup=Duration(min(60.0, duration.seconds / 4))))
    held.append("server memory, file descriptors and page heaps do not drift (`resource_drift`)")
    return Invariants(gates(target), tuple(made), tuple(held), tuple(skipped))


def _socketio(target: Target) -> bool:
    """A Socket.IO app: its protocol clients speak it, or its socket is on Socket.IO's path."""
    speaks = target.protocol is not None and target.protocol.client == "socketio"
    return speaks or "/socket.io" in target.websocket


def _delivery(target: Target, planned: Mapping[str, int]) -> tuple[list[Check], str]:
    """Delivery needs a ledger (every keyed action and message in it once) or acks (every message
    of the protocol client acknowledged); the sentence says which, or why neither."""
    keyed = [w.name for w in workload(target) if planned.get(w.name)
             and (target.protocol.keys.get(w.name) if target.work_kind(w) == "message"
                  else target.actions[w.name].key)]
    messages = sum(planned.get(w.name, 0) for w in workload(target) if target.work_kind(w) == "message")
    if target.ledger is not None and keyed:
        what = (f"every keyed action and message ({', '.join(keyed)}) in the server's ledger exactly once "
                "(`delivered_exactly_once`)")
        if keeps_data(target):
            return [_check("delivered_exactly_once")], what
        return [_check("delivered_exactly_once", since_last_start=True)], (
            f"{what}, from the server's last start on: its command and environment name no place in the run folder "
            "(`{run_dir}`) to keep data, so it keeps its ledger in memory and a restart forgets it")
    if messages:
        ack = target.protocol.ack_type
        why = "no ledger" if target.ledger is None else "no work with a ledger key"
        return [_check("frames_seen", type=ack, clients=PROTOCOL_CLIENT, min=messages)], (
            f"every message of the protocol client acknowledged: at least {messages} `{ack}` frames "
            f"(`frames_seen`; the target has {why}, so the ledger cannot be compared)")
    if not planned:
        return [], "delivery: the soak has no work to deliver (the target's workload is empty)"
    if target.ledger is None:
        return [], "delivery: the target has no `ledger` and the workload sends no protocol message to ack"
    return [], "delivery: no work of the workload has a ledger key (`key:` of an action, `protocol.keys`)"


def _check(name: str, **params: object) -> Check:
    """A check from the registry by name, with its own parameters."""
    made: Check = checks.get(name)(**params)  # the registry knows a Check; its own fields are the named class's
    return made
