"""Read a WebSocket's story out of a HAR file (pure): its sockets, their frames and lifecycle.

Two writers are understood, both putting a socket's frames in `_webSocketMessages` of its entry:

- Chromium DevTools (Network panel, "Save all as HAR"): `{type: send|receive, time, opcode, data}`
  with `time` in seconds since the epoch;
- Playwright (`record_har_path`): the same keys, `time` in milliseconds since the epoch.

A socket opens at its entry's `startedDateTime`. When it closed is mostly not recorded:
Playwright's entry duration (`time`) ends at the last frame, so an end counts only when it comes
later than that; an entry without frames and without a duration is an attempt that never
opened. Neither writer records close codes, so a close frame (opcode 8) is read when a tool wrote
one, and otherwise the code is unknown. Whatever cannot be read is an `InvalidInput` that says which entry and what to do
(exit 2), never a traceback.

    recording = read_har(text, "field.har")
    app = app_sockets(recording, pattern=None, path="/ws/trigger")
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Optional
from urllib.parse import urlsplit

from harness.errors import InvalidInput
from harness.scenario.yamlpos import Problem
from harness.events import JSON

Direction = Literal["sent", "received"]
#: Larger HAR files are refused before they are read (exit 2, with what to export instead).
MAX_BYTES = 50 * 1024 * 1024
#: Problems said about one file at most (the rest are counted).
MAX_PROBLEMS = 10
_DIRECTIONS: dict[str, Direction] = {"send": "sent", "receive": "received"}
#: An entry's end counts as the socket's close only this long after its last frame or more.
CLOSE_AFTER_LAST_S = 0.05


@dataclass(frozen=True)
class HarFrame:
    """One frame: when (seconds since the recording began), which way, its opcode, its text
    (None for a binary frame) and, for a close frame, the code it carried."""

    t: float
    direction: Direction
    opcode: int
    text: Optional[str]
    size: int = 0
    close_code: Optional[int] = None


@dataclass(frozen=True)
class HarSocket:
    """One WebSocket of the recording, `start`/`end` in seconds since the recording began
    (`end` None: the recording does not say when it ended)."""

    index: int  # its entry's position in `log.entries`
    url: str
    start: float
    end: Optional[float]
    frames: tuple[HarFrame, ...]

    @property
    def close_code(self) -> Optional[int]:
        """The code of a recorded close frame, if any."""
        return next((f.close_code for f in reversed(self.frames) if f.close_code is not None), None)

    @property
    def data_frames(self) -> tuple[HarFrame, ...]:
        return tuple(f for f in self.frames if f.opcode in (1, 2))

    def describe(self) -> str:
        return f"{self.url} ({len(self.data_frames)} frames)"


@dataclass(frozen=True)
class Recording:
    """What a HAR file holds about WebSockets: who wrote it, and every socket in time order."""

    name: str
    creator: str
    sockets: tuple[HarSocket, ...]
    requests: int
    epoch: float  # the recording's t=0, seconds since the epoch


def read_har(text: str, name: str) -> Recording:
    """Parse a HAR document; `name` (the file) prefixes every problem."""
    if not text.strip():
        raise _bad(name, f"the file is empty: export the HAR again (DevTools: Network, Save all as HAR)")
    try:
        doc = json.loads(text)
    except ValueError as exc:
        line, col = getattr(exc, "lineno", 0), getattr(exc, "colno", 0)
        raise _bad(name, f"not valid JSON (line {line}, column {col}: {getattr(exc, 'msg', exc)}); "
                            "a HAR file is JSON: was it cut short while saving or copying?") from None
    entries = doc.get("log", {}).get("entries") if isinstance(doc, dict) and isinstance(doc.get("log"), dict) else None
    if not isinstance(entries, list):
        raise _bad(name, f"JSON, but not a HAR file: it has no `log.entries` list "
                            "(export it from DevTools' Network panel, or with Playwright's record_har_path)")
    creator = _creator(doc["log"])
    problems: list[tuple[str, str]] = []  # (where in the document, what is wrong)
    raw = [(i, e) for i, e in enumerate(entries) if _is_socket(e)]
    if not raw:
        raise _bad(name, f"{len(entries)} request(s) and no WebSocket: record the HAR while the app's "
                            "socket is open (DevTools records sockets opened after the panel was, so open it "
                            "first and reload)")
    starts = [_started(e, i, name, problems) for i, e in raw]
    epoch = min((s for s in starts if s is not None), default=0.0)
    sockets = []
    for (i, entry), start in zip(raw, starts):
        sock = _socket(entry, i, start, epoch, name, problems)
        if sock is not None:
            sockets.append(sock)
    if problems:
        extra = len(problems) - MAX_PROBLEMS
        more = [Problem(name, 0, 0, "", f"... and {extra} more")] if extra > 0 else []
        raise InvalidInput([Problem(name, 0, 0, where, message) for where, message in problems[:MAX_PROBLEMS]] + more)
    if not any(s.frames for s in sockets):
        raise _bad(name, f"{len(sockets)} WebSocket(s) but not one frame (`_webSocketMessages`): this HAR "
                            "was saved without WebSocket messages; record it with Chromium's DevTools or "
                            "Playwright (record_har_path), which keep them")
    return Recording(name, creator, tuple(sorted(sockets, key=lambda s: s.start)), len(entries), epoch)


def _creator(log: dict[str, JSON]) -> str:
    creator = log.get("creator")
    if isinstance(creator, dict):
        return f"{creator.get('name', '?')} {creator.get('version', '')}".strip()
    return "unknown"


def _is_socket(entry: JSON) -> bool:
    if not isinstance(entry, dict):
        return False
    url = str((entry.get("request") or {}).get("url", "")) if isinstance(entry.get("request"), dict) else ""
    return (entry.get("_resourceType") == "websocket" or url.startswith(("ws://", "wss://"))
            or "_webSocketMessages" in entry)


def _started(entry: dict[str, JSON], i: int, name: str, problems: list[tuple[str, str]]) -> Optional[float]:
    text = entry.get("startedDateTime")
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()
    except ValueError:
        problems.append((f"entries[{i}].startedDateTime", f"expected an ISO 8601 time, got {str(text)[:40]!r}"))
        return None


def _socket(entry: dict[str, JSON], i: int, start: Optional[float], epoch: float, name: str,
            problems: list[tuple[str, str]]) -> Optional[HarSocket]:
    where = f"entries[{i}]"
    url = str((entry.get("request") or {}).get("url", "")) if isinstance(entry.get("request"), dict) else ""
    messages = entry.get("_webSocketMessages", [])
    if not isinstance(messages, list):
        problems.append((f"{where}._webSocketMessages", f"expected a list of frames, got {type(messages).__name__}"))
        return None
    if start is None:
        return None
    frames = [f for k, m in enumerate(messages) if (f := _frame(m, f"{where}._webSocketMessages[{k}]", start,
                                                                 epoch, problems)) is not None]
    frames.sort(key=lambda f: f.t)
    opened = start - epoch
    duration = entry.get("time")
    end = opened + float(duration) / 1000 if isinstance(duration, (int, float)) and duration > 0 else None
    if end is not None and end <= max((f.t for f in frames), default=opened) + CLOSE_AFTER_LAST_S:
        end = None  # Playwright's duration ends at the last frame: it does not say when the socket closed
    return HarSocket(i, url, opened, end, tuple(frames))


def _frame(m: JSON, where: str, start: float, epoch: float, problems: list[tuple[str, str]]) -> Optional[HarFrame]:
    if not isinstance(m, dict):
        problems.append((where, f"expected an object {{type, time, opcode, data}}, got {type(m).__name__}"))
        return None
    direction = _DIRECTIONS.get(str(m.get("type")))
    stamp, opcode, data = m.get("time"), m.get("opcode", 1), m.get("data", "")
    if direction is None:
        problems.append((f"{where}.type", f"expected send or receive, got {str(m.get('type'))[:20]!r}"))
    if not isinstance(stamp, (int, float)) or isinstance(stamp, bool):
        problems.append((f"{where}.time", "expected a number (seconds or milliseconds since the epoch), "
                         f"got {str(stamp)[:20]!r}"))
    if not isinstance(opcode, int) or opcode not in (1, 2, 8, 9, 10):
        problems.append((f"{where}.opcode", f"expected 1 (text), 2 (binary) or 8-10 (control), got {str(opcode)[:20]!r}"))
    if not isinstance(data, str):
        problems.append((f"{where}.data", f"expected the frame as text, got {type(data).__name__}"))
    if direction is None or not isinstance(stamp, (int, float)) or isinstance(stamp, bool) \
            or not isinstance(opcode, int) or opcode not in (1, 2, 8, 9, 10) or not isinstance(data, str):
        return None
    return HarFrame(_seconds(float(stamp), start) - epoch, direction, opcode, data if opcode == 1 else None,
                    len(data), _close_code(data) if opcode == 8 else None)


def _seconds(stamp: float, start: float) -> float:
    """A frame's time as seconds since the epoch: Playwright writes milliseconds, DevTools
    seconds; a small number (a monotonic clock) is read as seconds after the socket's start."""
    if stamp > 1e11:
        return stamp / 1000
    if stamp > 1e8:
        return stamp
    return start + stamp


