"""Load-time checks of everything in a target that is interpreted later: placeholders, URLs,
selectors, JavaScript, regexes, names. They read the raw YAML data (not the typed Target), so
they run even where the structural pass found a problem, and every problem is reported at once.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path
from typing import Callable, Iterator, Optional

from harness.events import JSONObject
from harness.scenario.yamlpos import Path_, Positions, Problem, did_you_mean
from harness.targets import checks
from harness.targets.storage_state import storage_state_problem
from harness.targets.placeholders import (ACTION_NAMES, BASE_NAMES, PAGE_NAMES, PLACEHOLDER, PROTOCOL_NAMES,
                                          QUERY_NAMES, SETUP_NAMES, blank, unknown_message, unknown_placeholders)

PORT_NAME = re.compile(r"[a-z0-9_]+")
URLS = {("page",): ("http", "https", "file"), ("websocket",): ("ws", "wss"),
        ("health",): ("http", "https"), ("ledger", "url"): ("http", "https")}


def check_target_data(data: object, pos: Positions, root: Optional[Path] = None) -> list[Problem]:
    """Every problem in the interpreted strings of a target file's raw data; `root`, the target's
    folder, is where the files it names are looked for (not looked for without it)."""
    if not isinstance(data, dict):
        return []
    out: list[Problem] = []
    problem = lambda path, text: out.append(pos.problem(path, text))  # noqa: E731
    base = BASE_NAMES | {f"port.{p}" for p in _port_names(data, problem)}
    _placeholders(data, base, problem)
    allow_remote = data.get("allow_remote") is True
    for path, schemes in URLS.items():
        url = _at(data, path)
        if isinstance(url, str):
            _report(problem, path, checks.url_problem(url, schemes, allow_remote))
    for name in ("server", "static"):
        _process(data.get(name), (name,), problem)
    _probes(data, problem)
    _upstream(data.get("upstream"), allow_remote, problem)
    if "upstream" not in data and isinstance(data.get("websocket"), str):
        _report(problem, ("websocket",), _websocket_port(data["websocket"]))
    _resource_patterns(data.get("resources"), problem)
    if root is not None:
        _resource_files(data.get("resources"), root, problem)
        _storage_state(data.get("storage_state"), root, problem)
        for name in ("server", "static"):
            _cwd(data.get(name), (name, "cwd"), root, problem)
    for i, script in enumerate(data.get("init_scripts") or [] if isinstance(data.get("init_scripts"), list) else []):
        if isinstance(script, str):
            _report(problem, ("init_scripts", i), checks.js_problem(script, "script"))
    _actions(data.get("actions"), base, problem)
    setup = data.get("setup")
    if isinstance(setup, dict):
        _ops(("setup",), setup.get("ops"), set(base | SETUP_NAMES), problem)
    _protocol(data.get("protocol"), problem)
    _workload(data, problem)
    return out


def _report(problem: Callable[[Path_, str], None], path: Path_, text: Optional[str]) -> None:
    if text:
        problem(path, text)


def _at(data: object, path: Path_) -> object:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _strings(value: object, path: Path_) -> Iterator[tuple[Path_, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, path + (i,))


def _port_names(data: JSONObject, problem: Callable[[Path_, str], None]) -> list[str]:
    ports = data.get("ports", ["server"])
    if not isinstance(ports, list):
        return []
    ports = [(next(iter(p)) if isinstance(p, dict) and len(p) == 1 else p) for p in ports]  # {dev: 5173}: fixed
    names = [p for p in ports if isinstance(p, str) and PORT_NAME.fullmatch(p)]
    seen: set[str] = set()
    for i, name in enumerate(ports):
        if not isinstance(name, str):
            continue
        if not PORT_NAME.fullmatch(name):
            problem(("ports", i), f"port name {name!r} cannot be used as {{port.{name}}}: use lower-case letters, digits and _")
        elif name in seen:
            problem(("ports", i), f"port {name!r} is listed twice")
        seen.add(name)
    return names


def _placeholders(data: JSONObject, base: frozenset[str] | set[str], problem: Callable[[Path_, str], None]) -> None:
    """Placeholders filled from the run's values: processes, URLs, the page, the protocol."""
    areas: list[tuple[Path_, set[str]]] = [
        (("server",), set(base)), (("static",), set(base)), (("websocket",), set(base)), (("health",), set(base)),
        (("ledger", "url"), set(base)), (("page",), set(base | PAGE_NAMES)), (("upstream",), set(base)),
        (("storage_state",), set(base)),
        (("protocol", "messages"), set(base | PROTOCOL_NAMES)), (("protocol", "keys"), set(base | PROTOCOL_NAMES)),
        (("protocol", "query"), set(QUERY_NAMES)),
    ]
    for area, allowed in areas:
        for path, text in _strings(_at(data, area), area):
            for name in unknown_placeholders(text, allowed):
                problem(path, unknown_message(name, allowed))


