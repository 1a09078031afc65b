"""The files `wschaos init` writes: a target for the user's app, two starter scenarios (connect;
drop and reconnect) with comments, and the pytest setting that makes plain `pytest` run them.

Pure text: `Answers` in, file contents out (`target_yaml`, `scenario_yamls`, `pytest_setting`);
`harness.init_cmd` gathers the answers (options, what it finds, prompts) and writes the files.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

PORT = "{port.server}"
PYTHON = "{python}"
SCENARIOS = "scenarios"
SETTING = "wschaos_scenarios"   # the pytest ini option harness.plugin reads


@dataclass(frozen=True)
class Answers:
    """Everything the target needs, placeholders in place."""

    name: str
    page: str
    server: tuple[str, ...]
    cwd: str                       # the server's folder, relative to targets/
    websocket: str
    fixed_port: int | None = None  # the app cannot be told its port: `ports: [{server: N}]`
    found: tuple[str, ...] = ()    # how each answer was found, for the target's comments


def slug(text: str) -> str:
    """A target or scenario name from a folder name: lower-case letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "app"


def _port_re(port: int) -> re.Pattern[str]:
    return re.compile(rf"(?<![0-9]){port}(?![0-9])")


def url_port(url: str) -> int | None:
    """The literal port of a URL (`http://127.0.0.1:8000/` -> 8000), None without one."""
    match = re.match(r"^[a-z]+://(?:\[[^\]]*\]|[^/:?#]*):([0-9]+)", url)
    return int(match.group(1)) if match else None


def with_port(url: str, port: int) -> str:
    """`url` with its literal `port` replaced by `{port.server}`."""
    return re.sub(rf"^([a-z]+://(?:\[[^\]]*\]|[^/:?#]*)):{port}(?![0-9])", rf"\1:{PORT}", url)


def templatize(page: str, server: Sequence[str], websocket: str | None
               ) -> tuple[str, tuple[str, ...], str | None, int | None]:
    """The page, server argv and socket URL with wschaos's port placeholder: `{port}` is short for
    `{port.server}`; a literal page port that also appears in the command becomes the placeholder
    everywhere (the app is told its port); one that does not stays fixed (returned as the 4th item)."""
    page, ws = page.replace("{port}", PORT), (websocket or "").replace("{port}", PORT) or None
    argv = tuple(a.replace("{port}", PORT) for a in server)
    if any(PORT in x for x in (page, ws or "", *argv)):
        return page, argv, ws, None
    port = url_port(page)
    if port is None:
        return page, argv, ws, None
    if any(_port_re(port).search(a) for a in argv):
        ws = with_port(ws, port) if ws else None
        return with_port(page, port), tuple(_port_re(port).sub(PORT, a) for a in argv), ws, None
    return page, argv, ws, port


def interpreter(argv: Sequence[str], executable: str = sys.executable) -> tuple[str, ...]:
    """`python`/`python3` (or this very interpreter) at the head of a command becomes `{python}`,
    the interpreter wschaos runs in: the project's virtualenv when wschaos is installed there."""
    if not argv:
        return tuple(argv)
    head = argv[0]
    bare = re.fullmatch(r"python3?(\.[0-9]+)?", head) is not None
    same = Path(head).is_absolute() and Path(head).exists() and Path(head).resolve() == Path(executable).resolve()
    return (PYTHON, *argv[1:]) if bare or same else tuple(argv)


def websocket_from(page: str, pattern: str) -> str:
    """A socket URL from a path pattern (`/ws`) and the page's address: `ws://host:port/ws`."""
    if "://" in pattern:
        return pattern
    match = re.match(r"^(https?)://([^/?#]+)", page)
    if match is None:
        return pattern
    scheme = "wss" if match.group(1) == "https" else "ws"
    return f"{scheme}://{match.group(2)}/{pattern.lstrip('/')}"


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def target_yaml(a: Answers) -> str:
    """The target file, with a comment on every line a user may need to change."""
    found = "".join(f"#   {line}\n" for line in a.found) or "#   everything was given on the command line\n"
    ports = (f"# The app listens on a port it cannot be told: wschaos checks it is free before each scenario,\n"
             f"# so stop your own copy of the app before a run.\nports: [{{server: {a.fixed_port}}}]\n\n"
             if a.fixed_port is not None else "")
    return f"""\
# Target {a.name}: how wschaos starts your app and which page and socket it watches.
# Written by `wschaos init`; edit freely, then `wschaos validate targets/{a.name}.yaml`.
# Every key is in wschaos's docs/targets.md (probes, ledger, actions, protocol, seeded bugs).
# How init found its answers:
{found}
name: {a.name}
description: {_q(f"{a.name}, set up by wschaos init")}

{ports}server:
  # The command that starts the server: a list, run without a shell. {PORT} is a free port
  # wschaos picks for each scenario; {PYTHON} is the interpreter wschaos runs in.
  command: [{", ".join(_q(x) for x in a.server)}]
  cwd: {_q(a.cwd)}                 # the folder it runs in, relative to this file's folder
  ready: {{http: {_q(a.page)}}}    # polled until it answers 2xx, never a fixed sleep

page: {_q(a.page)}               # what each browser client opens
websocket: {_q(a.websocket)}     # the socket URL the page dials; wschaos routes it through Toxiproxy

# No probes yet: the connection state (connecting, connected, reconnecting, disconnected) is read
# from the page's own socket. To have `expect` and the checks use your app's state, read it:
# probes:
#   state: {{selector: "#status", attribute: "data-state"}}    # or a JS expression
# and if your app has its own words for it, map them to wschaos's:
# states: {{live: connected, retrying: reconnecting}}
"""


