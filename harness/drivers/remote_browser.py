"""Pages on Playwright browser servers (`playwright run-server`) instead of a Chromium launched here.

`RemoteBrowserSession` is a `BrowserSession` whose browser comes from `BrowserType.connect` to a
server's ws:// endpoint; `BrowserClient`s open contexts and pages on it exactly as on a local one
(init scripts, bindings, CDP sessions, traces and screenshots all travel over the connection).

Facts this rests on, checked in Playwright 1.65's own server (`playwrightServer.ts`) and against a
real `python -m playwright run-server` here:
- The server launches one browser per connection with the options in the
  `x-playwright-launch-options` header, after `filterLaunchOptions`: `args` and `executablePath`
  are dropped (silently) unless it runs with `--unsafe`.
- A client whose major.minor version differs is refused at the WebSocket upgrade with
  `428 Precondition Required` and a "Playwright version mismatch" box.
- `chrome://version` shows the browser's real command line and executable; the CDP call
  `Browser.getBrowserCommandLine` does not (Playwright no longer passes `--enable-automation`).
- The server does NOT exit when its stdin closes (the handler is registered, but stdin is never
  read): whoever starts one must stop it by its process group (`drivers/process.py`) and mark it
  for the run's watchdog.

So the session checks, right after connecting, that the browser runs with the flags wschaos sent
(and the executable, if one was named): a refusal, a version mismatch or a server with no browser
is `InvalidInput` (exit 2) before any scenario starts, never a failure mid-scenario.
"""

from __future__ import annotations

import json
import re
import time

from playwright.async_api import Browser, Error as PlaywrightError

from harness.drivers import chromium
from harness.drivers.browser_session import BrowserSession
from harness.errors import InvalidInput
from harness.journal import Journal
from harness.scenario.yamlpos import Problem

LAUNCH_OPTIONS_HEADER = "x-playwright-launch-options"
#: Milliseconds the server has to launch its browser and answer.
CONNECT_TIMEOUT_MS = 30_000
#: Flags whose absence means the server dropped wschaos's `args` (Playwright adds none of them itself).
MARKER_ARGS = ("--disable-quic",)


def refusal(endpoint: str, text: str) -> str:
    """One sentence for a server that would not give wschaos the browser it asked for."""
    return f"browser server {endpoint}: {text}"


class RemoteBrowserSession(BrowserSession):
    """One browser on a Playwright browser server, reached at `endpoint` (ws://host:port/path)."""

    def __init__(self, endpoint: str, *, executable: str | None = None, headless: bool = True,
                 journal: Journal | None = None) -> None:
        super().__init__(executable or "", headless=headless, journal=journal)
        self.endpoint = endpoint
        self.executable = executable
        self.command_line: list[str] = []   # the browser's own, read from chrome://version

    @property
    def label(self) -> str:
        return f"the browser server at {self.endpoint}"

    @property
    def where(self) -> str:
        return self.endpoint

    def launch_options(self) -> dict[str, object]:
        """What the server is asked to launch: headless, wschaos's Chromium flags, the executable if named."""
        options: dict[str, object] = {"headless": self.headless, "args": chromium.chromium_args()}
        if self.executable:
            options["executablePath"] = self.executable
        return options

    async def _launch(self) -> Browser:
        assert self.playwright is not None
        browser = await self.playwright.chromium.connect(
            self.endpoint, timeout=CONNECT_TIMEOUT_MS,
            headers={LAUNCH_OPTIONS_HEADER: json.dumps(self.launch_options())})
        self._lost_at = None
        browser.on("disconnected", lambda _: self._lost())
        return browser

    async def _settle(self) -> None:
        """Check the server launched what was asked; reconnect once to merge Playwright's
        `--disable-features` with ours (as a local launch does)."""
        argv = await self._read_command_line()
        if chromium.playwright_disabled is None and chromium.learn_playwright_features(argv):
            assert self.browser is not None
            await self.browser.close()
            self.browser = await self._launch()
            argv = await self._read_command_line()
        self.command_line = argv
        problems = self._refused(argv)
        if problems:
            raise InvalidInput([Problem("--browser-server", 0, 0, "", refusal(self.endpoint, p)) for p in problems])

    async def _read_command_line(self) -> list[str]:
        assert self.browser is not None
        context = await self.browser.new_context()
        try:
            page = await context.new_page()
            await page.goto("chrome://version")
            executable = (await page.locator("#executable_path").inner_text()).strip()
            switches = (await page.locator("#command_line").inner_text()).split()
        finally:
            await context.close()
        return [executable, *switches[1:]]

    def _refused(self, argv: list[str]) -> list[str]:
        problems = []
        if not all(flag in argv for flag in MARKER_ARGS):
            problems.append("it dropped the Chromium flags wschaos sent (Playwright does so unless the server runs "
                            "with --unsafe): start it as `playwright run-server --unsafe ...` (or `wschaos browser-server`)")
        if self.executable and argv and argv[0] != self.executable and not _same_program(argv[0], self.executable):
            problems.append(f"it launched {argv[0]}, not --browser-executable {self.executable} (the server drops "
                            "executablePath unless it runs with --unsafe)")
        return problems

    def _launch_failed(self, exc: PlaywrightError) -> Exception:
        text = exc.message
        first = text.splitlines()[0] if text else str(exc)
        if "version mismatch" in text:
            server = re.search(r"server version: v(\d+\.\d+)", text)
            client = re.search(r"client version: v(\d+\.\d+)", text)
            theirs, ours = (m.group(1) if m else "?" for m in (server, client))
            return InvalidInput([Problem("--browser-server", 0, 0, "", refusal(
                self.endpoint, f"Playwright versions differ (server {theirs}, this client {ours}): they must have "
                f"the same major.minor version; install the server's here (`pip install 'playwright=={theirs}.*'`) "
                f"or run the server with Playwright {ours}"))])
        if "Executable doesn't exist" in text:
            asked = f"--browser-executable {self.executable} was dropped (the server runs without --unsafe) and " \
                if self.executable else ""
            return InvalidInput([Problem("--browser-server", 0, 0, "", refusal(
                self.endpoint, f"{asked}it has no browser of its own ({first.split(': ', 1)[-1]}): run "
                "`playwright install chromium` on its host, or start it with --unsafe and give --browser-executable"))])
        if "ECONNREFUSED" in text or ("connect" in first.lower() and "WebSocket" in text):
            return InvalidInput([Problem("--browser-server", 0, 0, "", refusal(
                self.endpoint, f"cannot connect ({first}): is `playwright run-server` running there, and is the "
                "port reachable from this host?"))])
        return InvalidInput([Problem("--browser-server", 0, 0, "", refusal(self.endpoint, f"did not give a browser: {first}"))])

    def gone(self) -> tuple[str, str, float] | None:
        found = super().gone()
        if found is None or found[0] == "the Playwright driver":
            return found
        return (self.label, f"the browser server at {self.endpoint} closed the connection (it stopped, or its "
                            "browser died)", found[2] if self._lost_at is not None else time.monotonic())


def _same_program(a: str, b: str) -> bool:
    """/usr/bin/chromium is a wrapper script that runs /usr/lib/chromium/chromium: the same program."""
    import os.path

    return os.path.basename(a) == os.path.basename(b)
