"""Browser clients: real Chromium, a tiny page, a websockets server behind a Toxiproxy proxy."""

from __future__ import annotations

import asyncio
import functools
import http.server
import threading
import zipfile
from pathlib import Path
from typing import AsyncIterator

import pytest
import pytest_asyncio

from harness.journal import of_kind

pytestmark = pytest.mark.e2e

UPSTREAM = "ws://upstream.invalid:1"  # never resolvable: only the rewrite can make it work

PAGE = """<!doctype html><html><body><div id="out">-</div><input id="msg"><button id="send">send</button>
<script>
const params = new URLSearchParams(location.search);
window.events = [];
window.state = "connecting";
let ws;
function connect() {
  ws = new WebSocket(params.get("ws"));
  ws.onopen = () => { window.state = "connected"; ws.send(JSON.stringify({type: "hello", id: "h" + Date.now()})); };
  ws.onmessage = (e) => { document.getElementById("out").textContent = e.data; };
  ws.onclose = (e) => { window.state = "closed:" + e.code; setTimeout(connect, 200); };
}
connect();
document.getElementById("send").onclick = () => ws.send(JSON.stringify(
  {type: "ticket_notification", id: "t1", title: document.getElementById("msg").value}));
document.addEventListener("visibilitychange", () => window.events.push("vis:" + document.visibilityState));
window.addEventListener("offline", () => window.events.push("offline"));
window.addEventListener("online", () => window.events.push("online"));
</script></body></html>"""

PROBE = "({state: window.state, events: window.events.slice()})"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def page_url(tmp_path: Path):
    """A static server for the test page; yields the page URL."""
    (tmp_path / "index.html").write_text(PAGE)
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/index.html?ws={UPSTREAM}/ws"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest_asyncio.fixture(loop_scope="session")
async def proxied(wschaos_proxy, ws_ack_server) -> AsyncIterator:
    """A Toxiproxy proxy in front of the ack server."""
    upstream = ws_ack_server.removeprefix("ws://")
    yield await wschaos_proxy("browser_b0", upstream, client="b0")


