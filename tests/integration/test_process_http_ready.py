"""HTTP readiness asks like a browser, and a failed readiness says what it last saw."""

from __future__ import annotations

import sys

import pytest

from harness.drivers.process import ManagedProcess, ReadyProbe
from harness.errors import ProcessError
from harness.journal import Journal
from harness.tools import free_port

PY = sys.executable

#: Answers `/` like a Vite dev server: 200 to a browser (Accept: text/html), 404 otherwise;
#: `always404` answers 404 with a body to everyone.
DEV_SERVER = """
import http.server, sys
mode = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        html = "text/html" in self.headers.get("Accept", "")
        code = 200 if html and mode == "vite" else 404
        body = b"<html>app</html>" if code == 200 else b"Cannot GET /   (no route)"
        self.send_response(code); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
print("listening", flush=True)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


async def test_http_readiness_sends_browser_accept_header(scaled):
    """A dev server that answers 404 unless the request accepts text/html is ready, as it is for a browser."""
    port = free_port()
    async with ManagedProcess("static", [PY, "-c", DEV_SERVER, str(port), "vite"], journal=Journal(),
                              ready=ReadyProbe(http=f"http://127.0.0.1:{port}/"), ready_timeout_s=scaled(10)) as proc:
        assert proc.running


async def test_failed_http_readiness_names_status_and_body():
    """Not ready in time: the error names the last status code and an excerpt of the body."""
    port = free_port()
    proc = ManagedProcess("static", [PY, "-c", DEV_SERVER, str(port), "always404"], journal=Journal(),
                          ready=ReadyProbe(http=f"http://127.0.0.1:{port}/"), ready_timeout_s=1.0)
    with pytest.raises(ProcessError) as info:
        await proc.start()
    assert str(info.value).splitlines()[0] == (
        f"static was not ready after 1s (waiting for HTTP http://127.0.0.1:{port}/); "
        "last answer: HTTP 404: 'Cannot GET / (no route)'")


async def test_failed_http_readiness_names_connection_error():
    """Nothing listening: the error says the last try got no answer, and why."""
    port = free_port()
    proc = ManagedProcess("static", [PY, "-c", "import time; print('up', flush=True); time.sleep(30)"],
                          journal=Journal(), ready=ReadyProbe(http=f"http://127.0.0.1:{port}/"), ready_timeout_s=0.5)
    with pytest.raises(ProcessError) as info:
        await proc.start()
    assert "; last answer: no answer ([Errno 111] Connection refused)" in str(info.value).splitlines()[0]
