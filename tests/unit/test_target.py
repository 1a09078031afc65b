"""Target files: typed and frozen, every problem found at load in one pass, with positions."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from harness.errors import InvalidInput
from harness.stack import probe_expression
from harness.target import (Click, DomProbe, Fill, JsProbe, Press, Read, fill, find_target, is_target_file,
                            load_target, validate_target_file)

ROOT = Path(__file__).resolve().parents[2]

MINIMAL = """\
name: chat
server:
  command: ["{python}", "-m", "chat", "--port", "{port.server}"]
  ready: {http: "http://127.0.0.1:{port.server}/"}
page: "http://127.0.0.1:{port.server}/?ws={ws_url}"
websocket: "ws://127.0.0.1:{port.server}/ws"
"""

BASE = "{bugs.client}, {bugs.server}, {port.server}, {python}, {root}, {run_dir}, {seed}, {time_scale}"


def write(tmp_path: Path, text: str, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InvalidInput) as info:
        load_target(path)
    assert [str(p) for p in info.value.problems] == [str(p) for p in validate_target_file(path)]
    return [str(p).replace(str(path), "t.yaml") for p in info.value.problems]


def test_bundled_kanban_target_loads():
    """targets/kanban.yaml is valid and declares both processes, probes, ledger and bugs."""
    t = load_target(ROOT / "targets" / "kanban.yaml")
    assert (t.name, t.ports, t.time_scale) == ("kanban", ("ws", "web"), 0.1)
    assert t.static is not None and t.ledger is not None and "add_ticket" in t.actions
    assert "no_jitter" in t.bugs.client and "no_rate_limit" in t.bugs.server
    assert t.actions["trigger_workflow"].ops[0] == Read(
        selector='[data-testid=ticket-card]:has(:text-is("{title}"))', into="ticket_id", attribute="data-ticket-id")
    assert t.probes["state"] == JsProbe("s.state")
    assert t.probes["indicator"] == DomProbe("[data-testid=connection-status]", "data-state")
    assert validate_target_file(ROOT / "targets" / "kanban.yaml") == []


def test_example_chat_target_loads():
    """examples/chat/targets/chat.yaml is valid: its fill and press ops and protocol are typed."""
    t = load_target(ROOT / "examples" / "chat" / "targets" / "chat.yaml")
    assert t.actions["post_message"].ops == (Fill("#message-input", "{title}"), Press("#message-input", "Enter"))
    assert (t.protocol.ack_type, t.protocol.messages["chat"]) == ("receipt", {"kind": "say", "msgId": "{id}", "text": "{title}"})
    assert t.server.env["CHAT_DB"] == "{run_dir}/chat.sqlite3" and t.ledger.keys == {"say": "msg:{text}"}


def test_the_journal_says_whether_the_seed_replays_the_pages_randomness():
    """`client.open` page_random: seed_random seeds the page, `{seed}` in its URL hands it over, else nothing."""
    from harness.stack import page_random

    found = {path: page_random(load_target(ROOT / path)) for path in (
        "targets/kanban.yaml", "examples/board/targets/board.yaml", "examples/chat/targets/chat.yaml",
        "examples/full-jitter/targets/kanban-full-jitter.yaml")}
    assert found == {"targets/kanban.yaml": "seed_in_url", "examples/board/targets/board.yaml": "seeded",
                     "examples/chat/targets/chat.yaml": "unseeded",
                     "examples/full-jitter/targets/kanban-full-jitter.yaml": "seed_in_url"}


def test_minimal_target_loads_with_defaults(tmp_path):
    """Only name, server, page and websocket are required; the rest has defaults."""
    t = load_target(write(tmp_path, MINIMAL))
    assert (t.time_scale, t.ports, t.static, t.ledger, dict(t.actions)) == (1.0, ("server",), None, None, {})
    assert t.server.ready.http == "http://127.0.0.1:{port.server}/" and t.root == tmp_path
    assert t.file == str(tmp_path / "t.yaml") and t.allow_remote is False


def test_a_loaded_target_cannot_be_changed():
    """The Target, its parts and its collections are read-only after load."""
    t = load_target(ROOT / "targets" / "kanban.yaml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        t.actions["x"] = t.actions["add_ticket"]  # type: ignore[index]
    with pytest.raises(TypeError):
        t.server.env["X"] = "1"  # type: ignore[index]
    assert isinstance(t.server.command, tuple) and isinstance(t.actions["add_ticket"].ops, tuple)


def test_every_problem_of_a_broken_target_is_listed_at_once(tmp_path):
    """A bad key does not hide a bad placeholder, op, URL, selector or probe: all come in one pass, sorted."""
    text = """\
