"""The server-side truth of what was received: an embedded SQLite ledger.

Each accepted client message is recorded exactly once, keyed by its client-generated id;
a repeated id only bumps ``deliveries``. (Uniqueness is the server's doing, not a constraint of
the table: the seeded bug ``dedupe_per_connection`` records a re-sent message a second time.) The file survives restarts (WAL journal,
``synchronous=NORMAL``: a committed row survives a killed process), which is what lets
the harness judge "delivered exactly once" across server crashes.

All calls are synchronous and run on the event loop on purpose: a duplicate check and the
insert that follows it then cannot interleave with another connection's message.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL,
    type TEXT NOT NULL,
    client_id TEXT,
    connection_id TEXT,
    server_instance_id TEXT,
    received_at INTEGER NOT NULL,
    deliveries INTEGER NOT NULL DEFAULT 1,
    key TEXT NOT NULL,
    adw_id TEXT,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_message_id ON ledger (message_id)
"""
_COLUMNS = (
    "seq, message_id, type, client_id, connection_id, server_instance_id, "
    "received_at, deliveries, key, adw_id, payload"
)


@dataclass(frozen=True)
class Receipt:
    """Who sent a message: recorded next to it."""

    client_id: str | None
    connection_id: str
    server_instance_id: str


class Ledger:
    """Exactly-once record of accepted messages in one SQLite file."""

    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, timeout=5.0)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def redeliver(self, message_id: str) -> dict[str, Any] | None:
        """If ``message_id`` was accepted before, count this arrival and return its entry."""
        cursor = self._db.execute(
            "UPDATE ledger SET deliveries = deliveries + 1 WHERE message_id = ?", (message_id,)
        )
        if cursor.rowcount == 0:
            return None
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM ledger WHERE message_id = ? ORDER BY seq", (message_id,)
        ).fetchone()
        return _entry(row)

    def record(
        self, message: dict[str, Any], key: str, receipt: Receipt, adw_id: str | None = None
    ) -> dict[str, Any]:
        """Record a newly accepted message once; returns the stored entry."""
        received_at = int(time.time() * 1000)
        cursor = self._db.execute(
            "INSERT INTO ledger (message_id, type, client_id, connection_id, server_instance_id,"
            " received_at, key, adw_id, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                message["id"], message["type"], receipt.client_id, receipt.connection_id,
                receipt.server_instance_id, received_at, key, adw_id,
                json.dumps(message, separators=(",", ":")),
            ),
        )
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM ledger WHERE seq = ?", (cursor.lastrowid,)
        ).fetchone()
        return _entry(row)

    def entries(self) -> list[dict[str, Any]]:
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM ledger ORDER BY seq").fetchall()
        return [_entry(row) for row in rows]

    def reset(self) -> int:
        """Empty the ledger (test helper); returns how many entries were removed."""
        return self._db.execute("DELETE FROM ledger").rowcount


def _entry(row: sqlite3.Row) -> dict[str, Any]:
    entry = dict(row)
    entry["payload"] = json.loads(entry["payload"])
    return entry
