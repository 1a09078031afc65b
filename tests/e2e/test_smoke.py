"""Smoke test of the whole chain: Toxiproxy + reference app server + static client + Chromium."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import urllib.request
from pathlib import Path

import pytest

from harness.drivers.process import ManagedProcess, ReadyProbe
from harness.journal import Journal, of_kind
from harness.tools import repo_root

pytestmark = pytest.mark.e2e

ROOT = repo_root()
PROBE = """(() => {
  const d = window.kanbanDebug;
  if (!d) return null;
  const s = d.snapshot();
  return {state: s.state, attempt: s.attempt, queue_length: s.queueLength, connection_id: s.connectionId};
})()"""

if not (ROOT / "app" / "server" / "__main__.py").is_file() or not (ROOT / "app" / "client" / "__main__.py").is_file():
    pytest.skip("the reference app (app/server, app/client) is not in this checkout", allow_module_level=True)


def app_process(name: str, argv: list[str], pattern: str, journal: Journal, scaled) -> ManagedProcess:
    """A reference-app process that prints its port on a `...LISTENING port=N` line."""
    return ManagedProcess(name, [sys.executable, "-m", *argv], journal=journal, cwd=ROOT,
                          ready=ReadyProbe(log_line=pattern), ready_timeout_s=scaled(20), stop_grace_s=5)


async def start_app(stack: contextlib.AsyncExitStack, journal: Journal, tmp_path: Path, scaled,
                    time_scale: str) -> tuple[ManagedProcess, ManagedProcess]:
    """The reference server and static client on free ports, stopped when `stack` closes."""
    server = app_process("server", ["app.server", "--port", "0", "--db", str(tmp_path / "ledger.sqlite3"),
                                    "--time-scale", time_scale], r"KANBAN_LISTENING port=(\d+)", journal, scaled)
    static = app_process("static", ["app.client", "--port", "0"], r"KANBAN_CLIENT_LISTENING port=(\d+)",
                         journal, scaled)
    stack.push_async_callback(server.stop)
    stack.push_async_callback(static.stop)
    await server.start()
    await static.start()
    return server, static


def get_json(url: str) -> dict:
    """GET a JSON document from a loopback URL."""
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read().decode())


async def until(predicate, timeout_s: float, what: str):
    """Poll an async predicate until truthy, else fail saying what did not happen."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    last = None
    while asyncio.get_running_loop().time() < deadline:
        last = await predicate()
        if last:
            return last
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what} within {timeout_s}s (last: {last!r})")


async def snapshot(client) -> dict:
    """The app's debug snapshot (state, queue), or {} while the page loads."""
    return (await client.probe()) or {}


async def test_down_queue_reconnect_delivers_once(
    wschaos_proxy, wschaos_browser_client, wschaos_journal, tmp_path: Path, scaled
):
    """A ticket added while the proxy is down is queued, then lands in the ledger exactly once."""
    journal = wschaos_journal
    async with contextlib.AsyncExitStack() as stack:
        server, static = await start_app(stack, journal, tmp_path, scaled, "0.1")
        ws_port, web_port = int(server.ready_match.group(1)), int(static.ready_match.group(1))
        proxy = await wschaos_proxy("kanban_b0", f"127.0.0.1:{ws_port}", client="b0")
        client = await wschaos_browser_client(
            "b0", f"http://127.0.0.1:{web_port}/?ws=ws://127.0.0.1:{ws_port}/ws/trigger&time_scale=0.1",
            ws_rewrite=(f"ws://127.0.0.1:{ws_port}", f"ws://{proxy.listen}"), probe_js=PROBE, proxy=proxy.name)

        await until(lambda: _state_is(client, "connected"), scaled(15), "page did not connect")
        await proxy.disable()
        await until(lambda: _state_is(client, "reconnecting"), scaled(10), "page did not start reconnecting")
        await client.fill("[data-testid=new-ticket-title]", "smoke ticket")
        await client.click("[data-testid=add-ticket-button]")
        queued = await until(lambda: _queued(client), scaled(5), "ticket was not queued while down")
        assert queued["state"] in ("reconnecting", "offline")

        await proxy.enable()
        await until(lambda: _state_is(client, "connected"), scaled(20), "page did not reconnect")
        await until(lambda: _queue_empty(client), scaled(10), "queue did not drain after reconnect")
        ledger = await until(lambda: _ledger_entries(ws_port, "smoke ticket"), scaled(10),
                             "ticket did not reach the server ledger")
        await asyncio.sleep(0.5)  # a duplicate would arrive right behind the first delivery
        ledger = await _ledger_entries(ws_port, "smoke ticket")
        assert len(ledger) == 1, ledger
        assert ledger[0]["key"].startswith("ticket:")

        pids = [server.pid, static.pid]
    assert not server.running and not static.running
    assert all(not _alive(pid) for pid in pids)
    opened = [e["socket"] for e in of_kind(journal.events, "ws.open")]
    assert len(opened) >= 2 and opened[0] == "s1"  # cut, refused attempts (no ws.open), then reconnected
    assert next(of_kind(journal.events, "ws.close"))["code"] == 1006


MUTATIONS = """(ms) => new Promise((resolve) => {
  const seen = {};
  const watch = (sel) => new MutationObserver((list) => { seen[sel] = (seen[sel] || 0) + list.length; })
    .observe(document.querySelector(sel), {subtree: true, childList: true, characterData: true, attributes: true});
  for (const sel of ['#connection-status', '#connection-events', '#attempt-count', '#health-level', '#queue-count']) watch(sel);
  setTimeout(() => resolve(seen), ms);
})"""


async def test_the_reference_client_leaves_an_unchanged_panel_alone(
    wschaos_browser_client, wschaos_journal, tmp_path: Path, scaled
):
    """The client re-renders its panel every 250 ms; parts whose content did not change are not
    written again (each write cost a style, layout and paint pass: half the idle page's CPU)."""
    async with contextlib.AsyncExitStack() as stack:
        server, static = await start_app(stack, wschaos_journal, tmp_path, scaled, "1")
        ws_port, web_port = int(server.ready_match.group(1)), int(static.ready_match.group(1))
        client = await wschaos_browser_client(
            "b0", f"http://127.0.0.1:{web_port}/?ws=ws://127.0.0.1:{ws_port}/ws/trigger&time_scale=1", probe_js=PROBE)
        await until(lambda: _state_is(client, "connected"), scaled(15), "page did not connect")
        await asyncio.sleep(0.3)  # the session frame right after connecting adds an event
        mutations = await client.page.evaluate(MUTATIONS, 1500)  # six render ticks, no heartbeat due (15 s)
        assert mutations == {}, mutations


async def _state_is(client, state: str) -> bool:
    return (await snapshot(client)).get("state") == state


async def _queued(client) -> dict | None:
    snap = await snapshot(client)
    return snap if snap.get("queue_length", 0) >= 1 else None


async def _queue_empty(client) -> bool:
    return (await snapshot(client)).get("queue_length") == 0


async def _ledger_entries(ws_port: int, title: str) -> list[dict]:
    doc = await asyncio.to_thread(get_json, f"http://127.0.0.1:{ws_port}/ledger")
    return [e for e in doc.get("entries", []) if title in json.dumps(e.get("payload"))]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
