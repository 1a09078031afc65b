"""`wschaos browser-server`: a Playwright browser server in the foreground, stopped by Ctrl-C with
everything it started."""

from __future__ import annotations

import os
import re
import signal

from cli_process import FACTOR, marked_processes, wschaos


def test_browser_server_prints_its_endpoint_and_stops_on_ctrl_c():
    """It prints the ws:// endpoint and the command that uses it; Ctrl-C ends it (exit 130) and
    its `playwright run-server` processes with it."""
    with wschaos("browser-server", "--port", "0") as proc:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        found = re.match(r"browser server: (ws://127\.0\.0\.1:\d+/) \(Playwright [\d.]+, --unsafe\)$", first.strip())
        assert found, first
        second = proc.stdout.readline()
        assert f"run scenarios/ --browser-server {found.group(1)}" in second
        assert any("run-server" in cmd for _, cmd in marked_processes(proc.mark))
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=20 * FACTOR)
        assert proc.returncode == 130, err
        assert "browser server stopped" in err
        assert [c for p, c in marked_processes(proc.mark) if p != proc.pid] == []