def _process(spec: object, path: Path_, problem: Callable[[Path_, str], None]) -> None:
    if not isinstance(spec, dict):
        return
    env = spec.get("env")
    if isinstance(env, dict):
        for key, value in env.items():
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                problem(path + ("env", key), f"expected a string (environment values are text), got {value!r}")
    ready = spec.get("ready")
    if isinstance(ready, dict):
        if isinstance(ready.get("log"), str):
            _report(problem, path + ("ready", "log"), checks.regex_problem(ready["log"]))
        if isinstance(ready.get("tcp"), str):
            _report(problem, path + ("ready", "tcp"), checks.tcp_problem(ready["tcp"]))
        if isinstance(ready.get("http"), str):
            _report(problem, path + ("ready", "http"), checks.url_problem(ready["http"], ("http", "https"), True))


def _probes(data: JSONObject, problem: Callable[[Path_, str], None]) -> None:
    snapshot = data.get("snapshot")
    if isinstance(snapshot, str):
        _report(problem, ("snapshot",), _js(snapshot))
    probes = data.get("probes")
    if not isinstance(probes, dict):
        return
    for name, probe in probes.items():
        if isinstance(probe, str):
            _report(problem, ("probes", name), _js(probe))
        elif isinstance(probe, dict) and isinstance(probe.get("selector"), str):
            _report(problem, ("probes", name, "selector"), checks.selector_problem(probe["selector"], css_only=True))


def _js(source: str) -> Optional[str]:
    if not source.strip():
        return "the JavaScript expression is empty"
    return checks.js_problem(source, "expression")


def _upstream(upstream: object, allow_remote: bool, problem: Callable[[Path_, str], None]) -> None:
    """`host:port` where the server listens, on a loopback host unless `allow_remote`."""
    if not isinstance(upstream, str):
        return
    text = checks.tcp_problem(upstream)
    if "://" in upstream:
        text = f"expected host:port like 127.0.0.1:{{port.server}} (no scheme or path), got {upstream!r}"
    host = upstream.rpartition(":")[0].strip("[]")
    if text is None and "{" in host:
        text = f"the host in {upstream!r} must be written literally (placeholders go in the port)"
    if text is None and not allow_remote and not checks.is_loopback(blank(host)):
        text = (f"host {host!r} is not loopback (localhost, 127.0.0.0/8, ::1): wschaos sends faults and load to it; "
                "use a local address, or set `allow_remote: true` if you really mean to test that host")
    _report(problem, ("upstream",), text)


def _websocket_port(url: str) -> Optional[str]:
    """Without `upstream`, the proxies' upstream is the websocket URL's host:port: it needs a port."""
    parts = urllib.parse.urlsplit(url)
    if not parts.netloc or ":" in parts.netloc.rpartition("]")[2]:
        return None
    return (f"{url!r} names no port, so the proxies would not know where the server listens: write it "
            f"({parts.scheme}://{parts.netloc}:{{port.server}}/...), or set `upstream:` to the server's host:port")


def _cwd(spec: object, path: Path_, root: Path, problem: Callable[[Path_, str], None]) -> None:
    """A process's working folder must exist (unless it is filled per run, like `{run_dir}`)."""
    cwd = spec.get("cwd") if isinstance(spec, dict) else None
    if not isinstance(cwd, str) or PLACEHOLDER.search(cwd.replace("{root}", "")):
        return
    folder = root / cwd.replace("{root}", str(root))
    if not folder.is_dir():
        what = "is a file" if folder.exists() else "does not exist"
        problem(path, f"the folder {cwd!r} {what} (read as {folder.resolve()}: relative paths start at the "
                      "target's folder); fix the path, or leave `cwd` out to run in the target's folder")


def _storage_state(value: object, root: Path, problem: Callable[[Path_, str], None]) -> None:
    """The storage-state file must be there before anything starts; a path filled per run
    (`{run_dir}`, `{seed}`) can only be read when the page opens."""
    if not isinstance(value, str):
        return
    text = value.replace("{root}", str(root))
    if PLACEHOLDER.search(text):
        return
    _report(problem, ("storage_state",), storage_state_problem(root / text, value))


def _resource_patterns(resources: object, problem: Callable[[Path_, str], None]) -> None:
    """Each pattern is an http(s) URL (any host: a CDN is the point), written as the page asks for it."""
    for pattern in resources if isinstance(resources, dict) else {}:
        parts = urllib.parse.urlsplit(str(pattern))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problem(("resources", pattern), f"expected an http:// or https:// URL as the page requests it (a glob with "
                                            f"* and ** may stand for parts of it), got {pattern!r}")


def _resource_files(resources: object, root: Path, problem: Callable[[Path_, str], None]) -> None:
    """Each file is there before anything starts (every page would fail to load without it)."""
    for pattern, file in resources.items() if isinstance(resources, dict) else ():
        if not isinstance(file, str):
            continue
        found = root / file
        if not found.is_file():
            what = "is a folder" if found.is_dir() else "does not exist"
            problem(("resources", pattern), f"the file {file!r} {what} (read as {found.resolve()}: relative paths start "
                                            "at the target's folder); put the file there or fix the path")


