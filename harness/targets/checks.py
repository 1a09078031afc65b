"""Load-time checks on the literal strings of a target: URLs, selectors, JavaScript, regexes.

Each function returns a problem text (what is wrong and what to write instead) or None.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from typing import Optional

from harness.jscheck import Kind, js_syntax_error
from harness.targets.placeholders import PLACEHOLDER, blank

#: Selector engines Playwright understands before `=` (`text=Save`, `xpath=//div`); `internal:` ones too.
ENGINES = ("css", "xpath", "text", "id", "data-testid", "data-test-id", "data-test", "nth", "visible", "role", "_react", "_vue")
_ENGINE = re.compile(r"^\s*([a-zA-Z_][\w-]*(?::[\w-]+)*)=")
#: Pseudo-classes only Playwright knows; `document.querySelector` (DOM probes) throws on them.
PLAYWRIGHT_PSEUDO = re.compile(r":(has-text|text|text-is|text-matches|visible|nth-match|left-of|right-of|above|below|near)\b")
_CLOSE = {"(": ")", "[": "]"}


def is_loopback(host: str) -> bool:
    """`localhost`, 127.0.0.0/8 or ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(url: str, schemes: tuple[str, ...], allow_remote: bool) -> Optional[str]:
    """A URL must have one of `schemes` and, unless `allow_remote`, a literal loopback host."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in schemes:
        return f"expected a {' or '.join(s + '://' for s in schemes)} URL, got {url!r}"
    if parts.scheme == "file":
        return None
    host = parts.hostname or ""
    if not host:
        return f"no host in {url!r}: write it like {schemes[0]}://127.0.0.1:{{port.server}}/"
    if PLACEHOLDER.search(host) or "{" in host:
        return f"the host in {url!r} must be written literally (placeholders go in the port, path or query)"
    port = _url_port_problem(parts.netloc)
    if port:
        return f"the port in {url!r} {port}"
    if allow_remote or is_loopback(host):
        return None
    return (f"host {host!r} is not loopback (localhost, 127.0.0.0/8, ::1): wschaos sends faults and load to it; "
            "use a local address, or set `allow_remote: true` if you really mean to test that host")


def selector_problem(selector: str, css_only: bool) -> Optional[str]:
    """Form errors in a selector: empty, unknown engine, unbalanced brackets or quotes;
    with `css_only` (DOM probes, read with `document.querySelector`) also Playwright-only syntax."""
    if not selector.strip():
        return "the selector is empty"
    parts = [selector] if css_only else selector.split(">>")
    if css_only and ">>" in selector:
        return (f"{selector!r} uses Playwright's `>>` chaining, but a DOM probe is read with document.querySelector: "
                "write one CSS selector")
    for part in parts:
        problem = _part_problem(part.strip(), selector, css_only)
        if problem:
            return problem
    return None


def _part_problem(part: str, selector: str, css_only: bool) -> Optional[str]:
    if not part:
        return f"{selector!r} has an empty part around `>>`"
    m = _ENGINE.match(part)
    if m:
        engine = m.group(1)
        if css_only:
            return (f"{selector!r} uses the Playwright engine {engine + '='!r}, but a DOM probe is read with "
                    "document.querySelector: write a CSS selector")
        if engine not in ENGINES and not engine.startswith("internal:"):
            return f"{selector!r}: unknown selector engine {engine!r}; known: {', '.join(ENGINES)} (or write plain CSS)"
        if engine != "css":
            return None  # text, xpath, role, ...: their own syntax
        part = part[m.end():]
    if css_only:
        pseudo = PLAYWRIGHT_PSEUDO.search(part)
        if pseudo:
            return (f"{selector!r} uses {':' + pseudo.group(1)!r}, which only Playwright understands; a DOM probe is "
                    "read with document.querySelector: use plain CSS, or read the value in an action's `read` op")
    return _balance_problem(blank(part), selector)


def _balance_problem(css: str, selector: str) -> Optional[str]:
    stack: list[str] = []
    quote: Optional[str] = None
    escaped = False
    for ch in css:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in _CLOSE:
            stack.append(ch)
        elif ch in ")]":
            if not stack or _CLOSE[stack.pop()] != ch:
                return f"{selector!r} has an unmatched {ch!r}"
    if quote:
        return f"{selector!r} has an unclosed {quote} quote"
    if stack:
        return f"{selector!r} has an unclosed {stack[-1]!r}"
    return None


def regex_problem(pattern: str) -> Optional[str]:
    """A `ready.log` pattern must compile (its placeholders count as plain text)."""
    try:
        re.compile(blank(pattern))
    except re.error as exc:
        return f"not a valid regular expression ({exc}); escape literal characters with \\"
    return None


TCP_EXAMPLE = "127.0.0.1:{port.server} or [::1]:8000"


def tcp_problem(address: str) -> Optional[str]:
    """`host:port`: the host a name, an IPv4 address or an IPv6 address in brackets; the port
    a number from 1 to 65535 or a placeholder."""
    host, sep, port = address.rpartition(":")
    if not sep or not host:
        return f"expected host:port like {TCP_EXAMPLE}, got {address!r}"
    if host.startswith("[") or host.endswith("]"):
        if not (host.startswith("[") and host.endswith("]")) or not _is_ipv6(host[1:-1]):
            return f"{host!r} is not an IPv6 address in brackets; expected host:port like {TCP_EXAMPLE}, got {address!r}"
    elif ":" in host:
        return f"an IPv6 address goes in brackets, like [::1]:8000; got {address!r}"
    elif not re.fullmatch(r"[A-Za-z0-9._-]+", blank(host)):
        return f"the host {host!r} is not a host name or address (letters, digits, '.', '-'); expected host:port like {TCP_EXAMPLE}"
    problem = None if PLACEHOLDER.fullmatch(port) else _port_problem(port)
    return f"the port in {address!r} {problem}" if problem else None


def _port_problem(port: str) -> Optional[str]:
    """What is wrong with a port written as text: digits 0-9 only, from 1 to 65535."""
    if re.fullmatch(r"[0-9]{1,5}", port) and 1 <= int(port) <= 65535:
        return None
    return f"must be a number from 1 to 65535 (or a placeholder like {{port.server}}), got {port!r}"


def _url_port_problem(netloc: str) -> Optional[str]:
    """The port of a URL's `host:port` (placeholders count as a good port), if one is written."""
    host_port = PLACEHOLDER.sub("1", netloc).rpartition("@")[2]
    after_host = host_port.rpartition("]")[2] if host_port.startswith("[") else host_port
    return _port_problem(after_host.rpartition(":")[2]) if ":" in after_host else None


def _is_ipv6(text: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(text), ipaddress.IPv6Address)
    except ValueError:
        return False


#: V8's words for a `return` outside a function, and ours for it in an init script.
ILLEGAL_RETURN = "Illegal return statement"
SCRIPT_RETURN = ("`return` outside a function: an init script runs as a page script, where a top-level `return` "
                 "stops it there (or, without Playwright's wrapper, stops it from running at all); remove the "
                 "`return`, or put the code in a function and call it")


def js_problem(source: str, kind: Kind = "expression") -> Optional[str]:
    """The JavaScript syntax error in `source`, or None (harness.jscheck parses it the way it runs)."""
    error = js_syntax_error(source, kind)
    if error is None:
        return None
    if kind == "script" and error == ILLEGAL_RETURN:
        return SCRIPT_RETURN
    return f"not a valid JavaScript {kind.replace('_', ' ')}: {error}"
