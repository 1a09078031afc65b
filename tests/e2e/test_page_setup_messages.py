"""A failed page set-up try says what it was waiting for (op, selector or expression, condition,
page), never Playwright's bare "Timeout 1000ms exceeded": real Chromium on a tiny page."""

from __future__ import annotations

import functools
import http.server
import threading
import time
from pathlib import Path

import pytest

from harness.drivers.page_setup import PageSetup
from harness.errors import StepFailed
from harness.journal import of_kind
from harness.targets.model import Setup
from harness.targets.ops import Click, Evaluate, Fill, Wait
from harness.units import Duration

pytestmark = pytest.mark.e2e

PAGE = """<!doctype html><html><body><h1>project</h1><input id="name">
<button id="hidden" style="display:none">create</button></body></html>"""


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the page; with `stall_after` set, every request after that many hangs 5 s (a reload that never loads)."""

    stall_after: int | None = None
    served = 0

    def do_GET(self) -> None:
        type(self).served += 1
        if self.stall_after is not None and type(self).served > self.stall_after:
            time.sleep(5)
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


def serve(tmp_path: Path, stall_after: int | None = None):
    (tmp_path / "index.html").write_text(PAGE)
    handler = type("Handler", (_Handler,), {"stall_after": stall_after, "served": 0})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(tmp_path)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_port}/index.html"


@pytest.fixture
def page_url(tmp_path: Path):
    httpd, url = serve(tmp_path)
    yield url
    httpd.shutdown()
    httpd.server_close()


async def failed_setup(wschaos_browser_client, wschaos_journal, url: str, *ops, attempts: int = 1,
                       **client_kwargs) -> tuple[str, list[str]]:
    """Open b0 with a set-up of `ops` (1 s each) that fails: the error and each try's journaled error."""
    setup = PageSetup(Setup(ops=tuple(ops), attempts=attempts, timeout=Duration(1.0), reuse=False), wschaos_journal, {})
    with pytest.raises(StepFailed) as failed:
        await wschaos_browser_client("b0", url, setup=setup, **client_kwargs)
    tries = [e["error"] for e in of_kind(wschaos_journal.events, "client.setup")]
    return str(failed.value), tries


async def test_a_wait_that_matches_nothing_names_the_selector_condition_and_page(
        wschaos_browser_client, wschaos_journal, page_url):
    """`wait: '#board'` on a page without it: what it waited for, that nothing matched, and where."""
    error, tries = await failed_setup(wschaos_browser_client, wschaos_journal, page_url, Wait("#board"))
    assert tries == [f"wait '#board': waited 1s for a visible match; nothing matched on {page_url}"]
    assert error == (f"set-up of b0 failed once; last: wait '#board': waited 1s for a visible match; nothing "
                     f"matched on {page_url}; check the target's `setup:` (a longer `timeout`, more `attempts`, "
                     "or the selectors)")


async def test_a_click_on_a_hidden_button_says_it_matched_but_never_became_clickable(
        wschaos_browser_client, wschaos_journal, page_url):
    """The button exists but is hidden: one element matched, never visible, stable, enabled and uncovered."""
    _, tries = await failed_setup(wschaos_browser_client, wschaos_journal, page_url,
                                  Fill("#name", "demo"), Click("#hidden"))
    assert tries == [f"click '#hidden': waited 1s for a match that is visible, stable, enabled and not covered "
                     f"by another element; 1 element matched but never became so, on {page_url}"]


async def test_an_evaluate_that_never_settles_is_bounded_and_says_so(
        wschaos_browser_client, wschaos_journal, page_url):
    """A Promise that never settles (Playwright sets no timeout on evaluate) ends the try after 1 s + grace."""
    started = time.monotonic()
    _, tries = await failed_setup(wschaos_browser_client, wschaos_journal, page_url,
                                  Evaluate(js="new Promise(() => {})"))
    assert tries == [f"evaluate 'new Promise(() => {{}})': waited 1s for its value (a Promise to settle); "
                     f"it never settled, on {page_url}"]
    assert time.monotonic() - started < 10


async def test_a_reload_that_never_loads_names_the_page_and_the_try(wschaos_browser_client, wschaos_journal, tmp_path):
    """The page loads once, then stalls: the second try's reload says what it waited for."""
    httpd, url = serve(tmp_path, stall_after=1)
    try:
        _, tries = await failed_setup(wschaos_browser_client, wschaos_journal, url, Wait("#board"),
                                      attempts=2, nav_timeout_s=1.5)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert tries == [f"wait '#board': waited 1s for a visible match; nothing matched on {url}",
                     f"reloading {url} for try 2: waited 1.5s for the page to load; it did not"]
