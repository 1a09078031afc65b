"""Seeded server bugs: each switches one root cause of the bug report back on.

The reference server implements the fix; ``--bugs a,b`` (or ``KANBAN_BUGS``) re-creates the
original defect so the harness can prove that its checks fail when they should.
``legacy`` switches on every server bug of the bug report at once; the bugs added later for
message-level faults (``dedupe_per_connection``) are not in the report and only come by name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeededBug:
    """One switchable defect: its name, the root cause it restores, what a test sees."""

    name: str
    root_cause: str
    symptom: str
    legacy: bool = True  # one of the bug report's root causes (what ``legacy`` switches on)


KNOWN_BUGS: dict[str, SeededBug] = {
    bug.name: bug
    for bug in (
        SeededBug(
            "no_stale_cleanup",
            "No cleanup of stale connections that may have disconnected ungracefully",
            "no idle timeout and no sweep: an idle or half-open connection is never closed "
            "with 1001 and stays in /health active_connections forever",
        ),
        SeededBug(
            "no_rate_limit",
            "No rate limiting or connection throttling under high load",
            "trigger_workflow bursts are all accepted; no `rate_limited` error is ever sent",
        ),
        SeededBug(
            "unchecked_broadcast",
            "Broadcast mechanism doesn't validate connection state before sending",
            "an abnormally dropped connection stays registered; the next broadcast raises on it, "
            "later clients miss the frame and the sender's connection dies (close 1006)",
        ),
        SeededBug(
            "no_shutdown_drain",
            "Add connection draining during server shutdown to notify clients (missing)",
            "SIGTERM exits at once: no `server_shutdown` frame, no close frame (client sees 1006)",
        ),
        SeededBug(
            "no_connection_id",
            "No session ID or connection ID to track connection continuity",
            "`connected` and `pong` frames carry no connection_id / server_instance_id",
        ),
        SeededBug(
            "no_pong_timestamp",
            "Ping/pong messages lack timestamp validation for latency tracking",
            "`pong` frames carry neither the echoed `timestamp` nor `server_time`",
        ),
        SeededBug(
            "dedupe_per_connection",
            "Duplicate detection remembers only the message ids seen on the current connection "
            "(not in the bug report: the lost-ack window)",
            "a message re-sent on a new connection after its ack was lost is processed again: a second "
            "ledger entry with the same message id, a second workflow run",
            legacy=False,
        ),
    )
}

LEGACY = "legacy"


class UnknownBugError(ValueError):
    """A bug name that the server does not know."""


def parse_bugs(text: str | None) -> frozenset[str]:
    """Parse a comma-separated bug list; ``legacy`` means every known server bug."""
    names = [part.strip() for part in (text or "").split(",") if part.strip()]
    unknown = [name for name in names if name != LEGACY and name not in KNOWN_BUGS]
    if unknown:
        known = ", ".join([*KNOWN_BUGS, LEGACY])
        raise UnknownBugError(
            f"unknown server bug(s): {', '.join(unknown)}; known: {known}"
        )
    chosen = {name for name in names if name != LEGACY}
    if LEGACY in names:
        chosen |= {bug.name for bug in KNOWN_BUGS.values() if bug.legacy}
    return frozenset(chosen)
