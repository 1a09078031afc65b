"""The infrastructure every scenario of a run shares: one toxiproxy-server and one Chromium.

`open_shared` starts both on the run's exit stack, or, as `harness.infra.Infra` asks, reaches
engines running elsewhere: pages on Playwright browser servers (`drivers/remote_browser.py`, one
browser per server, pages dealt out in turn by `page_host`) and an existing toxiproxy-server
(`drivers/toxiproxy_remote.py`, only this run's proxies touched). `Shared.broken` says, in one plain sentence,
which part died and when ("Chromium (pid 4242) is gone since t=5.1s: ..."), so a scenario it
broke ends as a harness `error` naming it, never as the app's failure; `Shared.repair` starts
the dead part again so the run goes on with the next scenario.
"""

from __future__ import annotations

import asyncio
import sys
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Sequence

from harness import tools
from harness.drivers.browser import BrowserSession
from harness.drivers.remote_browser import RemoteBrowserSession
from harness.drivers.toxiproxy import ToxiproxyServer
from harness.drivers.toxiproxy_remote import ExistingToxiproxy
from harness.infra import Infra, toxiproxy_api
from harness.errors import WschaosError
from harness.events import JSONObject
from harness.journal import Journal


@dataclass(frozen=True)
class Broken:
    """What died of the shared infrastructure: the part, in words, and when (monotonic clock)."""

    part: str                 # "Chromium", "the Playwright driver", "toxiproxy-server", "the browser server at ws://..."
    why: str                  # one sentence
    since: float | None = None

    def text(self, journal: Journal | None = None) -> str:
        """The sentence, with the moment in the journal's time when one is given."""
        if journal is None or self.since is None:
            return self.why
        return f"{self.why} (gone since t={max(0.0, journal.at(self.since)):.1f}s)"


@dataclass
class Shared:
    """Infrastructure shared by every scenario of one run: Toxiproxy and the browsers (one
    launched Chromium, or one browser per Playwright browser server)."""

    toxiproxy: ToxiproxyServer
    browsers: list[BrowserSession]
    versions: JSONObject = field(default_factory=dict)

    @property
    def browser(self) -> BrowserSession:
        """The first browser (the only one unless pages are spread over browser servers)."""
        return self.browsers[0]

    def page_host(self, index: int) -> BrowserSession:
        """The browser a scenario's `index`-th page opens on: the servers in turn."""
        return self.browsers[index % len(self.browsers)]

    def broken(self) -> Broken | None:
        """Which part can no longer run a scenario, or None."""
        for gone in (self.toxiproxy.gone(), *(b.gone() for b in self.browsers)):
            if gone is not None:
                part, why, since = gone
                return Broken(part, why, since)
        return None

    async def repair(self, journal: Journal) -> str:
        """Start again what `broken` names (both, if both died); returns what was restarted.
        Raises `InfrastructureError` (or another error) if it cannot be started."""
        restarted = []
        gone = self.toxiproxy.gone()
        if gone is not None:
            await self.toxiproxy.restart()
            restarted.append(gone[0])
        for browser in self.browsers:
            if browser.gone() is not None:
                await browser.close()
                await browser.start()
                restarted.append(browser.label)
        if restarted:
            journal.record("harness.restarted", parts=restarted)
        return " and ".join(restarted)


async def open_shared(stack: AsyncExitStack, journal: Journal, headed: bool = False, infra: Infra = Infra(),
                      run_id: str = "") -> Shared:
    """Start (or reach, with `infra`) the one Toxiproxy and the browsers a run shares."""
    toxiproxy = _toxiproxy(journal, infra, run_id)
    stack.push_async_callback(toxiproxy.stop)
    await toxiproxy.start()
    browsers: list[BrowserSession] = (
        [RemoteBrowserSession(url, executable=infra.browser_executable, headless=not headed, journal=journal)
         for url in infra.browser_servers]
        or [BrowserSession(tools.find_chromium(), headless=not headed, journal=journal)])
    for browser in browsers:
        stack.push_async_callback(browser.close)
    await asyncio.gather(*(b.start() for b in browsers))
    return Shared(toxiproxy, browsers, versions(toxiproxy, browsers))


def _toxiproxy(journal: Journal, infra: Infra, run_id: str) -> ToxiproxyServer:
    if infra.toxiproxy_url:
        host, port = toxiproxy_api(infra.toxiproxy_url)
        server: ToxiproxyServer = ExistingToxiproxy(host, port, journal, run_id=run_id)
    else:
        server = ToxiproxyServer(tools.find_toxiproxy(), journal)
    if infra.dial_host:
        server.listen_host = "0.0.0.0"  # the other hosts' clients dial this machine's address
        server.dial_host = infra.dial_host if not infra.toxiproxy_url else server.host
    return server


def versions(toxiproxy: ToxiproxyServer | None = None, browsers: Sequence[BrowserSession] = ()) -> JSONObject:
    """Versions of everything a run depends on, and where the engines it did not start are, for the report."""
    from importlib.metadata import version

    found: JSONObject = {"python": sys.version.split()[0], "wschaos": version("wschaos"),
                         "playwright": tools.playwright_version()}
    remote = [b for b in browsers if isinstance(b, RemoteBrowserSession)]
    try:
        if isinstance(toxiproxy, ExistingToxiproxy):
            found["toxiproxy"] = f"{toxiproxy.version} at {toxiproxy.url} (not started by wschaos)"
        else:
            found["toxiproxy"] = tools.toxiproxy_version(tools.find_toxiproxy())
        if remote:
            found["chromium"] = ", ".join(f"{b.version} on {b.endpoint}" for b in remote)
        else:
            found["chromium"] = tools.chromium_version(tools.find_chromium())
    except WschaosError:
        pass
    return found