name: chat
server:
  command: ["{python}", "-m", "chat", "--port", "{prot.server}"]
  ready: {log: "listening on ("}
  stop_grace: soon
page: "http://example.com:{port.server}/"
websocket: "ws://127.0.0.1:{port.server}/ws"
probes:
  indicator: {selector: "text=Connected"}
  bad: 5
actions:
  add:
    ops:
      - hover: "#x"
      - click: "[data-testid=add"
      - read: {selector: "#t", as: tid}
    key: "t:{tid}:{ticket}"
protocol:
  messages: {ping: {type: ping, who: "{whom}"}}
colour: blue
"""
    assert problems_of(write(tmp_path, text)) == [
        f"t.yaml:3:49 server.command[4]: unknown placeholder {{prot.server}}; allowed here: {BASE}",
        "t.yaml:4:16 server.ready.log: not a valid regular expression (missing ), unterminated subpattern at position 13); "
        "escape literal characters with \\",
        "t.yaml:5:15 server.stop_grace: expected a duration like 300ms, 15s or 5m, got 'soon'",
        "t.yaml:6:7 page: host 'example.com' is not loopback (localhost, 127.0.0.0/8, ::1): wschaos sends faults and "
        "load to it; use a local address, or set `allow_remote: true` if you really mean to test that host",
        "t.yaml:9:25 probes.indicator.selector: 'text=Connected' uses the Playwright engine 'text=', but a DOM probe "
        "is read with document.querySelector: write a CSS selector",
        "t.yaml:10:8 probes.bad: expected a JS expression (a string) or a DOM probe {selector: ..., attribute: ...}, got 5",
        "t.yaml:14:9 actions.add.ops[0].hover: unknown operation 'hover'; known: click, evaluate, fill, press, read, wait",
        "t.yaml:15:16 actions.add.ops[1].click: '[data-testid=add' has an unclosed '['",
        "t.yaml:17:10 actions.add.key: unknown placeholder {ticket}; allowed here: {bugs.client}, {bugs.server}, "
        "{client}, {port.server}, {python}, {root}, {run_dir}, {seed}, {tid}, {time_scale}, {title}",
        "t.yaml:19:38 protocol.messages.ping.who: unknown placeholder {whom}; allowed here: {bugs.client}, "
        "{bugs.server}, {client}, {id}, {n}, {port.server}, {python}, {root}, {run_dir}, {seed}, {time_scale}, {title}",
        "t.yaml:20:1 colour: unknown key 'colour'; allowed: name, server, page, websocket, description, time_scale, "
        "min_wait, ports, static, snapshot, probes, probe_interval, states, health, ledger, actions, protocol, bugs, allow_remote, "
            "upstream, setup, init_scripts, storage_state, seed_random, resources, route, workload",
    ]


def test_unknown_op_and_bad_op_fields_are_load_errors(tmp_path):
    """An operation is checked by name and fields at load, not when the action first runs."""
    text = MINIMAL + """\
actions:
  post:
    ops:
      - clik: "#send"
      - fill: {selector: "#in"}
      - press: {selector: "#in", key: Enter, delay: 5}
      - read: {selector: "#in"}
      - "#send"
"""
    assert problems_of(write(tmp_path, text)) == [
        "t.yaml:10:9 actions.post.ops[0].clik: unknown operation 'clik' (did you mean 'click'?); known: click, evaluate, fill, press, read, wait",
        "t.yaml:11:15 actions.post.ops[1].fill: missing required key 'value'",
        "t.yaml:12:46 actions.post.ops[2].press.delay: unknown key 'delay'; allowed: selector, key",
        "t.yaml:13:15 actions.post.ops[3].read: missing required key 'as'",
        "t.yaml:14:9 actions.post.ops[4]: expected one operation like `click: \"#add\"` or `fill: {selector: ..., "
        "value: ...}` (click, evaluate, fill, press, read, wait), got '#send'",
    ]


def test_action_placeholders_know_what_read_ops_stored_before_them(tmp_path):
    """A value a `read` op stores is a placeholder only in the ops after it (and in the key)."""
    text = MINIMAL + """\
