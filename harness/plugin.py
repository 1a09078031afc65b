"""pytest plugin for wschaos (registered through the `pytest11` entry point).

Fixtures are layered like pytest-playwright's:

    session   wschaos_toxiproxy   one real toxiproxy-server for the whole test session
              wschaos_browser     one Chromium (Playwright) for the whole test session
    function  wschaos_journal     a fresh Journal written to the test's tmp_path
              wschaos_proxy       factory: create proxies; deleted and Toxiproxy reset afterwards
              wschaos_browser_client  factory: open browser clients; closed afterwards

Every fixture tears down what it created, on success, failure or interruption. The async
fixtures need pytest-asyncio, which wschaos does not install: scenario items (`pytest
scenarios/`) run on a loop of their own, and a project that does not use pytest-asyncio gets
neither it nor its configuration warnings. Without it, asking for an async fixture fails with
the command that installs it.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Iterator

import pytest

try:
    import pytest_asyncio
except ImportError:  # optional: only the async fixtures below need it
    pytest_asyncio = None  # type: ignore[assignment]

from harness import pytest_scenarios as _scenarios
from harness.drivers.browser import BrowserClient, BrowserSession
from harness.drivers.toxiproxy import Proxy, ToxiproxyServer
from harness.journal import Journal
from harness.tools import find_chromium, find_toxiproxy


def async_fixture(**kwargs: str) -> Callable[[Callable[..., object]], object]:
    """`pytest_asyncio.fixture(**kwargs)`; without pytest-asyncio, a fixture of the same name and
    scope that fails the test saying what to install (instead of "fixture not found")."""

    def wrap(fn: Callable[..., object]) -> object:
        if pytest_asyncio is not None:
            return pytest_asyncio.fixture(**kwargs)(fn)  # type: ignore[call-overload]  # scope, loop_scope

        def missing() -> None:
            pytest.fail(f"{fn.__name__} is an async fixture: install pytest-asyncio "
                        "(pip install pytest-asyncio) and write the test as `async def`", pytrace=False)

        missing.__doc__ = fn.__doc__
        return pytest.fixture(scope=kwargs.get("scope", "function"), name=fn.__name__)(missing)

    return wrap


def pytest_addoption(parser: pytest.Parser) -> None:
    """The `wschaos` option group."""
    group = parser.getgroup("wschaos", "wschaos chaos harness")
    group.addoption("--wschaos-headed", action="store_true", default=False,
                    help="run the wschaos Chromium with a visible window")
    _scenarios.add_options(group)
    parser.addini("wschaos_scenarios", type="paths", default=[],
                  help="folders (or files) of wschaos scenarios that a plain `pytest` collects as tests "
                       "(`wschaos init` sets it)")


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> "_scenarios.ScenarioFile | None":
    """Scenario YAML files given on the command line (or inside a folder given there), or under a
    folder the `wschaos_scenarios` setting names, are test items."""
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    if not (_named_on_command_line(parent.config, file_path) or _in_scenario_folders(parent.config, file_path)):
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


def _in_scenario_folders(config: pytest.Config, file_path: Path) -> bool:
    # Declared by the project, so `pytest` alone (or `pytest scenarios/x.yaml`) runs its scenarios;
    # without it only explicit paths count, and fixture YAML elsewhere is never taken for a scenario.
    folders = [Path(p).resolve() for p in config.getini("wschaos_scenarios")]
    return any(file_path == f or f in file_path.parents for f in folders)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Tear down the scenarios' shared Toxiproxy and browser, then write their report."""
    try:
        _scenarios.close_infra(session.config)
    finally:
        _scenarios.write_reports(session.config)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist, starting a worker: every worker reports into one run (one report per session)."""
    _scenarios.configure_node(node.config, node.workerinput)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Where the scenarios' report went (the terminal reporter calls this after sessionfinish)."""
    html = _scenarios.report_path(config)
    if html is not None:
        terminalreporter.write_sep("-", "wschaos")
        terminalreporter.write_line(f"wschaos report: {html}")


@async_fixture(scope="session", loop_scope="session")
async def wschaos_toxiproxy() -> AsyncIterator[ToxiproxyServer]:
    """One real toxiproxy-server on a free loopback port for the test session."""
    server = ToxiproxyServer(find_toxiproxy(), Journal())
    async with server:
        yield server


@async_fixture(scope="session", loop_scope="session")
async def wschaos_browser(pytestconfig: pytest.Config) -> AsyncIterator[BrowserSession]:
    """One Chromium for the test session (system Chromium, or $WSCHAOS_CHROMIUM)."""
    headed = bool(pytestconfig.getoption("wschaos_headed", default=False))
    async with BrowserSession(find_chromium(), headless=not headed) as session:
        yield session


@pytest.fixture
def wschaos_journal(tmp_path: Path) -> Iterator[Journal]:
    """A journal for this test, mirrored to `<tmp_path>/journal.jsonl`."""
    journal = Journal(tmp_path / "journal.jsonl")
    yield journal
    journal.close()


@async_fixture(loop_scope="session")
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


@async_fixture(loop_scope="session")
async def wschaos_browser_client(
    wschaos_browser: BrowserSession, wschaos_journal: Journal
) -> AsyncIterator[Callable[..., Awaitable[BrowserClient]]]:
    """Factory `await wschaos_browser_client(name, page_url, **kwargs)`; closes clients afterwards."""
    async with contextlib.AsyncExitStack() as stack:

        async def open_client(name: str, page_url: str, **kwargs: Any) -> BrowserClient:
            client = BrowserClient(wschaos_browser, name, wschaos_journal, page_url, **kwargs)
            stack.push_async_callback(client.close)  # registered before opening: a half-open client closes too
            return await client.open()

        yield open_client
