"""An app with its own words for its connection state passes the starter drop-and-reconnect
scenario (the one `wschaos init` writes) through the target's `states:` key alone, and without
the key the failure says which key to add."""

from __future__ import annotations

import shutil
from pathlib import Path

from cli_process import run_cli

from harness.scaffold import Answers, scenario_yamls

APP = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "own-words"


def project(tmp_path: Path, vocabulary: bool) -> Path:
    """The app, its target (with or without `states:`) and the starter drop scenario."""
    for name in ("app.py", "own-words.yaml"):
        shutil.copy(APP / name, tmp_path / name)
    target = tmp_path / "own-words.yaml"
    if not vocabulary:
        target.write_text("\n".join(line for line in target.read_text().splitlines() if not line.startswith("states:")))
    answers = Answers("own-words", "http://127.0.0.1:{port.server}/", ("{python}", "app.py", "{port.server}"), ".",
                      "ws://127.0.0.1:{port.server}/ws")
    drop = scenario_yamls(answers)["own-words-reconnects-after-drop.yaml"].replace("target: own-words", f"target: {target}")
    (tmp_path / "drop.yaml").write_text(drop)
    return tmp_path / "drop.yaml"


def test_the_apps_own_words_pass_through_the_vocabulary(tmp_path):
    """`live`/`retrying` mapped under `states:`: the starter drop-and-reconnect scenario passes."""
    result = run_cli("run", str(project(tmp_path, vocabulary=True)), "--report", str(tmp_path / "r"), "--quiet",
                     timeout=120)
    assert result.returncode == 0, result.stderr


def test_without_the_vocabulary_the_failure_names_the_key(tmp_path):
    """The same scenario without `states:` fails on its first expect, saying which words to map and where."""
    result = run_cli("run", str(project(tmp_path, vocabulary=False)), "--report", str(tmp_path / "r"), "--quiet",
                     timeout=120)
    assert result.returncode == 1, result.stderr
    assert "observed b0: state live" in result.stderr
    assert ("'live' is not a wschaos state (connecting, connected, reconnecting, disconnected, offline, failed, "
            "closed): map the app's words under `states:` in the target, e.g. `states: {live: connected}`") in result.stderr