def _actions(actions: object, base: frozenset[str] | set[str], problem: Callable[[Path_, str], None]) -> None:
    """Selectors are well formed; templates use only placeholders known at that op."""
    if not isinstance(actions, dict):
        return
    for name, spec in actions.items():
        if not isinstance(spec, dict):
            continue
        allowed = set(base | ACTION_NAMES)
        _ops(("actions", name), spec.get("ops"), allowed, problem)
        key = spec.get("key")
        if isinstance(key, str):
            for unknown in unknown_placeholders(key, allowed):
                problem(("actions", name, "key"), unknown_message(unknown, allowed))


def _ops(where: Path_, ops: object, allowed: set[str], problem: Callable[[Path_, str], None]) -> None:
    """Each op's selector and value: well formed, placeholders known at that op (`allowed` grows
    with each `read`/`evaluate` that stores a value); an `evaluate` expression parses."""
    for i, op in enumerate(ops if isinstance(ops, list) else []):
        if not isinstance(op, dict) or len(op) != 1:
            continue
        (verb, arg), = op.items()
        path = where + ("ops", i, verb)
        primary = "js" if verb == "evaluate" else "selector"
        fields = arg if isinstance(arg, dict) else {primary: arg}
        def at(key: str, path: Path_ = path, arg: object = arg) -> Path_:
            return path + ((key,) if isinstance(arg, dict) else ())
        for key in ("selector", "value"):
            text = fields.get(key)
            if not isinstance(text, str):
                continue
            for unknown in unknown_placeholders(text, allowed):
                problem(at(key), unknown_message(unknown, allowed))
            if key == "selector":
                _report(problem, at(key), checks.selector_problem(text, css_only=False))
        if verb == "evaluate" and isinstance(fields.get("js"), str):
            _report(problem, at("js"), _js(fields["js"]))
        if verb in ("read", "evaluate") and isinstance(fields.get("as"), str):
            allowed.add(fields["as"])


def _protocol(protocol: object, problem: Callable[[Path_, str], None]) -> None:
    if not isinstance(protocol, dict) or not isinstance(protocol.get("keys"), dict):
        return
    messages: dict[object, object] = protocol["messages"] if isinstance(protocol.get("messages"), dict) else {}
    for name in protocol["keys"]:
        if name not in messages:
            problem(("protocol", "keys", name), f"no message {name!r} in protocol.messages, so this key is never used; "
                                                f"messages: {', '.join(map(str, messages)) or 'none'}")


def _workload(data: JSONObject, problem: Callable[[Path_, str], None]) -> None:
    """Each workload entry names a UI action or a protocol message of this file (one of them, or
    says which with `kind`); `on_created` belongs to actions and needs an action that creates."""
    workload = data.get("workload")
    if not isinstance(workload, dict):
        return
    actions = data["actions"] if isinstance(data.get("actions"), dict) else {}
    protocol = data["protocol"] if isinstance(data.get("protocol"), dict) else {}
    messages = protocol["messages"] if isinstance(protocol.get("messages"), dict) else {}
    creators = [n for n, spec in workload.items() if n in actions and not (isinstance(spec, dict) and spec.get("on_created"))]
    for name, spec in workload.items():
        fields = spec if isinstance(spec, dict) else {}
        kind = fields.get("kind")
        text = _work_problem(str(name), kind, name in actions, name in messages, list(map(str, actions)),
                             list(map(str, messages)))
        if text is None and fields.get("on_created") is True:
            if kind == "message" or name not in actions:
                text = f"on_created runs a UI action on items earlier actions created; {name!r} is a protocol message"
            elif not creators:
                text = (f"on_created runs {name!r} on items earlier actions created on the page, and no action of "
                        "the workload creates any: add one without on_created (like `add_item: 3`)")
        if text:
            problem(("workload", name), text)


def _work_problem(name: str, kind: object, is_action: bool, is_message: bool, actions: list[str],
                  messages: list[str]) -> Optional[str]:
    listed = f"actions: {', '.join(actions) or 'none'}; protocol messages: {', '.join(messages) or 'none'}"
    if kind == "action" and not is_action:
        return f"kind: action, but `actions:` declares no {name!r}{did_you_mean(name, actions)}; {listed}"
    if kind == "message" and not is_message:
        return f"kind: message, but `protocol.messages` declares no {name!r}{did_you_mean(name, messages)}; {listed}"
    if kind is None and is_action and is_message:
        return f"{name!r} is both a UI action and a protocol message: add `kind: action` or `kind: message`"
    if not is_action and not is_message:
        return (f"the workload draws from the target's UI actions and protocol messages, and neither declares "
                f"{name!r}{did_you_mean(name, actions + messages)}; {listed}")
    return None
