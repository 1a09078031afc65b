"""`BrowserSession`: one Chromium per run (or per test session), launched through Playwright.

Its pages are `harness.drivers.browser.BrowserClient`s. Chromium comes from the system
(`executable_path`), its flags and the Playwright driver's process from `drivers/chromium.py`;
`gone()` names the part that died (the driver, Chromium, or the connection to it).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

from playwright.async_api import Browser, Error as PlaywrightError, Playwright, async_playwright

from harness.aio import within
from harness.drivers import chromium, reaper
from harness.errors import InfrastructureError
from harness.journal import Journal


class BrowserSession:
    """One Chromium process, launched through Playwright with `executable_path`."""

    def __init__(self, executable_path: str | Path, *, headless: bool = True, journal: Journal | None = None) -> None:
        self.executable_path = str(executable_path)
        self.headless = headless
        self.journal = journal
        self.playwright: Playwright | None = None
        self.browser: Browser | None = None
        self.driver: asyncio.subprocess.Process | None = None  # the Node driver Playwright started
        self.pid: int | None = None                            # Chromium's main process
        self._lost_at: float | None = None                     # when Playwright lost the browser

    @property
    def version(self) -> str | None:
        """Chromium version as Playwright reports it, once launched."""
        return self.browser.version if self.browser else None

    async def start(self) -> "BrowserSession":
        """Launch Chromium; `InfrastructureError` with the launch error if it does not start."""
        if self.browser is not None:
            return self
        known = len(chromium.drivers)
        chromium.quiet_lost_driver(asyncio.get_running_loop())
        self.playwright = await async_playwright().start()
        self.driver = chromium.drivers[-1] if len(chromium.drivers) > known else None
        try:
            self.browser = await self._launch()
            await self._settle()
        except PlaywrightError as exc:
            await self.close()
            raise self._launch_failed(exc) from exc
        except BaseException:
            await self.close()
            raise
        return self

    async def _settle(self) -> None:
        """After the launch: find Chromium's pid, and the first time in this process relaunch with
        Playwright's `--disable-features` list merged with ours (see `drivers/chromium.py`)."""
        assert self.browser is not None
        found = self._find_pid()
        if chromium.playwright_disabled is None and found and chromium.learn_playwright_features(found[1]):
            await self.browser.close()
            self.browser = await self._launch()
            self._find_pid()

    def _launch_failed(self, exc: PlaywrightError) -> Exception:
        return InfrastructureError(f"Chromium at {self.executable_path} did not launch: {exc.message.splitlines()[0]}: "
                                   "run `wschaos doctor` or set WSCHAOS_CHROMIUM")

    @property
    def label(self) -> str:
        """The part's name in `gone()` and `harness.restarted`."""
        return "Chromium"

    @property
    def where(self) -> str:
        """Where its pages run, as `client.open` records it: `local` (a Chromium this run launched)."""
        return "local"

    async def _launch(self) -> Browser:
        assert self.playwright is not None
        browser = await self.playwright.chromium.launch(
            executable_path=self.executable_path, headless=self.headless, args=chromium.chromium_args())
        self._lost_at = None
        browser.on("disconnected", lambda _: self._lost())
        return browser

    def _find_pid(self) -> tuple[int, list[str]] | None:
        found = chromium.browser_process(self.driver.pid) if self.driver is not None else None
        self.pid = found[0] if found else None
        return found

    def _lost(self) -> None:
        if self._lost_at is None:
            self._lost_at = time.monotonic()

    def gone(self) -> tuple[str, str, float] | None:
        """(part, why, since) when the launched browser can no longer be driven: the Playwright
        driver or Chromium died, or the connection to it was lost; None while it works (or
        before it was started)."""
        if self.browser is None:
            return None
        since = self._lost_at if self._lost_at is not None else time.monotonic()
        driver = self.driver
        if driver is not None and (driver.returncode is not None or not reaper.alive(driver.pid)):
            how = chromium.exit_words(driver.returncode)
            return ("the Playwright driver", f"the Playwright driver (pid {driver.pid}) exited{' ' + how if how else ''}"
                    ", so Chromium could no longer be driven", since)
        if self.pid is not None and not reaper.alive(self.pid):
            return ("Chromium", f"Chromium (pid {self.pid}) exited or was killed", since)
        if not self.browser.is_connected():
            return ("Chromium", "the connection to Chromium was lost", since)
        return None

    async def close(self) -> None:
        """Close Chromium and stop Playwright; idempotent."""
        browser, self.browser = self.browser, None
        pw, self.playwright = self.playwright, None
        if browser is not None:
            with contextlib.suppress(PlaywrightError, asyncio.TimeoutError):
                await within(10.0, browser.close())
        if pw is not None:
            with contextlib.suppress(Exception):
                await within(10.0, pw.stop())

    async def __aenter__(self) -> "BrowserSession":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
