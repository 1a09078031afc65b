"""Wire format of `/ws/trigger`: parsing client frames and building server frames.

Pure functions, no I/O. See docs/reference-app.md for the contract.
"""

from __future__ import annotations

import json
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


def parse_message(text: str) -> dict[str, Any]:
    """Decode and validate one client frame, or raise ProtocolError."""
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError("invalid_json", "frame is not valid JSON; send one JSON object") from None
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