def _close_code(data: str) -> Optional[int]:
    """The code of a close frame as a tool wrote it: `1006`, `{"code": 1006}`, or text starting with it."""
    try:
        value = json.loads(data)
    except ValueError:
        value = data.split(" ", 1)[0]
    if isinstance(value, dict):
        value = value.get("code")
    try:
        code = int(str(value))
    except ValueError:
        return None
    return code if 1000 <= code <= 4999 else None


def app_sockets(recording: Recording, pattern: Optional[str], path: Optional[str]) -> list[HarSocket]:
    """The app's sockets, in time order: those `pattern` matches (a glob with `*`, else a part of
    the URL), else those dialling the target's socket `path`, else every one; all must be one
    address (one app socket, reconnecting), or the caller must choose with `--socket`."""
    sockets = list(recording.sockets)
    if pattern:
        chosen = [s for s in sockets if (fnmatch.fnmatch(s.url, pattern) if "*" in pattern else pattern in s.url)]
        if not chosen:
            raise _bad(recording.name, f"no WebSocket matches --socket {pattern!r}; its sockets: "
                       + "; ".join(s.describe() for s in sockets))
    else:
        by_path = [s for s in sockets if path and urlsplit(s.url).path == path]
        chosen = by_path or sockets
    addresses = sorted({_address(s.url) for s in chosen})
    if len(addresses) > 1:
        raise _bad(recording.name, f"sockets to {len(addresses)} addresses ({', '.join(addresses)}): "
                            "choose the app's with --socket PATTERN (a part of its URL, or a glob)")
    if not any(f.opcode == 1 for s in chosen for f in s.frames):
        raise _bad(recording.name, f"the socket {addresses[0]} carries no text frame (binary frames "
                            "only): wschaos replays text frames (JSON or not); a binary protocol cannot be replayed")
    return chosen


def _address(url: str) -> str:
    """The URL without its query: one app socket reconnecting keeps it."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _bad(name: str, message: str) -> InvalidInput:
    """The one problem with file `name`, said as `name: message` (exit 2)."""
    return InvalidInput([Problem(name, 0, 0, "", message)])


def check_size(size: int, name: str) -> None:
    """Refuse a file too large to be a reasonable recording of one socket."""
    if size > MAX_BYTES:
        raise _bad(name, f"{size / 1e6:.0f} MB, more than the {MAX_BYTES // (1024 * 1024)} MB wschaos "
                            "reads: save a HAR of the WebSocket only (DevTools: Network, filter WS, then "
                            "Save all as HAR) or a shorter recording")