actions:
  open:
    ops:
      - click: "#card-{card_id}"
      - read: {selector: "#card", as: card_id}
      - click: "#card-{card_id} button"
    key: "open:{client}:{card_id}"
"""
    [problem] = problems_of(write(tmp_path, text))
    assert problem.startswith("t.yaml:10:16 actions.open.ops[0].click: unknown placeholder {card_id}; allowed here: ")


def test_unknown_placeholder_lists_the_allowed_ones(tmp_path):
    """A placeholder for an undeclared port names every placeholder allowed there."""
    got = problems_of(write(tmp_path, MINIMAL.replace("{port.server}/?ws", "{port.web}/?ws")))
    assert got == ["t.yaml:5:7 page: unknown placeholder {port.web}; allowed here: "
                   "{bugs.client}, {bugs.server}, {client}, {port.server}, {python}, {root}, {run_dir}, {seed}, "
                   "{time_scale}, {ws_url}"]


def test_protocol_query_and_keys_are_checked(tmp_path):
    """The query knows only {client}; a key for a message that does not exist is an error."""
    text = MINIMAL + 'protocol:\n  messages: {ping: {type: ping}}\n  keys: {pong: "p:{n}"}\n  query: "c={client}&n={n}"\n'
    assert problems_of(write(tmp_path, text)) == [
        "t.yaml:9:16 protocol.keys.pong: no message 'pong' in protocol.messages, so this key is never used; messages: ping",
        "t.yaml:10:10 protocol.query: unknown placeholder {n}; allowed here: {client}",
    ]


def test_ports_names_ready_forms_and_process_env_are_checked(tmp_path):
    """Port names must be usable as placeholders; ready.tcp is host:port; env values are text."""
    text = MINIMAL.replace("name: chat\n", "name: chat\nports: [server, Web, server]\n") + (
        'static:\n  command: [x]\n  ready: {tcp: "localhost"}\n  env: {A: [1]}\n')
    assert problems_of(write(tmp_path, text)) == [
        "t.yaml:2:17 ports[1]: port name 'Web' cannot be used as {port.Web}: use lower-case letters, digits and _",
        "t.yaml:2:22 ports[2]: port 'server' is listed twice",
        "t.yaml:10:16 static.ready.tcp: expected host:port like 127.0.0.1:{port.server} or [::1]:8000, got 'localhost'",
        "t.yaml:11:12 static.env.A: expected a string (environment values are text), got [1]",
    ]


@pytest.mark.parametrize("url", [
    "ws://127.0.0.1:{port.server}/ws", "ws://localhost:{port.server}/ws", "ws://[::1]:{port.server}/ws",
    "ws://127.3.2.1:80/ws", "wss://LOCALHOST:443/ws",
])
def test_loopback_websocket_urls_are_accepted(tmp_path, url):
    """localhost, 127.0.0.0/8 and ::1 are loopback, whatever the port placeholder."""
    load_target(write(tmp_path, MINIMAL.replace("ws://127.0.0.1:{port.server}/ws", url)))


def test_remote_urls_are_refused_unless_the_target_opts_in(tmp_path):
    """Page, WebSocket, health and ledger URLs must be loopback; `allow_remote: true` lifts that."""
    text = MINIMAL.replace("127.0.0.1", "10.0.0.5") + 'health: "https://app.example/health"\nledger: {url: "http://{root}/l"}\n'
    got = problems_of(write(tmp_path, text))
    assert [p.split(": ")[0] for p in got] == ["t.yaml:5:7 page", "t.yaml:6:12 websocket", "t.yaml:7:9 health", "t.yaml:8:15 ledger.url"]
    assert got[1] == ("t.yaml:6:12 websocket: host '10.0.0.5' is not loopback (localhost, 127.0.0.0/8, ::1): wschaos "
                      "sends faults and load to it; use a local address, or set `allow_remote: true` if you really "
                      "mean to test that host")
    assert got[3] == ("t.yaml:8:15 ledger.url: the host in 'http://{root}/l' must be written literally "
                      "(placeholders go in the port, path or query)")
    remote = write(tmp_path, MINIMAL.replace("127.0.0.1", "10.0.0.5") + "allow_remote: true\n", "r.yaml")
    assert load_target(remote).allow_remote is True


def test_wrong_url_schemes_are_refused(tmp_path):
    """The WebSocket URL is ws:// or wss://; the page http(s):// or file://."""
    got = problems_of(write(tmp_path, MINIMAL.replace('websocket: "ws:', 'websocket: "http:')))
    assert got == ["t.yaml:6:12 websocket: expected a ws:// or wss:// URL, got 'http://127.0.0.1:{port.server}/ws'"]


