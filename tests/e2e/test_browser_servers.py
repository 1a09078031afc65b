"""Pages on Playwright browser servers (`--browser-server`): two real `playwright run-server`
processes give the same verdicts as a launched Chromium, with and without a seeded bug; a server
that refuses what wschaos asks is exit 2 before any scenario; one that dies mid-run is named."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from cli_process import FACTOR, only_run_dir, run_cli, wait_for_step, wschaos
from spawned import end, outside_toxiproxy, spawn
from harness.drivers.remote_browser import RemoteBrowserSession
from harness.errors import InvalidInput
from harness.tools import find_chromium, playwright_version

pytestmark = pytest.mark.e2e

SCENARIO = "scenarios/server-restart-reconnects.yaml"   # two pages; `no_connection_id` fails restart_detected
LONG = "scenarios/idle-five-minutes-stays-connected.yaml"


class Server:
    """One `playwright run-server` process in its own process group."""

    def __init__(self, unsafe: bool = True) -> None:
        argv = [sys.executable, "-m", "playwright", "run-server", "--host", "127.0.0.1", "--port", "0"]
        self.proc = spawn(argv + (["--unsafe"] if unsafe else []), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        found = re.search(r"Listening on (ws://\S+)", line)
        assert found, f"run-server printed {line!r}"
        self.url = found.group(1)

    def stop(self) -> None:
        end(self.proc)


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    """Two browser servers started with --unsafe, as `wschaos browser-server` does."""
    started: list[Server] = []
    try:
        started.append(Server())
        started.append(Server())
        yield started
    finally:
        for s in started:
            s.stop()


def remote_args(servers: list[Server]) -> list[str]:
    out = []
    for s in servers:
        out += ["--browser-server", s.url]
    return out + ["--browser-executable", str(find_chromium())]


def verdicts(report: Path) -> tuple[str, list[tuple[str, str]]]:
    """(outcome, [(check, status)]) of the one scenario of a run."""
    doc = json.loads((only_run_dir(report) / "results.json").read_text())
    scenario = doc["scenarios"][0]
    return scenario["outcome"], [(c["name"], c["status"]) for c in scenario["checks"]]


def pages(report: Path) -> dict[str, str]:
    journal = next(only_run_dir(report).glob("scenarios/*/journal.jsonl")).read_text()
    opened = [json.loads(line) for line in journal.splitlines() if '"client.open"' in line]
    return {e["client"]: e["browser"] for e in opened if e.get("client_kind") == "browser"}


@pytest.mark.parametrize("bugs", ["", "no_connection_id"])
def test_pages_on_two_browser_servers_give_the_launched_verdicts(servers, tmp_path, bugs):
    """With its two pages on two browser servers a scenario gets the same outcome and check
    verdicts as with a launched Chromium, also with a seeded bug on (caught by the same check);
    each page ran on its own server, as the journal and the report header say."""
    args = ["run", SCENARIO, "--bugs", bugs, "--quiet"]
    launched = run_cli(*args, "--report", str(tmp_path / "launched"), timeout=90)
    remote = run_cli(*args, *remote_args(servers), "--report", str(tmp_path / "remote"), timeout=90)
    assert launched.returncode == remote.returncode == (1 if bugs else 0), remote.stdout + remote.stderr
    assert verdicts(tmp_path / "remote") == verdicts(tmp_path / "launched")
    if bugs:
        assert ("restart_detected", "failed") in verdicts(tmp_path / "remote")[1]
    assert pages(tmp_path / "remote") == {"b0": servers[0].url, "b1": servers[1].url}
    assert pages(tmp_path / "launched") == {"b0": "local", "b1": "local"}
    doc = json.loads((only_run_dir(tmp_path / "remote") / "results.json").read_text())
    assert servers[0].url in doc["versions"]["chromium"] and servers[1].url in doc["versions"]["chromium"]
    assert doc["scenarios"][0]["pages"] == {"b0": servers[0].url, "b1": servers[1].url}
    html = (only_run_dir(tmp_path / "remote") / "index.html").read_text()
    assert f"pages on b0 {servers[0].url}, b1 {servers[1].url}" in html


def test_a_server_without_unsafe_is_refused_before_anything_runs(tmp_path):
    """A server started without --unsafe drops the executable and flags wschaos sends: exit 2
    naming the server and the fix, no scenario run."""
    server = Server(unsafe=False)
    try:
        result = run_cli("run", SCENARIO, "--browser-server", server.url, "--browser-executable",
                         str(find_chromium()), "--report", str(tmp_path), "--quiet")
    finally:
        server.stop()
    assert result.returncode == 2, result.stdout + result.stderr
    assert (f"browser server {server.url}: --browser-executable {find_chromium()} was dropped (the server runs "
            "without --unsafe) and it has no browser of its own") in result.stderr


class _OldClient(RemoteBrowserSession):
    """This machine's Playwright, introducing itself as 1.40 (the one thing a version test can change)."""

    async def _launch(self):  # type: ignore[no-untyped-def]
        assert self.playwright is not None
        return await self.playwright.chromium.connect(
            self.endpoint, headers={"User-Agent": "Playwright/1.40.0 (x64; debian 12) python/3.11"})


