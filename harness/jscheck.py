"""Check JavaScript syntax at load time, without running the code.

A scenario or target carries JavaScript that the page evaluates later (`expect: {js: ...}`,
a target's `snapshot`/probes). A typo there used to surface as an app failure minutes into a
run; `js_syntax_error` turns it into a load problem (exit 2, nothing started).

The engine is V8 through `mini-racer`, the same parser Chromium uses, so what passes here
parses in the page. Nothing is executed: the source only goes through `new Function(...)`,
which compiles a function without calling it. An expression is compiled twice, once inside
`( ... )` and once inside `[ ... ]`: a source that escapes one wrapper (`a)(`) cannot also
escape the other, so only a real expression passes both. The wrappers put the source on lines
of its own, and so does every place that runs it (`targets/probes.py`, `targets/ops.py`), so a
trailing `// comment` ends where it would in the page.

A script (a target's `init_scripts` entry) is parsed as a script, where a top-level `return`
is a syntax error: by a direct `eval` that throws before the first statement, so nothing of it
runs, and whose declarations stay inside the checker's own call.
"""

from __future__ import annotations

import atexit
import re
import threading
from dataclasses import dataclass
from typing import Callable, Literal, Protocol, TypeVar

from harness.errors import SetupError

_CHECKER = r"""
function __wschaosScript(__wschaosSource) {
  var __wschaosParsed = {};
  try {
    eval("throw __wschaosParsed;\n" + __wschaosSource);
  } catch (e) {
    return e === __wschaosParsed ? null : String(e && e.message || e);
  }
  return "the script ran to its end, which cannot happen";
}
function __wschaosSyntax(source, kind) {
  if (kind === "script") return __wschaosScript(source);
  const wrappers = kind === "expression" ? ["return (\n", "\n)", "return [\n", "\n]"] : ["", ""];
  try {
    for (let i = 0; i < wrappers.length; i += 2) new Function(wrappers[i] + source + wrappers[i + 1]);
    return null;
  } catch (e) {
    return String(e && e.message || e);
  }
}
"""
#: expression: one expression (`a.b === 1`); function_body: statements that may `return`;
#: script: statements run as a page script (a top-level `return` is refused).
Kind = Literal["expression", "function_body", "script"]
KINDS = ("expression", "function_body", "script")
_MAX_SOURCE_CHARS = 100_000   # longer "JavaScript" in a YAML file is a mistake, not a probe
_PARSE_TIMEOUT_S = 5.0
_MAX_MEMORY_BYTES = 256 * 1024 * 1024



@dataclass(frozen=True)
class JavaScript:
    """Marks a parameter as JavaScript the loader checks: `Annotated[str, JavaScript("expression")]`."""

    kind: Kind = "expression"

    def problem(self, source: str) -> str | None:
        """The load problem of `source` (None when it parses)."""
        error = js_syntax_error(source, self.kind)
        if error is None:
            return None
        what = self.kind.replace("_", " ")
        return f"not a valid JavaScript {what}: {error} (checked with V8, as the page would parse it)"


T = TypeVar("T")
_lock = threading.Lock()


class _Racer(Protocol):
    """What is used of py_mini_racer's `MiniRacer` (an untyped library): calling a global function."""

    def call(self, expr: str, *args: object, timeout_sec: float | None = None) -> object: ...


_racer: _Racer | None = None


def js_syntax_error(source: str, kind: Kind) -> str | None:
    """The V8 syntax error of `source` (e.g. "Unexpected token ')'"), or None if it parses.

    kind "expression": one expression, as `expect: {js: ...}` and `page.evaluate` take it
    (`document.title === 'x'`, `() => 1`). kind "function_body": statements that may
    `return`, as in `new Function(body)`. kind "script": statements as a page script runs
    them (a top-level `return` is "Illegal return statement"). The code is parsed, never run.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}, got {kind!r}")
    if not isinstance(source, str):
        return f"expected JavaScript text, got {type(source).__name__}"
    if len(source) > _MAX_SOURCE_CHARS:
        return f"longer than {_MAX_SOURCE_CHARS:,} characters; keep page code in the app and call it"
    if kind == "expression" and not source.strip():
        return "empty expression"
    result = _off_the_loop(lambda: _parse(source, kind))
    return None if result is None else _ours_is_end(str(result), source)


def _parse(source: str, kind: str) -> object:
    with _lock:
        return _engine().call("__wschaosSyntax", source, kind, timeout_sec=_PARSE_TIMEOUT_S)


def _off_the_loop(fn: Callable[[], T]) -> T:
    """mini-racer refuses a timed call from a thread running an asyncio loop (plans are made
    inside one by the matrix and benchmarks): parse in a short-lived worker thread then."""
    import asyncio
    import concurrent.futures

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="wschaos-jscheck") as pool:
        return pool.submit(fn).result()


def _ours_is_end(message: str, source: str) -> str:
    """V8 names the wrapper's closing bracket when the source stops early (`f(1`); say so."""
    m = re.fullmatch(r"Unexpected token '([)\]}])'", message)
    return "Unexpected end of input" if m and m.group(1) not in source else message


def _engine() -> _Racer:
    """One V8 isolate per process, created on first use and closed at exit (an isolate left
    open keeps its event-loop thread alive and hangs interpreter shutdown)."""
    global _racer
    if _racer is None:
        try:
            from py_mini_racer import MiniRacer
        except ImportError:
            raise SetupError("mini-racer is not installed, so JavaScript cannot be checked: "
                             "run `make setup` or `.venv/bin/pip install mini-racer`") from None
        racer = MiniRacer()
        racer.set_hard_memory_limit(_MAX_MEMORY_BYTES)
        racer.eval(_CHECKER)
        atexit.register(racer.close)
        _racer = racer
    return _racer
