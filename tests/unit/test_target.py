"""Target files: validated with positions; placeholders, bugs and the probe expression."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import InvalidInput
from harness.stack import probe_expression
from harness.target import fill, find_target, load_target

ROOT = Path(__file__).resolve().parents[2]

MINIMAL = """\
name: chat
server:
  command: ["{python}", "-m", "chat", "--port", "{port.server}"]
  ready: {http: "http://127.0.0.1:{port.server}/"}
page: "http://127.0.0.1:{port.server}/?ws={ws_url}"
websocket: "ws://127.0.0.1:{port.server}/ws"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.yaml"
    path.write_text(text)
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InvalidInput) as info:
        load_target(path)
    return [str(p) for p in info.value.problems]


def test_bundled_kanban_target_loads():
    """targets/kanban.yaml is valid and declares both processes, probes, ledger and bugs."""
    t = load_target(ROOT / "targets" / "kanban.yaml")
    assert (t.name, t.ports, t.time_scale) == ("kanban", ["ws", "web"], 0.1)
    assert t.static is not None and t.ledger is not None and "add_ticket" in t.actions
    assert "no_jitter" in t.bugs.client and "no_rate_limit" in t.bugs.server


def test_minimal_target_loads_with_defaults(tmp_path):
    """Only name, server, page and websocket are required; the rest has defaults."""
    t = load_target(write(tmp_path, MINIMAL))
    assert (t.time_scale, t.ports, t.static, t.ledger, t.actions) == (1.0, ["server"], None, None, {})
    assert t.server.ready.http == "http://127.0.0.1:{port.server}/" and t.root == tmp_path


def test_target_problems_are_located(tmp_path):
    """An unknown placeholder, a bad ready probe and a bad duration are all reported with positions."""
    text = MINIMAL.replace("{port.server}/?ws", "{port.web}/?ws").replace(
        'ready: {http: "http://127.0.0.1:{port.server}/"}', "ready: {}\n  stop_grace: soon")
    got = problems_of(write(tmp_path, text))
    assert got == [
        f"{tmp_path / 't.yaml'}:4:10 server.ready: ready needs exactly one of http, tcp, log",
        f"{tmp_path / 't.yaml'}:5:15 server.stop_grace: expected a duration like 300ms, 15s or 5m, got 'soon'",
    ]


def test_unknown_placeholder_lists_the_allowed_ones(tmp_path):
    """A placeholder for an undeclared port names every placeholder allowed there."""
    got = problems_of(write(tmp_path, MINIMAL.replace("{port.server}/?ws", "{port.web}/?ws")))
    assert got == [f"{tmp_path / 't.yaml'}:5:7 page: unknown placeholder {{port.web}}; allowed here: "
                   "{bugs.client}, {bugs.server}, {client}, {port.server}, {python}, {root}, {run_dir}, {seed}, "
                   "{time_scale}, {ws_url}"]


def test_javascript_in_probes_is_not_taken_for_placeholders(tmp_path):
    """Braces in JS probes (destructuring, object literals) are not placeholders."""
    t = load_target(write(tmp_path, MINIMAL + 'probes:\n  state: "(({state}) => state)(s)"\n'))
    assert t.probes["state"] == "(({state}) => state)(s)"


def test_find_target_by_name_or_path(tmp_path):
    """A name is looked up as <name>.yaml in the search folders; an unknown one lists the known ones."""
    assert find_target("kanban", [ROOT / "targets"]) == ROOT / "targets" / "kanban.yaml"
    with pytest.raises(InvalidInput) as info:
        find_target("nope", [ROOT / "targets"])
    assert str(info.value) == ("nope:1:1 target: no target 'nope'; known targets: kanban "
                               "(or give a path to a target YAML file)")


def test_fill_leaves_unknown_placeholders():
    """fill() replaces known placeholders and leaves the others for a later stage."""
    assert fill("{python} -p {port.ws} {client}", {"python": "py", "port.ws": 5}) == "py -p 5 {client}"


def test_probe_expression_combines_snapshot_and_selector_probes():
    """Probes become one JS expression: snapshot fields and DOM attributes, each guarded."""
    t = load_target(ROOT / "targets" / "kanban.yaml")
    js = probe_expression(t)
    assert js.startswith("(() => { const s = window.kanbanDebug ? window.kanbanDebug.snapshot() : null;")
    assert "'state': (() => { try { return s.state; } catch (e) { return null; } })()" in js
    assert "document.querySelector('[data-testid=connection-status]')" in js
