"""Target keys for an app as it is: upstream, fixed ports, set-up, scripts, seeded randomness, async probes."""

from __future__ import annotations

import socket
import textwrap

import pytest

from harness.drivers.browser_js import init_script, page_seed
from harness.errors import InvalidInput, SetupError
from harness.target import Evaluate, Fill, Wait, load_target
from harness.targets.ports import check_fixed_ports
from harness.targets.probes import probe_expression

BASE = """\
name: t
server: {command: [x], ready: {tcp: "127.0.0.1:{port.server}"}}
page: "http://localhost:{port.dev}/"
websocket: "ws://localhost:8002/ws"
"""


def target(tmp_path, extra: str):
    path = tmp_path / "t.yaml"
    path.write_text(BASE + textwrap.dedent(extra))
    return load_target(path)


def problems(tmp_path, extra: str) -> list[str]:
    with pytest.raises(InvalidInput) as info:
        target(tmp_path, extra)
    return [f"{p.line}:{p.col} {p.path}: {p.message}" for p in info.value.problems]


def test_upstream_and_fixed_ports_load(tmp_path):
    """`upstream` is where the server listens; `{dev: 5173}` is a fixed port, still `{port.dev}`."""
    t = target(tmp_path, 'upstream: "127.0.0.1:{port.server}"\nports: [server, {dev: 5173}]\n')
    assert t.upstream_address == "127.0.0.1:{port.server}"
    assert t.ports == ("server", "dev") and dict(t.fixed_ports) == {"dev": 5173}


def test_upstream_defaults_to_the_websocket_address(tmp_path):
    """Without `upstream` the proxies go where the page dials."""
    assert target(tmp_path, "ports: [server, dev]\n").upstream_address == "localhost:8002"


def test_bad_upstream_and_ports_are_load_errors(tmp_path):
    """A URL instead of host:port, a remote host and a port out of range, all at once."""
    assert problems(tmp_path, 'upstream: "ws://127.0.0.1:{port.server}/ws"\nports: [server, dev, {x: 70000}]\n') == [
        "5:11 upstream: expected host:port like 127.0.0.1:{port.server} (no scheme or path), got "
        "'ws://127.0.0.1:{port.server}/ws'",
        "6:22 ports[2]: expected a port name like `server` (a free port is picked) or a fixed port like "
        "`{dev: 5173}` (1-65535), got {'x': 70000}",
    ]
    assert problems(tmp_path, 'upstream: "example.com:80"\nports: [server, dev]\n')[0].startswith(
        "5:11 upstream: host 'example.com' is not loopback")


def test_setup_ops_scripts_and_seed_load(tmp_path):
    """setup with wait and evaluate ops, init_scripts and seed_random become typed fields."""
    t = target(tmp_path, """\
        ports: [server, dev]
        setup:
          ops:
            - fill: {selector: "#name", value: "demo-{client}"}
            - evaluate: {js: "fetch('/api').then((r) => r.status)", as: status}
            - wait: "#board"
          attempts: 4
          timeout: 2s
        init_scripts: ["localStorage.setItem('a', '1');"]
        seed_random: true
        """)
    assert t.setup.ops == (Fill("#name", "demo-{client}"), Evaluate(js="fetch('/api').then((r) => r.status)", into="status"),
                           Wait("#board"))
    assert (t.setup.attempts, t.setup.timeout.seconds, t.setup.reuse) == (4, 2.0, True)
    assert t.init_scripts == ("localStorage.setItem('a', '1');",) and t.seed_random


def test_setup_and_script_mistakes_are_listed_at_once(tmp_path):
    """An unknown setup key, a bad placeholder, broken JS in evaluate and in an init script."""
    found = problems(tmp_path, """\
        ports: [server, dev]
        setup:
          ops:
            - fill: {selector: "#name", value: "{title}"}
            - evaluate: "v.title +"
          retries: 2
        init_scripts: ["if (x {"]
        """)
    assert [line.split(": ")[0] for line in found] == [
        "8:40 setup.ops[0].fill.value", "9:17 setup.ops[1].evaluate", "10:3 setup.retries", "11:16 init_scripts[0]"]
    assert "unknown placeholder {title}; allowed here: {bugs.client}" in found[0]


def test_a_busy_fixed_port_stops_the_run_naming_it(tmp_path):
    """Something listening on the fixed port: SetupError with the port, its name and what to do."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        t = target(tmp_path, f"ports: [server, {{dev: {port}}}]\n")
        with pytest.raises(SetupError) as info:
            check_fixed_ports(t)
    assert str(info.value).startswith(f"target 't' needs fixed port(s) {port} ({{port.dev}}), but something is "
                                      "already listening there")
    check_fixed_ports(t)  # free again: no error


def test_probe_expression_awaits_promises_with_a_bound(tmp_path):
    """A snapshot that returns a Promise is awaited; each probe read through the same bound."""
    t = target(tmp_path, """\
        ports: [server, dev]
        snapshot: "import('/src/store.js').then((m) => m.store)"
        probes: {state: "s.state"}
        """)
    js = probe_expression(t, await_ms=250)
    assert js.startswith("(async () => {") and "setTimeout(() => no(new Error('probe timed out')), 250)" in js
    assert "const s = await bound(\nimport('/src/store.js').then((m) => m.store)\n);" in js
    assert '"state": await read(() => (\ns.state\n))' in js


def test_page_seed_differs_per_client_and_replays_per_seed():
    """The page's Math.random seed: the run's seed and the client's name."""
    assert page_seed(1, "b0") == page_seed(1, "b0") != page_seed(1, "b1") != page_seed(2, "b1")
    assert '"random_seed": 7' in init_script(None, None, random_seed=7)
