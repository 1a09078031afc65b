"""The infrastructure every scenario of a run shares: one toxiproxy-server and one Chromium.

`open_shared` starts both on the run's exit stack. `Shared.broken` says, in one plain sentence,
which part died and when ("Chromium (pid 4242) is gone since t=5.1s: ..."), so a scenario it
broke ends as a harness `error` naming it, never as the app's failure; `Shared.repair` starts
the dead part again so the run goes on with the next scenario.
"""

from __future__ import annotations

import sys
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

from harness import tools
from harness.drivers.browser import BrowserSession
from harness.drivers.chromium import exit_words
from harness.drivers.toxiproxy import ToxiproxyServer
from harness.errors import WschaosError
from harness.events import JSONObject
from harness.journal import Journal


@dataclass(frozen=True)
class Broken:
    """What died of the shared infrastructure: the part, in words, and when (monotonic clock)."""

    part: str                 # "Chromium", "the Playwright driver", "toxiproxy-server"
    why: str                  # one sentence
    since: float | None = None

    def text(self, journal: Journal | None = None) -> str:
        """The sentence, with the moment in the journal's time when one is given."""
        if journal is None or self.since is None:
            return self.why
        return f"{self.why} (gone since t={max(0.0, journal.at(self.since)):.1f}s)"


@dataclass
class Shared:
    """Infrastructure shared by every scenario of one run: Toxiproxy and the browser."""

    toxiproxy: ToxiproxyServer
    browser: BrowserSession
    versions: JSONObject = field(default_factory=dict)

    def broken(self) -> Broken | None:
        """Which part can no longer run a scenario, or None."""
        proc = self.toxiproxy.process
        if proc is not None and not proc.running:
            how = exit_words(proc.returncode)
            return Broken("toxiproxy-server", f"toxiproxy-server (pid {proc.pid}) exited{' ' + how if how else ''}",
                          proc.exited_at)
        gone = self.browser.gone()
        if gone is not None:
            part, why, since = gone
            return Broken(part, why, since)
        return None

    async def repair(self, journal: Journal) -> str:
        """Start again what `broken` names (both, if both died); returns what was restarted.
        Raises `InfrastructureError` (or another error) if it cannot be started."""
        restarted = []
        proc = self.toxiproxy.process
        if proc is not None and not proc.running:
            await self.toxiproxy.stop()
            await self.toxiproxy.start()
            restarted.append("toxiproxy-server")
        if self.browser.gone() is not None:
            await self.browser.close()
            await self.browser.start()
            restarted.append("Chromium")
        if restarted:
            journal.record("harness.restarted", parts=restarted)
        return " and ".join(restarted)


async def open_shared(stack: AsyncExitStack, journal: Journal, headed: bool = False) -> Shared:
    """Start the one Toxiproxy and the one browser a run shares."""
    toxiproxy = ToxiproxyServer(tools.find_toxiproxy(), journal)
    stack.push_async_callback(toxiproxy.stop)
    await toxiproxy.start()
    browser = BrowserSession(tools.find_chromium(), headless=not headed, journal=journal)
    stack.push_async_callback(browser.close)
    await browser.start()
    return Shared(toxiproxy, browser, versions())


def versions() -> JSONObject:
    """Versions of everything a run depends on, for the report."""
    from importlib.metadata import version

    found: JSONObject = {"python": sys.version.split()[0], "wschaos": version("wschaos"),
                         "playwright": tools.playwright_version()}
    try:
        found["toxiproxy"] = tools.toxiproxy_version(tools.find_toxiproxy())
        found["chromium"] = tools.chromium_version(tools.find_chromium())
    except WschaosError:
        pass
    return found