def test_javascript_in_probes_is_not_taken_for_placeholders(tmp_path):
    """Braces in JS probes (destructuring, object literals) are not placeholders."""
    t = load_target(write(tmp_path, MINIMAL + 'probes:\n  state: "(({state}) => state)(s)"\n'))
    assert t.probes["state"] == JsProbe("(({state}) => state)(s)")


def test_javascript_syntax_errors_are_load_errors(tmp_path):
    """A snapshot or probe that is not a JS expression is refused at load, with where it is."""
    text = MINIMAL + 'snapshot: "window.app.snapshot("\nprobes:\n  state: "s.state ==="\n  ok: "s.ok"\n'
    got = problems_of(write(tmp_path, text))
    assert [p.split(": not a valid JavaScript expression: ")[0] for p in got] == ["t.yaml:7:11 snapshot", "t.yaml:9:10 probes.state"]


def test_javascript_check_calls_jscheck_with_expression_kind(tmp_path, monkeypatch):
    """Each snapshot and probe expression goes to harness.jscheck.js_syntax_error as an `expression`."""
    seen = []

    def fake(source, kind):
        seen.append((source, kind))
        return "Unexpected end of input" if source.endswith("=") else None

    monkeypatch.setattr("harness.targets.checks.js_syntax_error", fake)
    got = problems_of(write(tmp_path, MINIMAL + 'snapshot: "app.s"\nprobes:\n  state: "s.state =="\n'))
    assert got == ["t.yaml:9:10 probes.state: not a valid JavaScript expression: Unexpected end of input"]
    assert seen[:2] == [("app.s", "expression"), ("s.state ==", "expression")]


def test_dom_probe_selectors_must_be_plain_css(tmp_path):
    """A DOM probe is read with document.querySelector, so Playwright-only syntax is refused."""
    text = MINIMAL + 'probes:\n  a: {selector: "#a >> #b"}\n  b: {selector: "li:has-text(\\"x\\")"}\n  c: {selector: "li[data-x=\'1\']"}\n'
    assert problems_of(write(tmp_path, text)) == [
        "t.yaml:8:17 probes.a.selector: '#a >> #b' uses Playwright's `>>` chaining, but a DOM probe is read with "
        "document.querySelector: write one CSS selector",
        "t.yaml:9:17 probes.b.selector: 'li:has-text(\"x\")' uses ':has-text', which only Playwright understands; a DOM "
        "probe is read with document.querySelector: use plain CSS, or read the value in an action's `read` op",
    ]


def test_action_selector_forms(tmp_path):
    """Action selectors may use Playwright engines and `>>`, but not unknown engines or broken brackets."""
    ok = ['text=Save', '#a >> text="b"', 'xpath=//div[@id="x"]', 'internal:role=button', "[data-id='{title}']",
          '[data-testid=ticket-card]:has(:text-is("{title}"))']
    bad = ['tex=Save', '#a >> ', 'li:has(a', "a[title='x]", '']
    text = MINIMAL + "actions:\n  a:\n    ops:\n" + "".join(f"      - click: {s!r}\n" for s in ok + bad)
    assert [p.split(": ", 1)[1] for p in problems_of(write(tmp_path, text))] == [
        "'tex=Save': unknown selector engine 'tex'; known: css, xpath, text, id, data-testid, data-test-id, "
        "data-test, nth, visible, role, _react, _vue (or write plain CSS)",
        "'#a >> ' has an empty part around `>>`",
        "'li:has(a' has an unclosed '('",
        "\"a[title='x]\" has an unclosed ' quote",
        "the selector is empty",
    ]