_HEADER = """\
# Written by `wschaos init` as a starting point; edit freely. Run it with
#   wschaos run {folder}/        or        pytest
# Steps and checks: wschaos's docs/scenarios.md and docs/checks.md (`wschaos schema` for editors).
"""


def scenario_yamls(a: Answers, folder: str = SCENARIOS) -> dict[str, str]:
    """{file name: text} of the two starter scenarios."""
    head = _HEADER.format(folder=folder)
    connects = f"""{head}name: {a.name}-connects
description: The page loads, its WebSocket connects, and the page throws no error.
target: {a.name}
tags: [starter]
seed: 1
clients: {{browsers: 1}}          # one Chromium page; its socket goes through a Toxiproxy proxy of its own
steps:
  - expect: {{state: connected, within: 10s}}   # waits for the page's socket to open
  - idle: 2s                                  # stays connected a while
  - screenshot: connected                     # shown in the HTML report
checks:
  - no_page_errors                            # no uncaught exception in the page
"""
    drop = f"""{head}name: {a.name}-reconnects-after-drop
description: The network to the server is cut for 5 s; the page notices and reconnects once it is back.
target: {a.name}
tags: [starter]
seed: 1
clients: {{browsers: 1}}
steps:
  - expect: {{state: connected, within: 10s}}
  - down: {{}}                      # Toxiproxy cuts the page's connection and refuses new ones...
    for: 5s                       # ...for 5 s, then lets them through again
  - expect: {{state: reconnecting, within: 5s}}   # the socket closed: the page is disconnected
  - expect: {{state: connected, within: 30s}}     # and its retries get through once the path is back
  - screenshot: reconnected
checks:
  - reconnected: {{within: 30s}}    # every disconnection ended in a reconnect within 30 s
  - no_page_errors
  # When you know your app's retry schedule, judge it too, e.g.:
  # - backoff: {{base: 500ms, cap: 8s, factor: 2, jitter: true, min_attempts: 2}}
"""
    return {f"{a.name}-connects.yaml": connects, f"{a.name}-reconnects-after-drop.yaml": drop}


#: pytest's config files in the order it looks for them, with the section each keeps its options in.
_CONFIGS = (("pytest.ini", "[pytest]"), (".pytest.ini", "[pytest]"), ("pyproject.toml", "[tool.pytest.ini_options]"),
            ("tox.ini", "[pytest]"), ("setup.cfg", "[tool:pytest]"))


def pytest_setting(project: Path, folder: str = SCENARIOS, asyncio: bool = False) -> tuple[Path, str | None]:
    """Where plain `pytest` learns that `folder` holds scenarios: (the config file, its new text,
    or None when it already says so). The file pytest would read is edited in place (lines under
    its section's header); with none, a `pyproject.toml` gets the section, else a `pytest.ini` is
    made. `asyncio` (pytest-asyncio is installed): also set its fixture loop scope to `function`,
    its coming default, which it otherwise warns about on every run."""
    wanted = {SETTING: folder, **({ASYNCIO_SCOPE: "function"} if asyncio else {})}
    for name, header in _CONFIGS:
        path = project / name
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        lines = text.splitlines(keepends=True)
        at = next((i for i, line in enumerate(lines) if line.strip() == header), None)
        if at is None:
            continue
        new = [_line(name, k, v) for k, v in wanted.items() if not re.search(rf"^\s*{k}\s*=", text, re.MULTILINE)]
        if not new:
            return path, None
        lines[at + 1:at + 1] = new
        return path, "".join(lines)
    pyproject = project / "pyproject.toml"
    if pyproject.is_file():
        text = pyproject.read_text(encoding="utf-8")
        sep = "" if text.endswith("\n\n") or not text else ("\n" if text.endswith("\n") else "\n\n")
        body = "".join(_line("pyproject.toml", k, v) for k, v in wanted.items())
        return pyproject, f"{text}{sep}[tool.pytest.ini_options]\n{body}"
    return project / "pytest.ini", "[pytest]\n" + "".join(_line("pytest.ini", k, v) for k, v in wanted.items())


ASYNCIO_SCOPE = "asyncio_default_fixture_loop_scope"
_COMMENTS = {SETTING: "scenario files pytest runs as tests (wschaos)",
             ASYNCIO_SCOPE: "pytest-asyncio's coming default, set so it does not warn"}


def _line(config: str, key: str, value: str) -> str:
    if config != "pyproject.toml":
        return f"{key} = {value}\n"
    shown = f"[{_q(value)}]" if key == SETTING else _q(value)   # TOML: the setting is a list of paths
    return f"{key} = {shown}   # {_COMMENTS[key]}\n"
