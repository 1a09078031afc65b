"""`wschaos init` learning from a running app: the process on the page's port gives the server
command and folder, the page loaded in Chromium gives the socket; and a server that does not
start is named, with the option that gives the socket instead."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import timeout_s
from harness.cli import main
from harness.tools import free_port
from tiny_app import write_tiny_app

pytestmark = pytest.mark.e2e


@pytest.fixture
def running_app(tmp_path):
    """The tiny app, started by hand on a free port in the project folder (as a developer runs it)."""
    write_tiny_app(tmp_path)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "app.py", str(port)], cwd=tmp_path, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout_s(15)
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline and proc.poll() is None, "the tiny app did not start"
            time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(timeout=10)


def test_init_from_the_running_app(running_app, tmp_path, capsys):
    """Only the page URL given: the command comes from the listening process (its interpreter as
    {python}, its port as {port.server}), the socket from the page, both noted in the output."""
    assert main(["init", str(tmp_path), "--name", "tiny", "--page", f"http://127.0.0.1:{running_app}/",
                 "--no-input"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"found: server: {sys.executable} app.py {running_app} (pid ")
    assert out[0].endswith(f", listening on port {running_app}, in {tmp_path})")
    assert out[1] == f"found: websocket: ws://127.0.0.1:{running_app}/ws (opened by http://127.0.0.1:{running_app}/)"
    target = (tmp_path / "targets" / "tiny.yaml").read_text()
    assert 'command: ["{python}", "app.py", "{port.server}"]' in target
    assert 'websocket: "ws://127.0.0.1:{port.server}/ws"' in target
    assert 'cwd: ".."' in target


def test_init_names_a_server_that_does_not_start(tmp_path, capsys):
    """The trial start fails: exit 2 asking for --websocket and saying why it was not found; nothing written."""
    (tmp_path / "app.py").write_text("import sys\nprint('boom', file=sys.stderr)\nsys.exit(3)\n")
    assert main(["init", str(tmp_path), "--server", "python app.py {port}", "--no-input"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == ["--websocket: not given and not found: the socket URL the page dials, or its path, e.g. "
                   "--websocket /ws (the trial start failed: server exited with code 3 before it was ready)",
                   "1 problem(s); nothing was started."]
    assert not (tmp_path / "targets").exists()
