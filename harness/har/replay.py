"""A recorded socket as a timeline of replay actions (pure): what to send when, and how to
reproduce each disconnect. `harness/har/scenario.py` writes it out as YAML.

The recorded page becomes protocol client `p0`. Each text frame it sent becomes a `send` at its
recorded moment: a target template when the frame fits one (its type, its constant fields), with
the recorded values pinned (`values: {id: ..., title: ...}`: a message re-sent with the same id is
re-sent with the same id), else the frame's text as `raw`. Each disconnect followed by a
reconnect becomes the closest fault, in this order:

1. **a stall before it** (nothing received for a while, however the client kept sending): a
   downstream `blackhole` over the stall, whose end closes the connection (Toxiproxy), held with
   `during:` over the sends of the stall;
2. **a lost reply** (the last message sent before the close had an id and no frame with that id
   came back): `close_after` on that reply, so the server processes the message and the client
   never reads the answer;
3. **a recorded close code** (a close frame in the HAR): `close_after` with that code on the last
   frame before it;
4. **an abnormal close** (nothing else known; 1006): the path cut (`down`) at the recorded moment,
   held with `during:` until the recorded reconnect.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from statistics import median
from typing import Mapping, Optional, Union

from harness.events import JSON
from harness.har.reader import HarFrame, HarSocket

#: A stall: nothing received for at least this long before the close ...
STALL_MIN_S = 1.5
#: ... and this many times the usual gap between received frames.
STALL_FACTOR = 3.0
#: Placeholders the harness fills itself: never pinned to a recorded value.
RESERVED = {"client", "seed", "run_key", "root", "run_dir", "python", "time_scale", "n"}
#: Client frames replayed at most (a longer recording is cut, and the scenario says so).
MAX_SENDS = 2000


@dataclass(frozen=True)
class Protocol:
    """What the replay needs of the target: field names, templates, keyed templates, ack type."""

    type_field: str
    id_field: str
    templates: Mapping[str, Mapping[str, object]]
    keyed: frozenset[str]
    ack_type: str


@dataclass
class Action:
    """One line of the replay at time `t` (seconds since the first socket opened)."""

    t: float
    kind: str  # send, comment, close_after, during
    body: JSON = None
    note: str = ""
    inner: list["Action"] = field(default_factory=list)  # `during`'s steps


@dataclass
class Replay:
    """The timeline, and what the checks need to know."""

    actions: list[Action] = field(default_factory=list)
    sockets: int = 0
    sends: int = 0
    templated: int = 0
    keyed: int = 0
    disconnects: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    longest_gap_s: float = 0.0


def replay(sockets: list[HarSocket], proto: Protocol) -> Replay:
    """The replay of the app's sockets (in time order) against a target speaking `proto`."""
    opened = [s for s in sockets if s.frames]
    out = Replay(sockets=len(opened))
    t0 = opened[0].start
    for k, sock in enumerate(opened):
        nxt = opened[k + 1] if k + 1 < len(opened) else None
        if nxt is not None:
            failed = [f"{s.start - t0:.3f}s" for s in sockets if not s.frames and sock.start < s.start < nxt.start]
            if failed:
                out.gaps.append(f"{len(failed)} connection attempt(s) after socket {k + 1} never opened "
                                f"(t={', '.join(failed)}): the path or the server was down then")
        out.actions.append(Action(sock.start - t0, "comment", note=f"socket {k + 1}: {sock.url} opened at "
                                                                 f"t={sock.start - t0:.3f}s"))
        sends = _sends(sock, proto, t0, out)
        if nxt is None:
            out.actions += sends
            if sock.end is not None:
                out.gaps.append(f"socket {k + 1} ended at t={sock.end - t0:.3f}s and no socket followed before "
                                "the recording ended: not replayed as a disconnect")
            continue
        out.actions += _disconnect(sock, nxt, sends, proto, t0, k + 1, out)
    return out


