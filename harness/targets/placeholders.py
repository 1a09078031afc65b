"""`{name}` placeholders in target strings: which names exist where, and filling them.

Placeholder names are lower-case (`[a-z_]`, optionally `.name`); other braces (`\\d{3}`, JS
object literals) are not placeholders and are left alone.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z0-9_]+)?)\}")

BASE_NAMES = frozenset({"python", "root", "run_dir", "time_scale", "bugs.server", "bugs.client", "seed"})
PAGE_NAMES = frozenset({"ws_url", "client"})
ACTION_NAMES = frozenset({"client", "title"})
SETUP_NAMES = frozenset({"client"})
PROTOCOL_NAMES = frozenset({"client", "id", "n", "title"})
QUERY_NAMES = frozenset({"client"})


def fill(template: str, values: Mapping[str, object]) -> str:
    """Replace `{name}` placeholders; unknown ones are left as they are."""
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)


def unknown_placeholders(text: str, allowed: Iterable[str]) -> list[str]:
    """Placeholder names in `text` that are not in `allowed`, in order of appearance."""
    allowed = set(allowed)
    return [m.group(1) for m in PLACEHOLDER.finditer(text) if m.group(1) not in allowed]


def unknown_message(name: str, allowed: Iterable[str]) -> str:
    """The problem text for one unknown placeholder, listing the allowed ones."""
    return f"unknown placeholder {{{name}}}; allowed here: {', '.join('{' + n + '}' for n in sorted(allowed))}"


def blank(text: str) -> str:
    """`text` with every placeholder replaced by `0`: for checks on the literal rest (a regex, a URL)."""
    return PLACEHOLDER.sub("0", text)
