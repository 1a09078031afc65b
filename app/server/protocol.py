"""Wire format of `/ws/trigger`: parsing client frames and building server frames.

Pure functions, no I/O. See docs/reference-app.md for the contract.
"""

from __future__ import annotations

import json
import math
from typing import Any

MESSAGE_TYPES = ("ping", "ticket_notification", "trigger_workflow")
DEFAULT_WORKFLOW = "adw_plan_build"
MAX_ID_CHARS = 200


class ProtocolError(Exception):
    """A client frame the server refuses; becomes an `error` frame, the connection stays."""

    def __init__(self, code: str, message: str, message_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_id = message_id


class _NotJsonNumber(ValueError):
    """NaN, Infinity, or a number too large for a double: Python's json accepts them, JSON does not."""


def _refuse_constant(name: str) -> Any:
    raise _NotJsonNumber(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 parses to inf, which no strict encoder can send back
        raise _NotJsonNumber(text)
    return value


def parse_message(text: str) -> dict[str, Any]:
    """Decode and validate one client frame, or raise ProtocolError.

    Strict JSON only: NaN/Infinity (and numbers that overflow a double) are refused, since a
    pong echoing them would be invalid JSON, and so are lone UTF-16 surrogates (`\\ud800`),
    which are not Unicode text: the ledger cannot store them, however often they are resent."""
    try:
        message = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except _NotJsonNumber as exc:
        raise ProtocolError(
            "invalid_json", f"{exc} is not a JSON number; send finite numbers (or null)"
        ) from None
    except (ValueError, RecursionError):
        raise ProtocolError("invalid_json", "frame is not valid JSON; send one JSON object") from None
    _refuse_lone_surrogates(message)
    if not isinstance(message, dict):
        raise ProtocolError("not_an_object", "frame must be a JSON object with a 'type' and an 'id'")
    message_id = message.get("id")
    echo_id = message_id if isinstance(message_id, str) else None
    kind = message.get("type")
    if kind not in MESSAGE_TYPES:
        raise ProtocolError(
            "unknown_type",
            f"unknown message type {kind!r}; expected one of {', '.join(MESSAGE_TYPES)}",
            echo_id,
        )
    if not isinstance(message_id, str) or not message_id or len(message_id) > MAX_ID_CHARS:
        raise ProtocolError(
            "missing_id", f"'id' must be a non-empty string of at most {MAX_ID_CHARS} characters"
        )
    _check_fields(message)
    return message


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _refuse_lone_surrogates(message: Any) -> None:
    """Raise ProtocolError if any key or string in the decoded frame holds a lone surrogate."""
    pending = [message]
    while pending:  # iterative: a deeply nested frame must not exhaust the stack here
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str) and _has_lone_surrogate(value):
            raw_id = message.get("id") if isinstance(message, dict) else None
            echo_id = raw_id if isinstance(raw_id, str) and not _has_lone_surrogate(raw_id) else None
            raise ProtocolError(
                "invalid_json",
                "frame holds a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which "
                "is not Unicode text; send the character itself or a complete surrogate pair",
                echo_id,
            )


def encode(frame: Any) -> str:
    """Strict JSON for the wire: a non-finite number becomes null (never `NaN`, which strict
    parsers refuse), and anything else unencodable raises instead of sending invalid JSON."""
    try:
        return json.dumps(frame, separators=(",", ":"), allow_nan=False)
    except ValueError:  # a NaN or an infinity somewhere: the rare case pays for the walk
        return json.dumps(_finite(frame), separators=(",", ":"), allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _is_scalar_id(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool) and value != ""


def _check_fields(message: dict[str, Any]) -> None:
    kind, message_id = message["type"], message["id"]
    if kind == "ticket_notification":
        ticket = message.get("ticket")
        if not isinstance(ticket, dict) or not _is_scalar_id(ticket.get("id")):
            raise ProtocolError(
                "missing_field", "'ticket' must be an object with a string or integer 'id'", message_id
            )
    elif kind == "trigger_workflow":
        if not _is_scalar_id(message.get("ticket_id")):
            raise ProtocolError("missing_field", "'ticket_id' must be a string or integer", message_id)
        if not isinstance(message.get("workflow", DEFAULT_WORKFLOW), str):
            raise ProtocolError("missing_field", "'workflow' must be a string", message_id)


def ledger_key(message: dict[str, Any]) -> str:
    """The logical key the harness judges exactly-once delivery by."""
    if message["type"] == "ticket_notification":
        return f"ticket:{message['ticket']['id']}"
    return f"trigger:{message['ticket_id']}:{message['id']}"


def error_frame(
    code: str, message: str, message_id: str | None = None,
    recoverable: bool = False, retry_after: float | None = None,
) -> dict[str, Any]:
    """`recoverable` says whether sending the same message again later can succeed."""
    return {
        "type": "error", "id": message_id, "code": code, "message": message,
        "recoverable": recoverable, "retry_after": retry_after,
    }


def ack_frame(message_id: str, duplicate: bool, adw_id: str | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "ack", "id": message_id, "duplicate": duplicate}
    if adw_id is not None:
        frame["adw_id"] = adw_id
    return frame


def identity(connection_id: str, server_instance_id: str, hide: bool) -> dict[str, Any]:
    """Connection continuity fields; omitted entirely with the ``no_connection_id`` bug."""
    if hide:
        return {}
    return {"connection_id": connection_id, "server_instance_id": server_instance_id}


def shutdown_frame(reason: str, reconnect_after_ms: int) -> dict[str, Any]:
    return {"type": "server_shutdown", "reason": reason, "reconnect_after_ms": reconnect_after_ms}