def _sends(sock: HarSocket, proto: Protocol, t0: float, out: Replay) -> list[Action]:
    actions = []
    for frame in sock.frames:
        if frame.direction != "sent" or frame.opcode not in (1, 2):
            continue
        if frame.opcode == 2 or frame.text is None:
            out.gaps.append(f"a binary frame ({frame.size} characters as recorded) sent at t={frame.t - t0:.3f}s: not replayed")
            actions.append(Action(frame.t - t0, "comment", note=out.gaps[-1]))
            continue
        if out.sends >= MAX_SENDS:
            out.gaps.append(f"more than {MAX_SENDS} client frames: those from t={frame.t - t0:.3f}s on are left out")
            break
        actions.append(_send(frame, proto, t0, out))
    return actions


def _send(frame: HarFrame, proto: Protocol, t0: float, out: Replay) -> Action:
    out.sends += 1
    assert frame.text is not None  # binary frames are gaps
    try:
        data = json.loads(frame.text)
    except ValueError:
        data = None
    fit = _fit(data, proto) if isinstance(data, dict) else None
    what = f"{data.get(proto.type_field)}" if isinstance(data, dict) else "text"
    if fit is None:
        return Action(frame.t - t0, "send", {"raw": frame.text}, f"t={frame.t - t0:.3f}s {what}")
    name, values, notes = fit
    out.templated += 1
    out.keyed += int(name in proto.keyed)
    body: dict[str, JSON] = {"message": name}
    if values:
        body["values"] = values
    return Action(frame.t - t0, "send", body, f"t={frame.t - t0:.3f}s {what}" + (f" ({'; '.join(notes)})" if notes else ""))


def _fit(frame: dict[str, JSON], proto: Protocol) -> Optional[tuple[str, dict[str, JSON], list[str]]]:
    """The first template the frame fits (same type, same constants), with the recorded values
    of its placeholders and notes on what the template sends differently."""
    for name, template in proto.templates.items():
        if template.get(proto.type_field) != frame.get(proto.type_field):
            continue
        values: dict[str, JSON] = {}
        notes: list[str] = []
        if _unify(template, frame, "", values, notes):
            extra = sorted(set(frame) - set(template))
            if extra:
                notes.append(f"recorded fields the template does not send: {', '.join(extra)}")
            return name, values, notes
    return None


def _unify(template: object, frame: JSON, path: str, values: dict[str, JSON], notes: list[str]) -> bool:
    if isinstance(template, Mapping):
        if not isinstance(frame, dict):
            return False
        return all(key in frame and _unify(value, frame[key], f"{path}{key}.", values, notes)
                   for key, value in template.items())
    if isinstance(template, str) and template.startswith("{") and template.endswith("}") and template.count("{") == 1:
        name = template[1:-1]
        if name in RESERVED:
            return True
        if name in values and values[name] != frame:
            notes.append(f"{path.rstrip('.')} was {frame!r}, sent as {{{name}}} = {values[name]!r}")
            return True
        if isinstance(frame, (str, int, float)) and not isinstance(frame, bool):
            values[name] = frame
            return True
        return False
    if isinstance(template, str) and "{" in template:
        return True  # a composed text: the template fills it its own way
    return bool(template == frame)


