"""pytest plugin for wschaos (registered through the `pytest11` entry point).

Fixtures are layered like pytest-playwright's:

    session   wschaos_toxiproxy   one real toxiproxy-server for the whole test session
              wschaos_browser     one Chromium (Playwright) for the whole test session
    function  wschaos_journal     a fresh Journal written to the test's tmp_path
              wschaos_proxy       factory: create proxies; deleted and Toxiproxy reset afterwards
              wschaos_browser_client  factory: open browser clients; closed afterwards

Every fixture tears down what it created, on success, failure or interruption.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable

import pytest
import pytest_asyncio

from harness import pytest_scenarios as _scenarios
from harness.drivers.browser import BrowserClient, BrowserSession
from harness.drivers.toxiproxy import Proxy, ToxiproxyServer
from harness.journal import Journal
from harness.tools import find_chromium, find_toxiproxy


def pytest_addoption(parser: pytest.Parser) -> None:
    """The `wschaos` option group."""
    group = parser.getgroup("wschaos", "wschaos chaos harness")
    group.addoption("--wschaos-headed", action="store_true", default=False,
                    help="run the wschaos Chromium with a visible window")
    _scenarios.add_options(group)


def pytest_collect_file(parent: pytest.Collector, file_path: Path):
    """Scenario YAML files given on the command line (or inside a folder given there) are test items."""
    if file_path.suffix not in (".yaml", ".yml") or not _named_on_command_line(parent.config, file_path):
        return None
    if not _scenarios.looks_like_scenario(file_path):
        return None
    return _scenarios.ScenarioFile.from_parent(parent, path=file_path)


def _named_on_command_line(config: pytest.Config, file_path: Path) -> bool:
    # Only explicit paths: `pytest` alone (testpaths) must not collect fixture YAML as scenarios.
    for arg in config.invocation_params.args:
        if str(arg).startswith("-"):
            continue
        given = (config.invocation_params.dir / str(arg).split("::")[0]).resolve()
        if given == file_path or given in file_path.parents:
            return True
    return False


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Tear down the scenarios' shared Toxiproxy and browser, then write their report."""
    try:
        _scenarios.close_infra(session.config)
    finally:
        _scenarios.write_reports(session.config)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def wschaos_toxiproxy() -> AsyncIterator[ToxiproxyServer]:
    """One real toxiproxy-server on a free loopback port for the test session."""
    server = ToxiproxyServer(find_toxiproxy(), Journal())
    async with server:
        yield server


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def wschaos_browser(pytestconfig: pytest.Config) -> AsyncIterator[BrowserSession]:
    """One Chromium for the test session (system Chromium, or $WSCHAOS_CHROMIUM)."""
    headed = bool(pytestconfig.getoption("wschaos_headed", default=False))
    async with BrowserSession(find_chromium(), headless=not headed) as session:
        yield session


@pytest.fixture
def wschaos_journal(tmp_path: Path) -> Journal:
    """A journal for this test, mirrored to `<tmp_path>/journal.jsonl`."""
    journal = Journal(tmp_path / "journal.jsonl")
    yield journal
    journal.close()


@pytest_asyncio.fixture(loop_scope="session")
async def wschaos_proxy(
    wschaos_toxiproxy: ToxiproxyServer, wschaos_journal: Journal
) -> AsyncIterator[Callable[..., Awaitable[Proxy]]]:
    """Factory `await wschaos_proxy(name, upstream, client=None)`; cleans up after the test."""
    created: list[Proxy] = []

    async def create(name: str, upstream: str, client: str | None = None) -> Proxy:
        proxy = await wschaos_toxiproxy.create_proxy(name, upstream, client, journal=wschaos_journal)
        created.append(proxy)
        return proxy

    try:
        yield create
    finally:
        for proxy in reversed(created):
            with contextlib.suppress(Exception):
                await proxy.delete()
        await wschaos_toxiproxy.reset()


@pytest_asyncio.fixture(loop_scope="session")
async def wschaos_browser_client(
    wschaos_browser: BrowserSession, wschaos_journal: Journal
) -> AsyncIterator[Callable[..., Awaitable[BrowserClient]]]:
    """Factory `await wschaos_browser_client(name, page_url, **kwargs)`; closes clients afterwards."""
    async with contextlib.AsyncExitStack() as stack:

        async def open_client(name: str, page_url: str, **kwargs) -> BrowserClient:
            client = BrowserClient(wschaos_browser, name, wschaos_journal, page_url, **kwargs)
            stack.push_async_callback(client.close)  # registered before opening: a half-open client closes too
            return await client.open()

        yield open_client