def test_is_target_file_tells_targets_from_scenarios(tmp_path):
    """A YAML mapping with server/page/websocket and no steps is a target; scenarios and others are not."""
    assert is_target_file(ROOT / "targets" / "kanban.yaml")
    assert is_target_file(ROOT / "examples" / "chat" / "targets" / "chat.yaml")
    assert not is_target_file(next((ROOT / "scenarios").glob("*.yaml")))
    assert not is_target_file(write(tmp_path, "- a list\n", "l.yaml"))
    assert not is_target_file(write(tmp_path, "a: [", "broken.yaml"))
    assert not is_target_file(tmp_path / "missing.yaml")


def test_a_scenario_given_as_a_target_says_so(tmp_path):
    """Loading a scenario as a target gives one problem that says what the file is, not a list of unknown keys."""
    path = write(tmp_path, "name: s\ntarget: kanban\nsteps: [{idle: 1s}]\n")
    assert problems_of(path) == ["t.yaml:3:1 steps: this is a scenario file (it has `steps:`), not a target file: "
                                 "a target has name, server, page and websocket (docs/targets.md)"]


def test_find_target_by_name_or_path(tmp_path):
    """A name is looked up as <name>.yaml in the search folders; a path is taken as it is."""
    assert find_target("kanban", [ROOT / "targets"]) == ROOT / "targets" / "kanban.yaml"
    path = write(tmp_path, MINIMAL, "mine.yaml")
    assert find_target(str(path), [ROOT / "targets"]) == path


def test_unknown_target_lists_only_target_files(tmp_path, monkeypatch):
    """The known targets are real target files, not the scenarios that share a folder with them."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, MINIMAL, "chat.yaml")
    write(tmp_path, "name: s\nsteps: [{idle: 1s}]\n", "scenario.yaml")
    with pytest.raises(InvalidInput) as info:
        find_target("nope", [tmp_path])
    assert str(info.value) == ("nope: no target 'nope': looked for nope.yaml in ./; known targets: chat; "
                               "fix the name, or give a path to a target YAML file")


def test_a_mistyped_target_path_says_what_its_folder_holds(tmp_path, monkeypatch):
    """A path that is not there: no such file, the closest YAML file beside it, or the missing folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app" / "targets").mkdir(parents=True)
    write(tmp_path / "app" / "targets", MINIMAL, "chat.yaml")
    with pytest.raises(InvalidInput) as info:
        find_target("app/targets/chta.yaml", [tmp_path / "targets"])
    assert info.value.problems[0].message == (
        "no target 'app/targets/chta.yaml': no such file (did you mean 'chat.yaml'?); YAML files in app/targets/: "
        "chat.yaml; fix the path, or give a target name (none in targets/)")
    with pytest.raises(InvalidInput) as info:
        find_target("ap/targets/chat.yaml", [tmp_path / "targets"])
    assert info.value.problems[0].message.startswith("no target 'ap/targets/chat.yaml': no such file (no folder "
                                                     "ap/targets/); fix the path")


def test_unknown_target_points_at_the_scenarios_target_key(tmp_path, monkeypatch):
    """With the scenario that asked for it, the problem is at its `target:` value."""
    monkeypatch.chdir(tmp_path)
    scenario = write(tmp_path, "name: s\ntarget:   chta\nsteps: [{idle: 1s}]\n", "s.yaml")
    write(tmp_path, MINIMAL, "chat.yaml")
    with pytest.raises(InvalidInput) as info:
        find_target("chta", [tmp_path], asked_by=scenario)
    [problem] = info.value.problems
    assert (problem.file, problem.line, problem.col, problem.path) == (str(scenario), 2, 11, "target")
    assert problem.message.startswith("no target 'chta': looked for chta.yaml in ./; known targets: chat;")


def test_fill_leaves_unknown_placeholders():
    """fill() replaces known placeholders and leaves the others for a later stage."""
    assert fill("{python} -p {port.ws} {client}", {"python": "py", "port.ws": 5}) == "py -p 5 {client}"


def test_probe_expression_combines_snapshot_and_selector_probes():
    """Probes become one JS expression: snapshot fields and DOM attributes, each guarded."""
    t = load_target(ROOT / "targets" / "kanban.yaml")
    js = probe_expression(t)
    assert "const s = await bound(\nwindow.kanbanDebug ? window.kanbanDebug.snapshot() : null\n);" in js
    assert '"state": await read(() => (\ns.state\n))' in js
    assert 'document.querySelector("[data-testid=connection-status]")' in js
    assert 'el.getAttribute("data-state")' in js
