"""tests/spawned.py: a helper process a test started outlives no interrupted test process."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from cli_process import REPO

SCRIPT = """
import sys
sys.path.insert(0, "tests")
from spawned import spawn
proc = spawn(["sleep", "300"])
print(proc.pid, flush=True)
raise KeyboardInterrupt  # Ctrl-C while a fixture is still setting up
"""


def test_a_process_spawned_before_a_ctrl_c_is_ended_at_exit():
    """The interrupted interpreter kills the group of what it spawned and did not end."""
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, capture_output=True, text=True, timeout=30)
    assert "KeyboardInterrupt" in done.stderr
    pid = int(done.stdout.split()[0])
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid), f"sleep (pid {pid}) outlived the interrupted process"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split()[2] != "Z"  # a zombie is dead, its parent (init) reaps it
