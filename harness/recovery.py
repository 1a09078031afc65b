"""The recovery watch: no verdict on a disconnection the scenario stopped looking at too soon.

When the last step is over, a client may still be disconnected: the steps ended 1 s after a
`down` was lifted, say. Judging then would pass a client that never reconnects ("not late yet")
or fail one still inside its backoff. So before teardown the run keeps everything up and watches
each such disconnection, for the checks that judge recovery (`AwaitsRecovery`: `reconnected`,
`max_disconnection`), until the client is connected again or the check's limit has passed.
A disruption the steps never lifted (the server stopped and never started) is not waited for:
the check says it could not judge. Journaled as `recovery.watch` / `recovery.end`, drawn on the
timeline and shown in the progress line.
"""

from __future__ import annotations

import asyncio
from typing import Sequence

from harness.analysis import DELIBERATE, disconnections
from harness.disruptions import disruption_lifted, in_force
from harness.checks.base import AwaitsRecovery, Check, RecoveryLimit, RunView
from harness.journal import Event, Journal

#: How often the watch looks at the journal again.
POLL_S = 0.1


def open_deadlines(events: list[Event], limits: Sequence[RecoveryLimit], now: float) -> dict[str, float]:
    """client -> the moment (journal time) its open disconnection becomes late, for every client
    still disconnected at `now` whose disruption was lifted or will be by a timed `for:`.
    A client whose disruption nothing will lift is left out: waiting cannot help its check."""
    out: dict[str, float] = {}
    for limit in limits:
        open_ = [w for w in disconnections(events, limit.client)
                 if w.end is None and w.start <= now and w.label not in DELIBERATE]
        if not open_:
            continue
        window = open_[-1]
        causes = in_force(events, limit.client, now)
        if any(c.lifts_at is None for c in causes):
            continue
        lifted = max((c.lifts_at for c in causes if c.lifts_at is not None), default=None)
        if lifted is None:
            lifted = disruption_lifted(events, limit.client, window.start, now)
        since = max(lifted, window.start) if (lifted is not None and limit.from_lift) else window.start
        out[limit.client] = max(out.get(limit.client, 0.0), since + limit.limit_s)
    return {c: t for c, t in out.items() if t > now}


async def watch_recovery(journal: Journal, checks: Sequence[Check], until: float | None) -> None:
    """Wait while a client a recovery check cares about is still disconnected and not yet late,
    but no later than `until` (journal time; the scenario's teardown needs the rest)."""
    limits = [limit for check in checks if isinstance(check, AwaitsRecovery)
              for limit in check.recovery_limits(RunView(journal.events))]
    if not limits:
        return
    watched: dict[str, float] = {}
    while True:
        now = journal.now()
        waiting = open_deadlines(journal.events, limits, now)
        if not waiting or (until is not None and now >= until):
            break
        if not watched:
            journal.record("recovery.watch", clients=sorted(waiting),
                           until=round(min(max(waiting.values()), until if until is not None else float("inf")), 3))
        watched.update(waiting)
        await asyncio.sleep(POLL_S)
    if watched:
        now = journal.now()
        still = [c for c in sorted(watched) if _still_disconnected(journal.events, c, now)]
        journal.record("recovery.end", clients=sorted(watched),
                       recovered=[c for c in sorted(watched) if c not in still], still_disconnected=still)


def _still_disconnected(events: list[Event], client: str, now: float) -> bool:
    return any(w.end is None and w.start <= now and w.label not in DELIBERATE for w in disconnections(events, client))
