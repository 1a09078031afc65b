"""harness.jscheck: JavaScript syntax is checked by V8 without running the code."""

import pytest

from harness.jscheck import js_syntax_error


@pytest.mark.parametrize("source", [
    "document.querySelectorAll('[data-testid=ticket-card]').length >= 15",
    "[...document.querySelectorAll('x')].some(e => /completed/i.test(e.textContent))",
    "(() => { const b = document.querySelector('b'); return !!b; })()",
    "window.kanbanDebug ? window.kanbanDebug.snapshot() : null",
    "() => 1",
    "function () { return 1 }",
    "`${1 + 1}`",
    "a // trailing comment",
])
def test_valid_expressions_pass(source):
    """Expressions the bundled scenarios and targets use parse."""
    assert js_syntax_error(source, "expression") is None


@pytest.mark.parametrize("source, message", [
    ("1 +", "Unexpected end of input"),
    ("document.querySelector('x'", "Unexpected end of input"),
    ("f(1))", "Unexpected token ')'"),
    ("x; y", "Unexpected token ';'"),
    ("throw 1", "Unexpected token 'throw'"),
    ("/* unclosed", "Invalid or unexpected token"),
    ("await x", "Unexpected identifier 'x'"),
])
def test_expression_syntax_errors_are_reported(source, message):
    """A syntax error comes back as V8's own message."""
    assert js_syntax_error(source, "expression") == message


@pytest.mark.parametrize("source", ["a)(", "a](", "1), (2", "x) || (y"])
def test_an_expression_cannot_escape_its_wrapper(source):
    """Text that closes the checker's own brackets is not taken for an expression."""
    assert js_syntax_error(source, "expression") is not None


def test_checking_does_not_run_the_code():
    """An endless loop and a throw only parse: checking returns at once."""
    assert js_syntax_error("(() => { while (true) {} })()", "expression") is None
    assert js_syntax_error("(() => { throw new Error('ran') })()", "expression") is None


def test_function_bodies_may_return():
    """kind function_body takes statements and `return`."""
    assert js_syntax_error("const a = 1; return a + 1;", "function_body") is None
    assert js_syntax_error("return 1; }", "function_body") == "Unexpected token '}'"


def test_a_function_body_cannot_escape_its_function():
    """Closing the function early is refused by V8 itself."""
    assert js_syntax_error("}); sideEffect(); (function() {", "function_body") is not None


def test_empty_and_huge_sources_are_refused():
    """An empty expression and megabytes of text are refused without parsing."""
    assert js_syntax_error("  ", "expression") == "empty expression"
    assert js_syntax_error("1" * 200_000, "expression") == (
        "longer than 100,000 characters; keep page code in the app and call it")


def test_unknown_kind_is_a_programming_error():
    """The kind is checked, not guessed."""
    with pytest.raises(ValueError, match="kind must be one of 'expression', 'function_body', 'script', got 'module'"):
        js_syntax_error("1", "module")  # type: ignore[arg-type]


def test_checks_work_inside_a_running_event_loop():
    """Plans are made inside an asyncio loop by the matrix and benchmarks: the check still answers."""
    import asyncio

    async def inside() -> tuple:
        return js_syntax_error("1 +", "expression"), js_syntax_error("1 + 2", "expression")

    assert asyncio.run(inside()) == ("Unexpected end of input", None)


@pytest.mark.parametrize("source, message", [
    ("return 1", "Illegal return statement"),
    ("if (window.x) { return; }", "Illegal return statement"),
    ("await x", "await is only valid in async functions and the top level bodies of modules"),
    ("}", "Unexpected token '}'"),
])
def test_scripts_are_parsed_as_page_scripts(source, message):
    """kind script refuses a top-level `return` (and what no script may hold), as a page does."""
    assert js_syntax_error(source, "script") == message


@pytest.mark.parametrize("source", [
    "window.x = 1", "function f() { return 1 }\nf()", "var a = 1; let b = 2; const c = 3",
    "window.y = 2 // a trailing comment", "var __wschaosParsed = 3; nothing()",
])
def test_valid_scripts_pass_without_running(source):
    """Statements, functions that return and trailing comments parse; nothing runs, nothing leaks."""
    assert js_syntax_error(source, "script") is None
    assert js_syntax_error("while (true) {}", "script") is None  # parsed, never run: returns at once
    assert js_syntax_error("function f() {}", "script") is None  # declared again: the first did not leak
