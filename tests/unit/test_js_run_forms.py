"""The target's JavaScript is checked at load in the form it runs in: what the check accepts,
the page can parse, trailing `// comments` included (V8, the parser Chromium uses)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.drivers.browser_js import probe_script
from harness.jscheck import js_syntax_error
from harness.target import load_target
from harness.targets.ops import EVALUATE_JS
from harness.targets.probes import probe_expression

MINIMAL = """\
name: app
server:
  command: ["{python}", "-m", "app", "--port", "{port.server}"]
  ready: {http: "http://127.0.0.1:{port.server}/"}
page: "http://127.0.0.1:{port.server}/"
websocket: "ws://127.0.0.1:{port.server}/ws"
"""

#: Expressions the check accepts that a one-line form would break: comments, several lines.
EXPRESSIONS = [
    "s.state // the store's state",
    "s.state /* block */",
    "s.count\n  // a note on its own line",
    "`line one\nline two`",
    "(s.a ||\n s.b)",
]

#: How Playwright 1.4x+ runs an init script (`InitScript` in playwright-core's server/page.ts).
PLAYWRIGHT_INIT_WRAPPER = "(() => {{\n      {source}\n    }})();"


def _indented(source: str, spaces: int) -> str:
    """`source` as the body of a YAML block scalar (`|-`)."""
    return "".join(" " * spaces + line + "\n" for line in source.split("\n"))


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_accepted_probe_and_snapshot_parse_as_the_page_runs_them(tmp_path: Path, source: str):
    """A snapshot and a probe the load check accepts parse inside the one expression the page evaluates."""
    assert js_syntax_error(source, "expression") is None
    path = tmp_path / "t.yaml"
    path.write_text(MINIMAL + "snapshot: |-\n" + _indented(source, 2) + "probes:\n  n: s.n\n  state: |-\n"
                    + _indented(source, 4))
    target = load_target(path)
    assert target.snapshot == source and str(target.probes["state"]) == source
    run = probe_expression(target)
    assert run is not None and js_syntax_error(run, "expression") is None
    assert js_syntax_error(probe_script(run, 100), "script") is None


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_accepted_evaluate_op_parses_as_it_runs(source: str):
    """An `evaluate` op's expression parses inside the function the page runs it in."""
    assert js_syntax_error(EVALUATE_JS.format(js=source), "expression") is None


def test_the_one_line_form_was_what_broke():
    """Why the run forms keep newlines: joined on one line, a trailing comment swallows the closing brackets."""
    assert js_syntax_error("(() => (s.state // note))", "expression") == "Unexpected end of input"


@pytest.mark.parametrize("source", ["window.flag = true // on", "localStorage.setItem('a', '1');\n// done",
                                    "function later() { return 1 }\nwindow.later = later"])
def test_accepted_init_scripts_parse_as_playwright_runs_them(source: str):
    """An init script the check accepts parses as a page script and inside Playwright's wrapper."""
    assert js_syntax_error(source, "script") is None
    assert js_syntax_error(PLAYWRIGHT_INIT_WRAPPER.format(source=source), "script") is None


def test_playwright_still_wraps_init_scripts_this_way():
    """The installed Playwright wraps each init script in an arrow function, source on its own line."""
    import playwright

    bundle = Path(playwright.__file__).parent / "driver" / "package" / "lib" / "coreBundle.js"
    text = bundle.read_text(encoding="utf-8")
    assert "this.source = `(() => {\n      ${source" in text


@pytest.mark.parametrize("args", [(None, None), ("ws://app:1/ws", "ws://127.0.0.1:2/ws"), (None, None, None, 7)])
def test_wschaos_own_init_script_parses(args: tuple):
    """wschaos's own init script parses in every configuration (a redeclared `const` once made every page blind)."""
    from harness.drivers.browser_js import init_script

    assert js_syntax_error(PLAYWRIGHT_INIT_WRAPPER.format(source=init_script(*args)), "script") is None


def test_wschaos_own_http_script_parses():
    """The page HTTP hook (route: origin) parses as Playwright runs it."""
    from harness.drivers.page_http_js import http_script

    assert js_syntax_error(PLAYWRIGHT_INIT_WRAPPER.format(source=http_script("http://a:1", "http://b:2")), "script") is None