def _disconnect(sock: HarSocket, nxt: HarSocket, sends: list[Action], proto: Protocol, t0: float, n: int,
                out: Replay) -> list[Action]:
    """The socket's sends with its end reproduced before the next socket opens."""
    close = _close_time(sock, nxt, n, t0, out)
    back = nxt.start - t0
    out.longest_gap_s = max(out.longest_gap_s, back - close)
    received = [f.t - t0 for f in sock.frames if f.direction == "received" and f.opcode in (1, 2)]
    stall_from = _stall(received, close, sock.start - t0)
    if stall_from is not None:
        before = [a for a in sends if a.t <= stall_from]
        during = [a for a in sends if a.t > stall_from]
        out.disconnects.append(f"socket {n}: nothing received for {close - stall_from:.3f}s, then closed: "
                               f"blackhole downstream from t={stall_from:.3f}s, the path back at t={back:.3f}s")
        hold = Action(stall_from, "during", {"blackhole": {"stream": "downstream"}},
                      f"stall t={stall_from:.3f}-{close:.3f}s: its end closes the connection", during)
        hold.inner.append(Action(close, "idle"))
        return before + [hold, Action(back, "comment", note=f"socket {n} closed; reconnect at t={back:.3f}s")]
    lost = _lost_reply(sock, proto, t0)
    if lost is not None:
        reply_id, sent_t = lost
        code = sock.close_code or 1006
        idx = next(i for i, a in enumerate(sends) if abs(a.t - sent_t) < 1e-9)
        out.disconnects.append(f"socket {n}: the reply to {reply_id} never came: close_after on it (code {code}), "
                               f"reconnect at t={back:.3f}s")
        rule = Action(sent_t, "close_after", {"match": {proto.type_field: proto.ack_type, proto.id_field: reply_id},
                                              "code": code}, "its reply never came: the connection died with it")
        return sends[:idx] + [rule] + sends[idx:] + [Action(back, "comment", note=f"reconnect at t={back:.3f}s")]
    recorded = sock.close_code
    if recorded is not None and sends:
        last = sends[-1]
        out.disconnects.append(f"socket {n}: closed with {recorded} after its last frame; reconnect at t={back:.3f}s")
        rule = Action(last.t, "close_after", {"match": "*", "direction": "sent", "deliver": True, "code": recorded},
                      f"the recording closes with {recorded} after this frame")
        return sends[:-1] + [rule, last, Action(back, "comment", note=f"reconnect at t={back:.3f}s")]
    out.disconnects.append(f"socket {n}: closed at t={close:.3f}s without a recorded code (abnormal, 1006): "
                           f"down until the reconnect at t={back:.3f}s")
    cut = Action(close, "during", {"down": {}}, f"cut at t={close:.3f}s, the path back at t={back:.3f}s",
                 [Action(back, "idle")])
    return sends + [cut]


def _close_time(sock: HarSocket, nxt: HarSocket, n: int, t0: float, out: Replay) -> float:
    last = max((f.t for f in sock.frames), default=sock.start)
    close = sock.end if sock.end is not None else last
    if sock.end is None:
        out.gaps.append(f"when socket {n} closed is not recorded: taken as its last frame, t={last - t0:.3f}s "
                        f"(the next socket opened at t={nxt.start - t0:.3f}s)")
    return min(close, nxt.start) - t0


def _stall(received: list[float], close: float, opened: float) -> Optional[float]:
    """Where a stall before the close began (the last frame received), if there was one."""
    last = max(received, default=opened)
    gaps = [b - a for a, b in zip([opened] + received, received)]
    usual = median(gaps) if gaps else 0.0
    quiet = close - last
    return last if quiet >= STALL_MIN_S and quiet >= STALL_FACTOR * usual else None


def _lost_reply(sock: HarSocket, proto: Protocol, t0: float) -> Optional[tuple[Union[str, int], float]]:
    """(id, time) of the last message the client sent with an id that no received frame echoed."""
    sent = [(f, _id(f, proto)) for f in sock.frames if f.direction == "sent" and f.opcode == 1]
    keyed = [(f, i) for f, i in sent if i is not None and _type(f, proto) in _keyed_types(proto)]
    if not keyed:
        return None
    frame, mid = keyed[-1]
    answered = any(f.direction == "received" and f.t >= frame.t and _id(f, proto) == mid for f in sock.frames)
    return None if answered else (mid, frame.t - t0)


def _keyed_types(proto: Protocol) -> set[object]:
    return {proto.templates[name].get(proto.type_field) for name in proto.keyed if name in proto.templates}


def _parsed(frame: HarFrame) -> JSON:
    try:
        return json.loads(frame.text or "")
    except ValueError:
        return None


def _id(frame: HarFrame, proto: Protocol) -> Optional[Union[str, int]]:
    data = _parsed(frame)
    value = data.get(proto.id_field) if isinstance(data, dict) else None
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def _type(frame: HarFrame, proto: Protocol) -> object:
    data = _parsed(frame)
    return data.get(proto.type_field) if isinstance(data, dict) else None
