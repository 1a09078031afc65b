"""A toxiproxy-server started outside wschaos (`--toxiproxy URL`): the run creates and removes only
its own proxies, whether it ends normally, by Ctrl-C or by SIGKILL, and a vanished API is named."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
import urllib.request
from typing import Iterator

import pytest

from cli_process import FACTOR, marked_processes, only_run_dir, run_cli, wait_for_step, wschaos
from spawned import end, outside_toxiproxy as toxiproxy_server, spawn
from harness.drivers.toxiproxy_remote import ExistingToxiproxy
from harness.errors import InfrastructureError
from harness.journal import Journal
from harness.tools import find_toxiproxy, free_port

LONG = "scenarios/idle-five-minutes-stays-connected.yaml"
SHORT = "scenarios/connects-on-load.yaml"


def _api(url: str, path: str, body: object = None, method: str | None = None) -> object:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else None


def proxies(url: str) -> dict:
    """Every proxy the server holds, with its toxics (what `GET /proxies` says)."""
    return _api(url, "/proxies")  # type: ignore[return-value]


@pytest.fixture
def outside_toxiproxy() -> Iterator[str]:
    """A toxiproxy-server wschaos did not start, holding someone else's proxy with a toxic."""
    with toxiproxy_server(FACTOR) as url:
        _api(url, "/proxies", {"name": "theirs", "listen": "127.0.0.1:0", "upstream": "127.0.0.1:9", "enabled": True})
        _api(url, "/proxies/theirs/toxics", {"type": "latency", "attributes": {"latency": 100}})
        yield url


def own_proxies_appear(url: str, proc: subprocess.Popen, timeout_s: float = 60) -> list[str]:
    deadline = time.monotonic() + timeout_s * FACTOR
    while time.monotonic() < deadline:
        mine = [n for n in proxies(url) if n.startswith("wschaos-")]
        if mine:
            return mine
        assert proc.poll() is None, f"wschaos exited early ({proc.returncode}): {proc.communicate()[1]}"
        time.sleep(0.1)
    raise AssertionError("the run created no proxy on the outside toxiproxy-server")


def test_a_run_leaves_the_outside_server_as_it_found_it(outside_toxiproxy, tmp_path):
    """A passing run on an outside toxiproxy-server: its proxies were named after the run, and
    afterwards the server holds exactly the proxies (and toxics) it held before."""
    before = proxies(outside_toxiproxy)
    result = run_cli("run", SHORT, "--toxiproxy", outside_toxiproxy, "--report", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr
    assert proxies(outside_toxiproxy) == before
    run_dir = only_run_dir(tmp_path)
    journal = (run_dir / "scenarios" / "connects-on-load" / "journal.jsonl").read_text()
    created = [json.loads(line)["proxy"] for line in journal.splitlines() if '"proxy.create"' in line]
    assert created and all(n.startswith(f"wschaos-{run_dir.name}-") for n in created)
    doc = json.loads((run_dir / "results.json").read_text())
    assert doc["versions"]["toxiproxy"].endswith(f"at {outside_toxiproxy} (not started by wschaos)")


def test_ctrl_c_leaves_the_outside_server_as_it_found_it(outside_toxiproxy, tmp_path):
    """Ctrl-C in the middle of a scenario: exit 130 and only the run's own proxies are gone."""
    before = proxies(outside_toxiproxy)
    with wschaos("run", LONG, "--toxiproxy", outside_toxiproxy, "--report", str(tmp_path), "--quiet") as proc:
        wait_for_step(tmp_path, proc)
        assert own_proxies_appear(outside_toxiproxy, proc)
        os.killpg(proc.pid, signal.SIGINT)
        proc.communicate(timeout=30 * FACTOR)
        assert proc.returncode == 130
    assert proxies(outside_toxiproxy) == before


def test_sigkill_leaves_the_outside_server_as_it_found_it(outside_toxiproxy, tmp_path):
    """SIGKILL of the run: its watchdog deletes the run's proxies on the outside server (and no
    other) and every process the run started dies, within 10 s."""
    before = proxies(outside_toxiproxy)
    with wschaos("run", LONG, "--toxiproxy", outside_toxiproxy, "--report", str(tmp_path), "--quiet") as proc:
        wait_for_step(tmp_path, proc)
        assert own_proxies_appear(outside_toxiproxy, proc)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
        deadline = time.monotonic() + 10 * FACTOR
        while time.monotonic() < deadline and (proxies(outside_toxiproxy) != before or
                                               [p for p, _ in marked_processes(proc.mark) if p != proc.pid]):
            time.sleep(0.2)
        assert proxies(outside_toxiproxy) == before
        assert [p for p, _ in marked_processes(proc.mark) if p != proc.pid] == []


def test_no_server_at_the_url_is_a_clear_error(tmp_path):
    """--toxiproxy naming a port where nothing answers: exit 3 before any scenario, saying what to start."""
    url = f"http://127.0.0.1:{free_port()}"
    result = run_cli("run", SHORT, "--toxiproxy", url, "--report", str(tmp_path), "--quiet")
    assert result.returncode == 3
    assert f"no toxiproxy-server answers at {url}" in result.stdout + result.stderr


async def test_reset_is_refused_and_stop_deletes_only_own_proxies(outside_toxiproxy):
    """`reset` (which would touch others' proxies) is refused; `stop` deletes the run's leftover
    proxies and no other, and leaves the server running."""
    host, port = outside_toxiproxy.removeprefix("http://").split(":")
    server = ExistingToxiproxy(host, int(port), Journal(), run_id="r1")
    await server.start()
    try:
        await server.create_proxy("wschaos-r1-left", "127.0.0.1:9")
        with pytest.raises(InfrastructureError, match="is shared: wschaos never resets it"):
            await server.reset()
    finally:
        await server.stop()
    assert sorted(proxies(outside_toxiproxy)) == ["theirs"]
    assert proxies(outside_toxiproxy)["theirs"]["toxics"]


async def test_an_api_that_goes_away_is_named_and_back_again_is_used(tmp_path):
    """The API stops answering (its server killed): `gone()` names it within a few probes; once a
    server answers there again, `restart` uses it."""
    port = free_port()
    argv = [str(find_toxiproxy()), "-host", "127.0.0.1", "-port", str(port)]
    first = spawn(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = ExistingToxiproxy("127.0.0.1", port, Journal(), run_id="r2", api_timeout_s=1.0)
    second = None
    try:
        await _started(server)
        assert server.gone() is None
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        deadline = time.monotonic() + 10 * FACTOR
        while server.gone() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        gone = server.gone()
        assert gone is not None and gone[0] == "Toxiproxy"
        assert gone[1].startswith(f"the Toxiproxy API at http://127.0.0.1:{port} stopped answering (")
        second = spawn(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await _started(server, restart=True)
        assert server.gone() is None
    finally:
        await server.stop()
        for proc in (first, second):
            if proc is not None:
                end(proc)


async def _started(server: ExistingToxiproxy, restart: bool = False) -> None:
    """Attach (or re-attach) once the server's API answers."""
    deadline = time.monotonic() + 10 * FACTOR
    while True:
        try:
            await (server.restart() if restart else server.start())
            return
        except InfrastructureError:
            assert time.monotonic() < deadline, "toxiproxy-server did not answer"
            await asyncio.sleep(0.1)
