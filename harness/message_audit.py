"""Which keyed messages reached the server: the client's actions compared with the server's ledger
and the acks its sockets received (acked, lost, duplicated, resent). Pure, over a journal."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable

from harness.analysis import CONNECTED, ack_type_of, client_names, probe_series
from harness.events import JSON, JSONObject
from harness.journal import Event
from harness.journal_index import index_of
from harness.lateness import excuse, explained
from harness.units import format_measured


def _of(events: list[Event], client: str | None, *kinds: str) -> list[Event]:
    return index_of(events).of(client, *kinds)


@dataclass(frozen=True)
class Resend:
    """A message sent again when it should not be: after its ack (`ack_t` is the ack's time), or
    a second time on one connection (`why` = "twice"; `ack_t` is then the first send's time).
    `excused`: the ack came so shortly before the client gave its socket up that the page's
    measured lag could have kept it from reading it (the verdict is then inconclusive)."""

    client: str
    message_id: str
    ack_t: float
    resent_t: float
    why: str = "after_ack"
    socket: str = ""
    excused: str | None = None


@dataclass(frozen=True)
class MessageAudit:
    """Keyed actions of the selected clients compared with the last server ledger."""

    actions: list[Event]
    ledger: list[JSONObject] | None  # None: the journal has no `server.ledger`
    acked: list[Event]
    lost: list[Event]
    duplicated: dict[str, int]  # key -> how many ledger entries carry it
    resent: list[Resend]


#: An ack that reaches a socket after the client left it, or less than this long before, came
#: too late: the client never read it (the events come from different sources, so their order
#: within a few ms is not reliable).
ACK_RACE_S = 0.05


def _left_at(events: list[Event], client: str) -> list[float]:
    """When the client gave a socket up: each connection attempt, and each time its state probe
    went from connected to anything else (a client that gives up on a silent socket says so at
    once, and may wait out a backoff before it dials again)."""
    times = [float(e["t"]) for e in _of(events, client, "ws.attempt")]
    previous: JSON = None
    for t, state in probe_series(events, client, "state"):
        if previous == CONNECTED and state != CONNECTED:
            times.append(t)
        previous = state
    return sorted(times)


def _acks(events: list[Event], client: str, seen_only: bool = False) -> dict[str, float]:
    """Message id -> time of its first ack. With `seen_only`, only acks the client could still
    read: an ack arriving on a socket the client had already given up (its state left
    `connected`, or it began a new connection attempt, e.g. after a heartbeat timeout) never
    reaches the app, which the browser network log cannot show; sending that message again on
    the next socket is a correct retry, not a resend after ack."""
    return {mid: t for mid, (t, _) in _acks_left(events, client, seen_only).items()}


def _acks_left(events: list[Event], client: str, seen_only: bool) -> dict[str, tuple[float, float | None]]:
    """Message id -> (time of its first ack, when the client then left that socket, if it did)."""
    acks: dict[str, tuple[float, float | None]] = {}
    ack_type = ack_type_of(events)
    leaves = _left_at(events, client) if seen_only else []
    opened = {e.get("socket"): e["t"] for e in _of(events, client, "ws.open")}
    unread = _undelivered(events, client, ack_type)
    for e in _of(events, client, "ws.frame"):
        if e.get("dir") == "received" and e.get("type") == ack_type and e.get("id") is not None:
            if unread.get(str(e["id"])):  # on the wire, but a message fault kept it from the client
                unread[str(e["id"])] -= 1
                continue
            left = None
            if seen_only and e.get("socket") in opened:
                left = next((t for t in leaves if t > opened[e.get("socket")]), None)
                if left is not None and left <= e["t"] + ACK_RACE_S:
                    continue
            acks.setdefault(str(e["id"]), (e["t"], left))
    return acks


def _undelivered(events: list[Event], client: str, ack_type: str) -> dict[str, int]:
    """Acks a message fault kept from the client (dropped, lost, or cut off by a close), per
    message id: the wire (`ws.frame`) has them, the client never read them."""
    counts: dict[str, int] = {}
    for e in _of(events, client, "message.fault"):
        if e.get("dir") == "received" and not e.get("delivered") and e.get("type") == ack_type:
            counts[str(e.get("id"))] = counts.get(str(e.get("id")), 0) + 1
    return counts


def _excuse(events: list[Event], r: Resend, left: float | None) -> Resend:
    """A resend after an ack that reached the socket less than ACK_RACE_S plus the page's measured
    lag before the client left it: the page may have been too busy to read it in time."""
    if r.why != "after_ack" or left is None:
        return r
    over = left - r.ack_t - ACK_RACE_S
    lag = explained(over, events, r.client, r.ack_t - 1.0, left)
    if lag is None:
        return r
    return replace(r, excused=excuse(f"its ack came {format_measured(left - r.ack_t)} before {r.client} left the "
                                     f"socket, over the {format_measured(ACK_RACE_S)} race", over, lag).line)


#: Two copies of one message on one connection this close together are one send done twice
#: (leaked listeners flush a queue several times in one go); a copy sent later is a retry
#: after an ack timeout, which at-least-once delivery needs (the server deduplicates it).
DUPLICATE_SEND_GAP_S = 0.05


def _resends(events: list[Event], client: str, acks: dict[str, float]) -> list[Resend]:
    """Messages sent again when they should not be: after their ack, or twice at once on one connection.

    A retry on a new connection is how a queue recovers, and so is a retry after an ack
    timeout; two copies at once on the same connection are not (unless the server refused the
    first with an error, e.g. rate_limited)."""
    out: dict[str, Resend] = {}
    sent_on: dict[tuple[JSON, str], float] = {}
    refused: set[tuple[JSON, str]] = set()
    for e in _of(events, client, "ws.frame"):
        mid = None if e.get("id") is None else str(e["id"])
        if mid is None or mid in out:
            continue
        where = (e.get("socket"), mid)
        if e.get("dir") == "received" and e.get("type") == "error":
            refused.add(where)
        elif e.get("dir") == "sent":
            if mid in acks and e["t"] > acks[mid]:
                out[mid] = Resend(client, mid, acks[mid], e["t"])
            elif where in sent_on and where not in refused and e["t"] - sent_on[where] <= DUPLICATE_SEND_GAP_S:
                out[mid] = Resend(client, mid, sent_on[where], e["t"], "twice", str(e.get("socket")))
            sent_on[where] = e["t"]
            refused.discard(where)
    return list(out.values())


def message_audit(events: list[Event], clients: Iterable[str] | None = None,
                  key_prefix: str | None = None, since: float | None = None) -> MessageAudit:
    """Which keyed actions reached the server ledger: acked, lost, duplicated, resent. With
    `since`, only actions from that journal time on are judged."""
    names = client_names(events) if clients is None else list(clients)
    actions = [e for e in _of(events, None, "action") if e.get("client") in names
               and e.get("key") and (key_prefix is None or str(e["key"]).startswith(key_prefix))
               and (since is None or e["t"] >= since)]
    ledgers = _of(events, None, "server.ledger")
    ledger = list(ledgers[-1].get("entries") or []) if ledgers else None
    acks = {c: _acks(events, c) for c in names}
    # A browser action does not know the id its page gave the message; the ledger does.
    ledger_ids: dict[str, set[str]] = {}
    for entry in ledger or []:
        ledger_ids.setdefault(str(entry.get("key")), set()).add(str(entry.get("message_id")))
    acked = [a for a in actions
             if ({str(a["message_id"])} if a.get("message_id") else ledger_ids.get(str(a["key"]), set()))
             & acks[a["client"]].keys()]
    lost: list[Event] = []
    duplicated: dict[str, int] = {}
    if ledger is not None:
        counts: dict[str, int] = {}
        for entry in ledger:
            counts[str(entry.get("key"))] = counts.get(str(entry.get("key")), 0) + 1
        lost = [a for a in actions if counts.get(str(a["key"]), 0) == 0]
        duplicated = {str(a["key"]): counts[str(a["key"])] for a in actions
                      if counts.get(str(a["key"]), 0) > 1}
    resent = []
    for c in names:
        seen = _acks_left(events, c, seen_only=True)
        resent += [_excuse(events, r, seen.get(r.message_id, (0.0, None))[1])
                   for r in _resends(events, c, {mid: t for mid, (t, _) in seen.items()})]
    return MessageAudit(actions, ledger, acked, lost, duplicated, resent)


def message_stats(events: list[Event], clients: Iterable[str] | None = None,
                  key_prefix: str | None = None) -> dict[str, int | None]:
    """Counts of keyed messages: sent, acked, lost, duplicated, resent_after_ack.

    `lost` and `duplicated` are None when the journal holds no `server.ledger`."""
    audit = message_audit(events, clients, key_prefix)
    has_ledger = audit.ledger is not None
    return {
        "sent": len(audit.actions),
        "acked": len(audit.acked),
        "lost": len(audit.lost) if has_ledger else None,
        "duplicated": len(audit.duplicated) if has_ledger else None,
        "resent_after_ack": len(audit.resent),
    }
