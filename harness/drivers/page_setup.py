"""A target's page `setup:`: operations each page runs after it loads, before the steps.

One `PageSetup` per scenario is shared by its browser clients. Each try runs the ops in order
with the set-up's `timeout` per op; a failed try reloads the page and tries again, up to
`attempts` tries, each journaled as `client.setup`. With `reuse`, the first client to run the
set-up stores its browser state (cookies, localStorage) once it succeeded; every later client
waits for it, starts its context with that state and skips the ops. If the first client's
set-up fails, the others run it themselves.

A try that fails says what it was waiting for, not Playwright's bare "Timeout 5000ms exceeded":
`wait '#board': waited 5s for a visible match; nothing matched on http://127.0.0.1:8000/`.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from playwright.async_api import (BrowserContext, Error as PlaywrightError, Page, StorageState,
                                  TimeoutError as PlaywrightTimeout)

from harness.errors import StepFailed
from harness.events import JSONObject
from harness.journal import Journal
from harness.targets.model import Setup
from harness.targets.ops import Op, PageClient, page_of
from harness.targets.placeholders import fill
from harness.units import format_seconds


class SetupClient(PageClient, Protocol):
    """What a set-up needs of a browser client beyond an op's (`BrowserClient` is one)."""

    @property
    def context(self) -> BrowserContext | None: ...

    @property
    def nav_timeout_s(self) -> float: ...


#: Playwright times out its own waits after the set-up's `timeout`; this bounds, a little later,
#: what it does not time (an `evaluate` whose Promise never settles would wait forever).
OP_GRACE_S = 1.0


class PageSetup:
    """The scenario's set-up and the browser state its first success stored."""

    def __init__(self, spec: Setup, journal: Journal, values: JSONObject) -> None:
        self.spec = spec
        self.journal = journal
        self.values = values
        self._first: asyncio.Future[StorageState | None] | None = None  # the stored state, once the first client is done
        self._owner: str | None = None

    async def stored_state(self, client: str) -> StorageState | None:
        """The browser state to start `client`'s context with: None for the client that runs
        the set-up first (and when reuse is off, or the first set-up failed)."""
        if not self.spec.reuse:
            return None
        if self._first is None:
            self._first = asyncio.get_running_loop().create_future()
            self._owner = client
            return None
        return await asyncio.shield(self._first)

    async def run(self, client: SetupClient, reused: bool) -> None:
        """Run the ops on `client`'s loaded page (or record the reuse); StepFailed after the last try."""
        if reused:
            self.journal.record("client.setup", client=client.name, attempt=0, passed=True, reused=True)
            return
        try:
            await self._tries(client)
        except BaseException:
            self.abandon(client.name)
            raise

    async def _tries(self, client: SetupClient) -> None:
        values = {**self.values, "client": client.name}
        error = ""
        for attempt in range(1, self.spec.attempts + 1):
            error = await self._reload(client, attempt) if attempt > 1 else ""
            error = error or await self._once(client, dict(values))
            self.journal.record("client.setup", client=client.name, attempt=attempt, passed=not error,
                                error=error or None)
            if not error:
                assert client.context is not None  # the page is open, so its context is
                self._store(client.name, await client.context.storage_state() if self.spec.reuse else None)
                return
        tries = "once" if self.spec.attempts == 1 else f"{self.spec.attempts} times"
        raise StepFailed(f"set-up of {client.name} failed {tries}; last: {error}; check the target's `setup:` "
                         "(a longer `timeout`, more `attempts`, or the selectors)")

    async def _reload(self, client: SetupClient, attempt: int) -> str:
        """Reload the page for another try: '' once it loaded, else what went wrong."""
        page = page_of(client)
        url = page.url
        try:
            await page.reload()
        except PlaywrightTimeout:
            return (f"reloading {url} for try {attempt}: waited {format_seconds(client.nav_timeout_s)} "
                    "for the page to load; it did not")
        except PlaywrightError as exc:
            return f"reloading {url} for try {attempt}: {_first_line(exc)}"
        return ""

    async def _once(self, client: SetupClient, values: dict[str, object]) -> str:
        """One try: '' when every op succeeded, else what failed."""
        page = page_of(client)
        page.set_default_timeout(self.spec.timeout.seconds * 1000)
        try:
            for op in self.spec.ops:
                try:
                    await asyncio.wait_for(op.run(client, values), self.spec.timeout.seconds + OP_GRACE_S)
                except (PlaywrightTimeout, asyncio.TimeoutError):
                    return f"{op.describe(values)}: {await self._unmet(page, op, values)}"
                except PlaywrightError as exc:
                    return f"{op.describe(values)}: {_first_line(exc)}"
        finally:
            page.set_default_timeout(client.nav_timeout_s * 1000)
        return ""

    async def _unmet(self, page: Page, op: Op, values: dict[str, object]) -> str:
        """What an op that timed out waited for, and what the page had instead."""
        waited = f"waited {self.spec.timeout} for {op.waits_for}"
        selector = fill(op.selector, values) if op.selector else ""
        if not selector:
            return f"{waited}; it never settled, on {page.url}"
        try:
            count = await page.locator(selector).count()
        except PlaywrightError as exc:
            return f"{waited}; the selector could not be used ({_first_line(exc)})"
        if count == 0:
            return f"{waited}; nothing matched on {page.url}"
        return f"{waited}; {count} element{'s' if count != 1 else ''} matched but never became so, on {page.url}"

    def abandon(self, client: str) -> None:
        """`client` will store no state (its page failed to open): the others run the set-up themselves."""
        self._store(client, None)

    def _store(self, client: str, state: StorageState | None) -> None:
        if self._first is not None and self._owner == client and not self._first.done():
            self._first.set_result(state)


def _first_line(exc: PlaywrightError) -> str:
    """Playwright's message without its call log (which follows on later lines)."""
    return str(exc).splitlines()[0]
