"""`route: origin` on a cross-origin page: its XHR, fetch and EventSource requests to the app's
origin go through the client's proxy, so a `down` (the proxy disabled) cuts them as it cuts the
socket, and relative URLs and other origins are left alone."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from typing import Iterator

import pytest

pytestmark = pytest.mark.e2e

APP_HOST = "127.0.0.1"
PAGE = """<!doctype html><html><body><script>
window.viaFetch = (url) => fetch(url).then((r) => r.text(), (e) => "failed");
window.viaXhr = (url) => new Promise((done) => {
  const xhr = new XMLHttpRequest();
  xhr.open("GET", url);
  xhr.onload = () => done(xhr.responseText);
  xhr.onerror = () => done("failed");
  xhr.send();
});
window.viaSource = (url) => new Promise((done) => {
  const source = new EventSource(url);
  source.onmessage = (ev) => { source.close(); done(ev.data); };
  source.onerror = () => { source.close(); done("failed"); };
});
</script></body></html>"""


class _Api(http.server.BaseHTTPRequestHandler):
    """The app's origin: `pong` to anything, as text or as one server-sent event, CORS open."""

    def do_GET(self) -> None:
        stream = self.path.startswith("/events")
        body = b"data: pong\n\n" if stream else b"pong"
        self.send_response(200)
        self.send_header("access-control-allow-origin", "*")
        self.send_header("content-type", "text/event-stream" if stream else "text/plain")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def _serve(handler: type[http.server.BaseHTTPRequestHandler] | functools.partial) -> Iterator[int]:
    httpd = http.server.ThreadingHTTPServer((APP_HOST, 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd.server_port
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def api_port() -> Iterator[int]:
    yield from _serve(_Api)


@pytest.fixture
def page_url(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "index.html").write_text(PAGE)
    for port in _serve(functools.partial(_Quiet, directory=str(tmp_path))):
        yield f"http://{APP_HOST}:{port}/index.html"


async def test_requests_to_the_app_origin_go_through_the_proxy(wschaos_browser_client, wschaos_proxy,
                                                              api_port, page_url):
    """fetch, XHR and EventSource to the app's origin answer through the proxy, and fail while it is down."""
    app = f"http://{APP_HOST}:{api_port}"
    proxy = await wschaos_proxy("route_b0", f"{APP_HOST}:{api_port}", client="b0")
    client = await wschaos_browser_client("b0", page_url, http_rewrite=(app, f"http://{proxy.listen}"))
    calls = [("viaFetch", "/ping"), ("viaXhr", "/ping?x=1"), ("viaSource", "/events")]
    assert [await client.evaluate(f"{fn}({app + path!r})") for fn, path in calls] == ["pong"] * 3
    await proxy.disable()
    assert [await client.evaluate(f"{fn}({app + path!r})") for fn, path in calls] == ["failed"] * 3
    await proxy.enable()
    assert await client.evaluate(f"viaFetch({app + '/ping'!r})") == "pong"


async def test_other_origins_are_left_alone(wschaos_browser_client, wschaos_proxy, api_port, page_url):
    """A request to an origin that is not the app's (here the page's own) does not go through the proxy."""
    app = f"http://{APP_HOST}:{api_port}"
    proxy = await wschaos_proxy("route_b0", f"{APP_HOST}:{api_port}", client="b0")
    client = await wschaos_browser_client("b0", page_url, http_rewrite=(app, f"http://{proxy.listen}"))
    await proxy.disable()
    assert await client.evaluate("viaFetch('/index.html').then((t) => t.includes('viaFetch'))") is True
