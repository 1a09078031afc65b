"""A toxiproxy-server wschaos did not start (`--toxiproxy http://host:8474`), shared with others.

Toxiproxy's API has no authentication and no owners: any client may list, change or delete any
proxy. So this run touches only what it made: every proxy name it creates starts with
`wschaos-<run id>-` (`name_prefix`), deletions name proxies one by one, the leak audit
(`harness.audit`) looks only at names from the scenario's own journal, and the global calls
(`reset`, which re-enables every proxy and drops every toxic on the server) are refused. If the run is
killed, its watchdog (`drivers/watchdog.py`) deletes the proxies with its prefix.

There is no process to watch: a monitor asks `GET /version` every `PROBE_INTERVAL_S`, and after
`PROBE_MISSES` unanswered probes in a row `gone()` names the API (a dead Toxiproxy stops the steps
like a dead Chromium). `restart` cannot start someone else's server: it checks that the API answers
again, else it says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from harness.aio import stop_task, within
from harness.drivers.toxiproxy import ToxiproxyServer
from harness.errors import InfrastructureError
from harness.journal import Journal

#: Seconds between two `GET /version` probes of the API.
PROBE_INTERVAL_S = 0.5
#: Probes in a row that must fail before the API counts as gone (one slow answer on a loaded host is not).
PROBE_MISSES = 2


def run_prefix(run_id: str) -> str:
    """The start of every proxy name a run creates on a shared server."""
    return f"wschaos-{run_id}-"


class ExistingToxiproxy(ToxiproxyServer):
    """An existing toxiproxy-server's API at `host:port`, used for this run's own proxies only."""

    def __init__(self, host: str, port: int, journal: Journal, *, run_id: str, api_timeout_s: float = 5.0) -> None:
        super().__init__("", journal, host=host, api_timeout_s=api_timeout_s)
        self.port = port
        self.name_prefix = run_prefix(run_id)
        self._lost_at: float | None = None
        self._lost_why = ""
        self._monitor: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.api}"

    async def start(self) -> "ExistingToxiproxy":
        """Check that the API answers (InfrastructureError naming the URL if not), then watch it."""
        try:
            self.version = await self._call(self._read_version)
        except InfrastructureError as exc:
            raise InfrastructureError(f"no toxiproxy-server answers at {self.url} ({exc}): start it "
                                      "(`toxiproxy-server -host 0.0.0.0 -port 8474`) or fix --toxiproxy") from None
        self.journal.record("toxiproxy.attach", api=self.api, version=self.version, prefix=self.name_prefix)
        self._lost_at = None
        if self._monitor is None:
            self._monitor = asyncio.create_task(self._watch(), name="toxiproxy-api-monitor")
        return self

    async def _watch(self) -> None:
        misses = 0
        while True:
            await asyncio.sleep(PROBE_INTERVAL_S)
            try:
                await within(self.api_timeout_s, asyncio.to_thread(self._read_version))
                misses = 0
            except Exception as exc:  # noqa: BLE001 - any failure to answer counts as a miss
                misses += 1
                if misses >= PROBE_MISSES and self._lost_at is None:
                    self._lost_at = time.monotonic()
                    self._lost_why = str(exc) or type(exc).__name__

    def gone(self) -> tuple[str, str, float | None] | None:
        if self._lost_at is None:
            return None
        return ("Toxiproxy", f"the Toxiproxy API at {self.url} stopped answering ({self._lost_why})", self._lost_at)

    async def restart(self) -> None:
        """Someone else's server cannot be started from here: use it again if it answers."""
        await self.start()

    async def reset(self) -> None:
        raise InfrastructureError(f"the Toxiproxy at {self.url} is shared: wschaos never resets it (that would change "
                                  "other users' proxies); revert your own toxics instead")

    async def own_proxies(self) -> list[str]:
        """Names of this run's proxies still on the server."""
        return sorted(n for n in await self.proxies() if n.startswith(self.name_prefix))

    async def stop(self) -> None:
        """Stop watching and delete any proxy of this run still there; the server itself stays; idempotent."""
        monitor, self._monitor = self._monitor, None
        if monitor is not None:
            await stop_task(monitor)
        if self._lost_at is None:
            with contextlib.suppress(InfrastructureError):
                await self.delete_proxies(await self.own_proxies())

    close = stop
