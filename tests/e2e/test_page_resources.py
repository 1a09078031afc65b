"""A target's `resources`: a page that loads a library from a CDN runs where there is no network,
with the library served from a local file; each request served is journaled."""

from __future__ import annotations

import asyncio
import functools
import http.server
import threading
from pathlib import Path

import pytest

from harness.journal import of_kind

pytestmark = pytest.mark.e2e

CDN = "https://cdn.jsdelivr.net/npm/tinylib@1.0.0/dist/tinylib.min.js"  # no network here: never reached
PAGE = f"""<!doctype html><html><head>
<script src="{CDN}" crossorigin="anonymous"></script></head><body>
<script>window.result = window.tinylib ? window.tinylib.greet("page") : "no library";</script></body></html>"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def page_url(tmp_path: Path):
    """The page on a local static server."""
    (tmp_path / "index.html").write_text(PAGE)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/index.html"
    finally:
        httpd.shutdown()
        httpd.server_close()


async def test_a_cdn_library_is_served_from_the_local_file_the_target_names(
        wschaos_browser_client, wschaos_journal, page_url, tmp_path):
    """The page's <script> from the CDN runs from the local file; `page.resource` records the URL and file."""
    lib = tmp_path / "tinylib.min.js"
    lib.write_text("window.tinylib = {greet: (who) => 'hello ' + who};")
    client = await wschaos_browser_client("b0", page_url, resources=((CDN, str(lib)),))
    assert await client.evaluate("window.result") == "hello page"
    served = list(of_kind(wschaos_journal.events, "page.resource"))
    assert [(e["client"], e["url"], e["file"]) for e in served] == [("b0", CDN, str(lib))]


async def test_without_resources_the_same_page_has_no_library(wschaos_browser_client, page_url):
    """The control: with no network and no local file, the CDN script never loads."""
    client = await wschaos_browser_client("b0", page_url)
    await asyncio.sleep(0)
    assert await client.evaluate("window.result") == "no library"
