"""The report's view of message faults (pure): their windows on the faults lane, a mark per frame
acted on on its client's lane, and the table of those frames."""

from __future__ import annotations

from typing import TypedDict

from harness.analysis import FaultWindow
from harness.journal import Event, of_kind
from harness.jsontext import dumps

#: Marker kind -> the `message.fault` actions it marks (what the client's side lost, got late,
#: got twice, got from nowhere, or got cut off by a close).
MARKS: dict[str, tuple[str, ...]] = {
    "msg_dropped": ("dropped", "lost"),
    "msg_delayed": ("delayed", "held", "released"),
    "msg_duplicated": ("duplicated",),
    "msg_injected": ("injected",),
    "msg_closed": ("closed",),
}
#: How long a frame's text may be in the table.
SHOWN_CHARS = 160


def windows(events: list[Event]) -> list[FaultWindow]:
    """Each message fault from its `message.rule` to the last `message.rule_end` of its clients
    (None while one of them still had it in force)."""
    ends: dict[str, list[float]] = {}
    for e in of_kind(events, "message.rule_end"):
        ends.setdefault(str(e.get("fault_id")), []).append(e["t"])
    out = []
    for e in of_kind(events, "message.rule"):
        clients = tuple(e.get("clients") or ())
        done = ends.get(str(e.get("fault_id")), [])
        label = f"{e.get('fault')} {e.get('match')} ({e.get('dir')})"
        out.append(FaultWindow(str(e.get("fault_id")), label, clients, e["t"],
                               max(done) if len(done) >= len(clients) and done else None, {}))
    return out


def marks(events: list[Event], client: str) -> dict[str, list[float]]:
    """Marker kind -> times of the frames message faults acted on for `client`."""
    found: dict[str, list[float]] = {name: [] for name in MARKS}
    for e in of_kind(events, "message.fault"):
        if e.get("client") != client:
            continue
        for name, actions in MARKS.items():
            if e.get("action") in actions:
                found[name].append(e["t"])
    return found


class MessageRow(TypedDict):
    """One frame a message fault acted on, as the report's table lists it."""

    t: float
    client: str
    fault: str
    action: str
    dir: str
    type: str
    frame: str
    delivered: bool


def rows(events: list[Event]) -> list[MessageRow]:
    """Every frame a message fault acted on, in journal order."""
    out: list[MessageRow] = []
    for e in of_kind(events, "message.fault"):
        data = e.get("data")
        text = data if isinstance(data, str) else dumps(data)
        extra = {"delay_s": "by {}s", "copies": "+{} copies", "code": "code {}"}
        how = ", ".join(fmt.format(e[k]) for k, fmt in extra.items() if e.get(k) is not None)
        out.append({"t": e["t"], "client": str(e.get("client")), "fault": str(e.get("fault")),
                    "action": f"{e.get('action')}{' (' + how + ')' if how else ''}", "dir": str(e.get("dir")),
                    "type": "—" if e.get("type") is None else str(e.get("type")),
                    "frame": text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…",
                    "delivered": bool(e.get("delivered"))})
    return out