async def until(predicate, timeout_s: float, interval_s: float = 0.05):
    """Poll an async predicate until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        value = await predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout_s}s (last: {value!r})")
        await asyncio.sleep(interval_s)


async def open_b0(wschaos_browser_client, page_url, proxied, **kwargs):
    """Open client b0 with its WebSocket rewritten to the proxy."""
    return await wschaos_browser_client(
        "b0", page_url, ws_rewrite=(UPSTREAM, f"ws://{proxied.listen}"), probe_js=PROBE,
        probe_interval_s=0.05, proxy=proxied.name, **kwargs)


async def test_rewrite_frames_and_attempts(wschaos_browser_client, wschaos_journal, page_url, proxied, scaled):
    """The page reaches the server through the proxy; attempts, open, frames and the page's clock
    at each send are journaled."""
    client = await open_b0(wschaos_browser_client, page_url, proxied)
    await until(lambda: client.evaluate("window.state === 'connected'"), scaled(10))
    await client.fill("#msg", "first ticket")
    await client.click("#send")
    ev = wschaos_journal.events
    await until(lambda: asyncio.sleep(0, [e for e in ev if e["kind"] == "ws.frame" and e["id"] == "t1"
                                          and e["dir"] == "received"]), scaled(5))
    attempt = next(of_kind(ev, "ws.attempt"))
    assert attempt["url"] == f"ws://{proxied.listen}/ws" and attempt["page_t"] > 1e9
    assert next(of_kind(ev, "ws.open"))["socket"] == "s1"
    sent = [e for e in of_kind(ev, "ws.frame") if e["dir"] == "sent"]
    assert [e["type"] for e in sent] == ["hello", "ticket_notification"]
    assert sent[1]["data"] == {"type": "ticket_notification", "id": "t1", "title": "first ticket"}
    await until(lambda: asyncio.sleep(0, len(list(of_kind(ev, "ws.sent_at"))) >= 2), scaled(5))
    stamps = list(of_kind(ev, "ws.sent_at"))  # the n-th stamp is the n-th sent frame
    assert [(e["client"], e["socket"], e["n"]) for e in stamps] == [("b0", "s1", 1), ("b0", "s1", 2)]
    assert attempt["page_t"] <= stamps[0]["page_t"] < stamps[1]["page_t"]
    opened = next(of_kind(ev, "client.open"))
    assert (opened["client_kind"], opened["proxy"], opened["url"]) == ("browser", "browser_b0", page_url)


async def test_close_code_recorded_once(wschaos_browser_client, wschaos_journal, page_url, proxied, scaled):
    """A server close is recorded once per socket, with the code from the page; the page reconnects."""
    client = await open_b0(wschaos_browser_client, page_url, proxied)
    await until(lambda: client.evaluate("window.state === 'connected'"), scaled(10))
    await client.evaluate("ws.send(JSON.stringify({type: 'close', code: 4001, reason: 'bye'}))")
    ev = wschaos_journal.events
    await until(lambda: asyncio.sleep(0, len(list(of_kind(ev, "ws.open"))) >= 2), scaled(10))
    await asyncio.sleep(0.7)  # longer than the tracker's fallback wait: no duplicate may appear
    closes = [e for e in of_kind(ev, "ws.close") if e["socket"] == "s1"]
    assert len(closes) == 1
    assert (closes[0]["code"], closes[0]["reason"]) == (4001, "bye")
    assert closes[0]["page_t"] > 1e9


async def test_proxy_down_closes_socket_with_1006(wschaos_browser_client, wschaos_journal, page_url, proxied, scaled):
    """Disabling the proxy cuts the socket (1006); failed attempts while down have no ws.open; enable recovers."""
    client = await open_b0(wschaos_browser_client, page_url, proxied)
    await until(lambda: client.evaluate("window.state === 'connected'"), scaled(10))
    await proxied.disable()
    await until(lambda: client.evaluate("window.state.startsWith('closed')"), scaled(10))
    await asyncio.sleep(0.6)  # a few refused attempts
    await proxied.enable()
    await until(lambda: client.evaluate("window.state === 'connected'"), scaled(10))
    ev = wschaos_journal.events
    await until(lambda: asyncio.sleep(0, len(list(of_kind(ev, "ws.open"))) == 2), scaled(5))
    assert next(of_kind(ev, "ws.close"))["code"] == 1006
    assert len(list(of_kind(ev, "ws.attempt"))) > 2


async def test_visibility_and_offline(wschaos_browser_client, wschaos_journal, page_url, proxied, scaled):
    """set_visibility fires visibilitychange with the forced state; set_offline fires offline/online."""
    client = await open_b0(wschaos_browser_client, page_url, proxied)
    await client.set_visibility("hidden")
    assert await client.evaluate("[document.visibilityState, document.hidden]") == ["hidden", True]
    await client.set_visibility("visible")
    await client.set_offline(True)
    await client.set_offline(False)
    events = await until(lambda: client.evaluate("window.events.length >= 4 && window.events"), scaled(5))
    assert events == ["vis:hidden", "vis:visible", "offline", "online"]
    recorded = [e["event"] for e in of_kind(wschaos_journal.events, "browser.event")]
    assert recorded == ["hidden", "visible", "offline", "online"]
    with pytest.raises(ValueError, match="^unknown visibility 'gone': expected 'hidden' or 'visible'$"):
        await client.set_visibility("gone")  # type: ignore[arg-type]


async def test_probe_records_changes_only(wschaos_browser_client, wschaos_journal, page_url, proxied, scaled):
    """The probe loop records an event only when the values change."""
    client = await open_b0(wschaos_browser_client, page_url, proxied)
    await until(lambda: client.evaluate("window.state === 'connected'"), scaled(10))
    await asyncio.sleep(0.5)  # ~10 probe ticks without change
    probes = [e["values"] for e in of_kind(wschaos_journal.events, "probe")]
    assert probes[-1] == {"state": "connected", "events": []}
    assert all(a != b for a, b in zip(probes, probes[1:]))


async def test_sleep_wake_reload_and_reopen(wschaos_browser_client, wschaos_journal, page_url, proxied, scaled):
    """sleep/wake, reload and close/open page keep working and localStorage survives a reopen."""
    client = await open_b0(wschaos_browser_client, page_url, proxied)
    await client.evaluate("localStorage.setItem('who', 'b0')")
    await client.sleep()
    await asyncio.sleep(0.2)
    await client.wake()
    await client.reload()
    await client.close_page()
    await client.close_page()  # idempotent
    await client.open_page()
    assert await client.evaluate("localStorage.getItem('who')") == "b0"
    recorded = [e["event"] for e in of_kind(wschaos_journal.events, "browser.event")]
    assert recorded == ["sleep", "wake", "reload", "close", "open"]


async def test_screenshot_and_trace(wschaos_browser_client, page_url, proxied, tmp_path):
    """screenshot writes a PNG; a trace is saved only when a path is given."""
    client = await open_b0(wschaos_browser_client, page_url, proxied, trace=True)
    shot = await client.screenshot(tmp_path / "shots" / "b0.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    trace = await client.stop_tracing(tmp_path / "trace.zip")
    assert trace == tmp_path / "trace.zip" and zipfile.is_zipfile(trace)
    assert await client.stop_tracing(tmp_path / "again.zip") is None  # nothing running any more
    await client.start_tracing()
    assert await client.stop_tracing(None) is None
    assert not (tmp_path / "again.zip").exists()


@pytest.mark.parametrize("screenshots", [False, True])
async def test_trace_filmstrip_only_when_asked(wschaos_browser_client, page_url, proxied, tmp_path, screenshots):
    """A trace always holds DOM snapshots of the actions; the screencast filmstrip (JPEG frames,
    CPU for every page all the time) only with `trace_screenshots`."""
    client = await open_b0(wschaos_browser_client, page_url, proxied, trace=True, trace_screenshots=screenshots)
    await client.fill("#msg", "filmstrip")
    await asyncio.sleep(0.5)  # the screencast sends frames as the page paints
    trace = await client.stop_tracing(tmp_path / "trace.zip")
    with zipfile.ZipFile(trace) as z:
        names = z.namelist()
        text = z.read("trace.trace").decode()
    assert '"frame-snapshot"' in text  # the DOM at each action, either way
    frames = [n for n in names if n.endswith(".jpeg")]
    assert bool(frames) is screenshots, names


async def test_page_errors_and_console(wschaos_browser_client, wschaos_journal, page_url, proxied, scaled):
    """Uncaught page errors and console errors/warnings are journaled."""
    client = await open_b0(wschaos_browser_client, page_url, proxied)
    await client.evaluate("console.warn('careful'); console.log('ignored'); setTimeout(() => { throw new Error('kaboom'); })")
    ev = wschaos_journal.events
    await until(lambda: asyncio.sleep(0, list(of_kind(ev, "page.error"))), scaled(5))
    assert "kaboom" in next(of_kind(ev, "page.error"))["message"]
    consoles = [(e["level"], e["text"]) for e in of_kind(ev, "page.console")]
    assert ("warning", "careful") in consoles and all(level != "log" for level, _ in consoles)


async def test_client_close_is_idempotent(wschaos_browser_client, wschaos_journal, page_url, proxied):
    """close() twice records client.close once and leaves the socket closed."""
    client = await open_b0(wschaos_browser_client, page_url, proxied)
    await client.close()
    await client.close()
    assert len(list(of_kind(wschaos_journal.events, "client.close"))) == 1


async def test_unreachable_page_fails_and_cleans_up(wschaos_browser, wschaos_journal):
    """A page that cannot load raises InfrastructureError naming it, and the client is closed."""
    from harness.drivers.browser import BrowserClient
    from harness.errors import InfrastructureError
    from harness.tools import free_port

    url = f"http://127.0.0.1:{free_port()}/"
    client = BrowserClient(wschaos_browser, "b9", wschaos_journal, url)
    with pytest.raises(InfrastructureError, match=rf"^client b9 could not load {url}: .*ERR_CONNECTION_REFUSED"):
        await client.open()
    assert client.context is None
    assert [e["kind"] for e in of_kind(wschaos_journal.events, "client.")] == ["client.open", "client.close"]


async def test_chromium_preloads_no_omnibox_popup_and_keeps_playwrights_features_off(wschaos_browser):
    """Each context is a window; Chromium would preload its omnibox popup (a WebUI renderer per
    window) but wschaos switches that off. Chromium honours only the last --disable-features, so
    the launched command line must still hold every feature Playwright switches off."""
    from harness.drivers import chromium

    assert chromium.playwright_disabled, "Playwright's --disable-features were not read from the first launch"
    assert wschaos_browser.driver is not None and wschaos_browser.pid is not None
    found = chromium.browser_process(wschaos_browser.driver.pid)
    assert found is not None and found[0] == wschaos_browser.pid
    switches = [a for a in found[1] if a.startswith("--disable-features=")]
    launched = switches[-1].split("=", 1)[1].split(",")
    assert set(chromium.playwright_disabled) | set(chromium.DISABLED_FEATURES) <= set(launched)
    context = await wschaos_browser.browser.new_context()
    try:
        page = await context.new_page()
        await page.goto("data:text/html,<p>one window</p>")
        cdp = await wschaos_browser.browser.new_browser_cdp_session()
        targets = (await cdp.send("Target.getTargets", {"filter": [{}]}))["targetInfos"]
        await cdp.detach()
    finally:
        await context.close()
    assert not [t["url"] for t in targets if t["type"] == "browser_ui"]


async def test_target_javascript_with_trailing_comments_runs_in_the_page(wschaos_browser_client, wschaos_journal,
                                                                         page_url, proxied, scaled):
    """A snapshot, probes, an init script and an evaluate op that end in `// comments` run as the load check parsed them."""
    from types import MappingProxyType, SimpleNamespace

    from harness.targets.model import JsProbe
    from harness.targets.ops import Evaluate
    from harness.targets.probes import probe_expression

    target = SimpleNamespace(snapshot="({state: window.state, seeded: window.seeded}) // the page's own",
                             probes=MappingProxyType({"state": JsProbe("s.state // as the page says"),
                                                      "seeded": JsProbe("s.seeded\n// set by the init script")}))
    client = await wschaos_browser_client(
        "b0", page_url, ws_rewrite=(UPSTREAM, f"ws://{proxied.listen}"), probe_js=probe_expression(target),
        probe_interval_s=0.05, proxy=proxied.name, init_scripts=("window.seeded = 7 // before the app",))
    await until(lambda: asyncio.sleep(0, result=[e["values"] for e in of_kind(wschaos_journal.events, "probe")
                                                 if (e["values"] or {}).get("state") == "connected"]), scaled(10))
    assert {"state": "connected", "seeded": 7} in [e["values"] for e in of_kind(wschaos_journal.events, "probe")]
    values: dict[str, object] = {"n": 1}
    await Evaluate(js="v.n + window.seeded // eight", into="sum").run(client, values)
    assert values["sum"] == 8