async def test_a_version_mismatch_is_invalid_input(servers):
    """A client whose Playwright major.minor differs from the server's is refused at connect:
    InvalidInput (exit 2) naming both versions and what to install."""
    session = _OldClient(servers[0].url)
    with pytest.raises(InvalidInput) as caught:
        await session.start()
    text = str(caught.value)
    server = ".".join(playwright_version().split(".")[:2])
    assert (f"browser server {servers[0].url}: Playwright versions differ (server {server}, this client 1.40): they "
            f"must have the same major.minor version; install the server's here (`pip install 'playwright=={server}.*'`)"
            " or run the server with Playwright 1.40") in text
    assert session.browser is None


def test_a_browser_server_that_dies_mid_scenario_is_named(servers, tmp_path):
    """The server holding a page dies under a running scenario: the scenario is a harness error
    naming that server (never the app's failure), exit 3, nothing left running."""
    with wschaos("run", LONG, *remote_args(servers[:1]), "--report", str(tmp_path), "--quiet") as proc:
        wait_for_step(tmp_path, proc)
        time.sleep(1)
        servers[0].stop()
        _, err = proc.communicate(timeout=60 * FACTOR)
    assert proc.returncode == 3, err
    doc = json.loads((only_run_dir(tmp_path) / "results.json").read_text())
    assert doc["scenarios"][0]["outcome"] == "error"
    assert f"the browser server at {servers[0].url} closed the connection" in doc["scenarios"][0]["error"]


def test_every_engine_elsewhere_at_once(servers, tmp_path):
    """Pages on two browser servers, proxies on a toxiproxy-server started outside wschaos, and the
    other hosts told to dial `localhost` (`--dial-host`): the broadcast scenario passes, the pages
    loaded from and dialled the dial host, and the outside server is left as it was."""
    with outside_toxiproxy(FACTOR) as url:
        result = run_cli("run", "scenarios/dead-peer-does-not-break-broadcast.yaml", *remote_args(servers),
                         "--toxiproxy", url, "--dial-host", "localhost", "--report", str(tmp_path), "--quiet",
                         timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        with urllib.request.urlopen(url + "/proxies", timeout=5) as resp:
            assert json.load(resp) == {}
    journal = next(only_run_dir(tmp_path).glob("scenarios/*/journal.jsonl")).read_text().splitlines()
    opened = [json.loads(line) for line in journal if '"client.open"' in line]
    assert all(e["url"].startswith("http://localhost:") for e in opened if e["client_kind"] == "browser")
    assert all(e["url"].startswith("ws://127.0.0.1:") for e in opened if e["client_kind"] == "protocol")
    created = [json.loads(line) for line in journal if '"proxy.create"' in line]
    assert all(e["upstream"].startswith("localhost:") for e in created)



def test_a_soak_runs_its_pages_on_browser_servers(servers, tmp_path):
    """`wschaos soak` takes the engine options as `run` does: its pages open on the two servers, the
    night passes, and the rerun command it prints points at them again."""
    result = run_cli("soak", "--duration", "1m", "--seed", "3", *remote_args(servers), "--report", str(tmp_path),
                     "--quiet", timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert pages(tmp_path) == {"b0": servers[0].url, "b1": servers[1].url}
    rerun = next(line for line in result.stdout.splitlines() if line.startswith("seed 3; rerun: "))
    assert f"--browser-server {servers[0].url} --browser-server {servers[1].url}" in rerun
