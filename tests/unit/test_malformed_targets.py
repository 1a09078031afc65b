"""A corpus of malformed target files: each is refused at load (InvalidInput, exit 2) with every
problem at its position and in words that say what is allowed, before anything starts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from harness.errors import InvalidInput
from harness.target import load_target

BASE = """\
name: app
server:
  command: ["{python}", "-m", "app", "--port", "{port.server}"]
  ready: {http: "http://127.0.0.1:{port.server}/"}
page: "http://127.0.0.1:{port.server}/"
websocket: "ws://127.0.0.1:{port.server}/ws"
"""
SAVE_ONE = ("save one with Playwright (`context.storage_state(path=...)`, or `playwright codegen "
            "--save-storage=FILE`), or remove `storage_state`")
PORT = "must be a number from 1 to 65535 (or a placeholder like {port.server})"
SCRIPT_RETURN = ("`return` outside a function: an init script runs as a page script, where a top-level `return` "
                 "stops it there (or, without Playwright's wrapper, stops it from running at all); remove the "
                 "`return`, or put the code in a function and call it")

# (id, the target file's text after BASE (a key given there replaces BASE's), other files next to
# it (None: a folder), expected `line:col message`s; `{dir}` is the file's folder, `{parent}` the one above)
CASES: list[tuple[str, str, dict[str, str | None], list[str]]] = [
    ("storage-state-missing", "storage_state: state.json\n", {}, [
        f"7:16 storage_state: no file 'state.json' (read as {{dir}}/state.json: relative paths start at the "
        f"target's folder): {SAVE_ONE}"]),
    ("storage-state-not-json", "storage_state: state.json\n", {"state.json": "{cookies: []}"}, [
        f"7:16 storage_state: 'state.json' is not JSON (Expecting property name enclosed in double quotes at "
        f"line 1 column 2): {SAVE_ONE}"]),
    ("storage-state-a-folder", "storage_state: saved\n", {"saved": None}, [
        f"7:16 storage_state: 'saved' is a folder (read as {{dir}}/saved: relative paths start at the target's "
        f"folder), not a storage-state JSON file: {SAVE_ONE}"]),
    ("storage-state-not-a-state", "storage_state: state.json\n",
     {"state.json": '{"cookies": [{"name": "sid", "value": 1}]}'}, [
        f"7:16 storage_state: 'state.json' is JSON but not a Playwright storage state: cookies[0] needs text in "
        f"`value`, `domain`, `path`; {SAVE_ONE}"]),
    ("storage-state-origin-without-local-storage", "storage_state: '{root}/state.json'\n",
     {"state.json": '{"origins": [{"origin": "http://127.0.0.1:8000"}]}'}, [
        f"7:16 storage_state: '{{root}}/state.json' is JSON but not a Playwright storage state: origins[0] needs a "
        f"`localStorage` list; {SAVE_ONE}"]),
    ("upstream-port-zero", 'upstream: "127.0.0.1:0"\n', {}, [
        f"7:11 upstream: the port in '127.0.0.1:0' {PORT}, got '0'"]),
    ("upstream-port-99999", 'upstream: "127.0.0.1:99999"\n', {}, [
        f"7:11 upstream: the port in '127.0.0.1:99999' {PORT}, got '99999'"]),
    ("upstream-port-fullwidth-digits", 'upstream: "127.0.0.1:８０００"\n', {}, [
        f"7:11 upstream: the port in '127.0.0.1:８０００' {PORT}, got '８０００'"]),
    ("upstream-ipv6-without-brackets", 'upstream: "::1:8000"\n', {}, [
        "7:11 upstream: an IPv6 address goes in brackets, like [::1]:8000; got '::1:8000'"]),
    ("upstream-bad-brackets", 'upstream: "[localhost]:8000"\n', {}, [
        "7:11 upstream: '[localhost]' is not an IPv6 address in brackets; expected host:port like "
        "127.0.0.1:{port.server} or [::1]:8000, got '[localhost]:8000'"]),
    ("upstream-host-with-a-space", 'upstream: "local host:8000"\n', {}, [
        "7:11 upstream: the host 'local host' is not a host name or address (letters, digits, '.', '-'); expected "
        "host:port like 127.0.0.1:{port.server} or [::1]:8000"]),
    ("ready-tcp-port-out-of-range", 'static:\n  command: [x]\n  ready: {tcp: "127.0.0.1:65536"}\n', {}, [
        f"9:16 static.ready.tcp: the port in '127.0.0.1:65536' {PORT}, got '65536'"]),
    ("url-port-out-of-range", 'health: "http://127.0.0.1:70000/health"\n', {}, [
        f"7:9 health: the port in 'http://127.0.0.1:70000/health' {PORT}, got '70000'"]),
    ("websocket-without-port", "websocket: ws://127.0.0.1/ws\n", {}, [
        "6:12 websocket: 'ws://127.0.0.1/ws' names no port, so the proxies would not know where the server "
        "listens: write it (ws://127.0.0.1:{port.server}/...), or set `upstream:` to the server's host:port"]),
    ("time-scale-zero", "time_scale: 0\n", {}, ["7:13 time_scale: expected a number from 0.001 to 1000, got 0"]),
    ("time-scale-negative", "time_scale: -1\n", {}, ["7:13 time_scale: expected a number from 0.001 to 1000, got -1"]),
    ("time-scale-nan", "time_scale: .nan\n", {}, ["7:13 time_scale: expected a number from 0.001 to 1000, got nan"]),
    ("time-scale-inf", "time_scale: .inf\n", {}, ["7:13 time_scale: expected a number from 0.001 to 1000, got inf"]),
    ("probe-interval-zero", "probe_interval: 0ms\n", {}, [
        "7:17 probe_interval: expected a duration from 10ms to 10s, got '0ms'"]),
    ("init-script-return", 'init_scripts: ["window.a = 1", "return window.a"]\n', {}, [
        f"7:32 init_scripts[1]: {SCRIPT_RETURN}"]),
    ("init-script-return-in-a-block", "init_scripts:\n  - |\n    if (window.done) {\n      return;\n    }\n", {}, [
        f"8:5 init_scripts[0]: {SCRIPT_RETURN}"]),
    ("init-script-syntax-error", 'init_scripts: ["window.a = ("]\n', {}, [
        "7:16 init_scripts[0]: not a valid JavaScript script: Unexpected end of input"]),
    ("init-scripts-not-a-list", "init_scripts: window.a = 1\n", {}, [
        "7:15 init_scripts: expected a list like [a, b], got 'window.a = 1'"]),
    ("evaluate-syntax-error", "actions:\n  go:\n    ops:\n      - evaluate: \"v.title +\"\n", {}, [
        "10:19 actions.go.ops[0].evaluate: not a valid JavaScript expression: Unexpected end of input"]),
    ("command-as-a-shell-line", "static:\n  command: node serve.js --port 8000\n  ready: {tcp: \"127.0.0.1:8000\"}\n", {}, [
        "8:12 static.command: expected the command as a list of its words (no shell runs it), like "
        "[node, serve.js, --port, 8000]; got 'node serve.js --port 8000'"]),
    ("cwd-missing", "static:\n  command: [x]\n  cwd: ../app\n  ready: {tcp: \"127.0.0.1:8000\"}\n", {}, [
        "9:8 static.cwd: the folder '../app' does not exist (read as {parent}/app: relative paths start at the "
        "target's folder); fix the path, or leave `cwd` out to run in the target's folder"]),
    ("cwd-a-file", "static:\n  command: [x]\n  cwd: notes.txt\n  ready: {tcp: \"127.0.0.1:8000\"}\n",
     {"notes.txt": "x"}, [
        "9:8 static.cwd: the folder 'notes.txt' is a file (read as {dir}/notes.txt: relative paths start at the "
        "target's folder); fix the path, or leave `cwd` out to run in the target's folder"]),
    ("bug-names-not-a-list", "bugs: {server: legacy}\n", {}, ["7:16 bugs.server: expected a list like [a, b], got 'legacy'"]),
    ("states-word-maps-to-no-state", "states: {live: conected, retrying: reconnecting}\n", {}, [
        "7:16 states.live: 'conected' is not a wschaos state (did you mean 'connected'?); the states: connecting, "
        "connected, reconnecting, disconnected, offline, failed, closed"]),
    ("replies-names-no-message", "protocol:\n  messages: {ping: {type: ping}}\n  replies: {pnig: pong}\n", {}, [
        "9:19 protocol.replies.pnig: `replies` names message 'pnig', which `messages` does not declare "
        "(did you mean 'ping'?); its messages: ping"]),
    ("resource-file-missing", 'resources: {"https://cdn.example.com/lib.js": vendor/lib.js}\n', {}, [
        "7:47 resources.https://cdn.example.com/lib.js: the file 'vendor/lib.js' does not exist (read as "
        "{dir}/vendor/lib.js: relative paths start at the target's folder); put the file there or fix the path"]),
    ("resource-file-a-folder", 'resources: {"https://cdn.example.com/lib.js": vendor}\n', {"vendor": None}, [
        "7:47 resources.https://cdn.example.com/lib.js: the file 'vendor' is a folder (read as {dir}/vendor: "
        "relative paths start at the target's folder); put the file there or fix the path"]),
    ("resource-pattern-not-a-url", 'resources: {"cdn.example.com/lib.js": lib.js}\n', {"lib.js": "x"}, [
        "7:39 resources.cdn.example.com/lib.js: expected an http:// or https:// URL as the page requests it (a glob "
        "with * and ** may stand for parts of it), got 'cdn.example.com/lib.js'"]),
    ("protocol-client-unknown", "protocol: {client: sio}\n", {}, [
        "7:20 protocol.client: expected one of 'websocket', 'socketio', got 'sio'"]),
    ("route-unknown", "route: all\n", {}, ["7:8 route: expected one of 'auto', 'origin', 'websocket', got 'all'"]),
    ("resources-not-a-mapping", "resources: [lib.js]\n", {}, [
        "7:12 resources: expected a mapping of URL pattern -> local file, like "
        "{\"https://cdn.example.com/lib.min.js\": vendor/lib.min.js}, got ['lib.js']"]),
]

def _write(folder: Path, cid: str, text: str, files: dict[str, str | None]) -> Path:
    for name, content in files.items():
        if content is None:
            (folder / name).mkdir()
        else:
            (folder / name).write_text(content)
    path = folder / f"{cid}.yaml"
    key = text.partition(":")[0] + ":"
    lines = BASE.splitlines(keepends=True)
    given = any(line.startswith(key) for line in lines)
    path.write_text("".join(text if line.startswith(key) else line for line in lines) if given else BASE + text)
    return path


@pytest.mark.parametrize("cid, text, files, expected", CASES, ids=[c[0] for c in CASES])
def test_malformed_target_is_refused_with_every_problem_located(tmp_path, cid, text, files, expected):
    """load_target raises InvalidInput listing exactly the expected problems, file:line:col first
    (and never hangs: the bound only catches a runaway; bench/refusals.py measures the speed)."""
    path = _write(tmp_path, cid, text, files)
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as info:
        load_target(path)
    elapsed = time.perf_counter() - started
    assert [str(p) for p in info.value.problems] == [
        f"{path}:{e}".replace("{dir}", str(tmp_path)).replace("{parent}", str(tmp_path.parent)) for e in expected]
    assert elapsed < 30


@pytest.mark.parametrize("extra", [
    'upstream: "[::1]:8000"', 'upstream: "[::1]:{port.server}"', 'upstream: "localhost:65535"',
    "time_scale: 0.001", "time_scale: 1000", "probe_interval: 10ms",
    'init_scripts: ["function later() { return 1 }\\nwindow.later = later // kept"]',
    'snapshot: "window.app // the store"\nprobes: {state: "s.state // its state"}',
    "storage_state: '{run_dir}/state.json'",  # filled per run: read when the page opens
])
def test_good_values_next_to_the_refused_ones_load(tmp_path, extra):
    """IPv6 in brackets, the ends of each range, trailing comments and per-run paths are accepted."""
    path = tmp_path / "t.yaml"
    path.write_text(BASE + extra + "\n")
    load_target(path)


def test_resources_load_with_their_files(tmp_path):
    """`resources` maps URL patterns (exact or glob) to files that exist, relative to the target's folder."""
    (tmp_path / "lib.js").write_text("window.lib = 1;")
    path = tmp_path / "t.yaml"
    path.write_text(BASE + 'resources: {"https://cdn.example.com/**/lib.js": lib.js}\n')
    assert dict(load_target(path).resources) == {"https://cdn.example.com/**/lib.js": "lib.js"}


def test_a_saved_storage_state_loads(tmp_path):
    """A storage state as Playwright saves it (cookies and origins) is accepted."""
    (tmp_path / "state.json").write_text(
        '{"cookies": [{"name": "sid", "value": "1", "domain": "127.0.0.1", "path": "/", "expires": -1,'
        ' "httpOnly": false, "secure": false, "sameSite": "Lax"}],'
        ' "origins": [{"origin": "http://127.0.0.1:8000", "localStorage": [{"name": "k", "value": "v"}]}]}')
    path = tmp_path / "t.yaml"
    path.write_text(BASE + "storage_state: state.json\n")
    assert load_target(path).storage_state == "state.json"
