"""The event tables of docs/journal.md, generated from harness/events.py.

Each table sits between `<!-- events: <section> -->` and `<!-- /events -->`; everything else in
the page is prose and is kept as written. `--write` rewrites the page, `--check` exits 1 when it
is stale (tests/unit/test_events.py runs the same comparison).

    .venv/bin/python scripts/journal_doc.py --write
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
from harness.events import SECTIONS, EventKind, Field, kinds_in  # noqa: E402

DOC = Path(__file__).parents[1] / "docs" / "journal.md"
BLOCK = re.compile(r"(<!-- events: (\w+) -->\n).*?(<!-- /events -->)", re.S)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _type(f: Field) -> str:
    base = f.type.rstrip("?")
    return base + (" or null" if f.nullable else "") + ("" if f.required else ", optional")


def _meaning(f: Field) -> str:
    choices = f" (one of {', '.join(f'`{c}`' for c in f.choices)})" if f.choices else ""
    return _cell(f.doc + choices)


def _rows(kind: EventKind) -> list[str]:
    rows = [f"| `{kind.name}` | | | {_cell(kind.doc)} |"]
    rows += [f"| | `{f.name}` | {_type(f)} | {_meaning(f)} |" for f in kind.fields]
    return rows


def table(section: str) -> str:
    """The markdown table of one section's kinds."""
    lines = ["| kind | field | type | meaning |", "|---|---|---|---|"]
    for kind in kinds_in(section):
        lines += _rows(kind)
    return "\n".join(lines) + "\n"


def render(text: str) -> str:
    """`text` with every generated table replaced by the declaration's."""
    def fill(m: re.Match) -> str:
        if m.group(2) not in SECTIONS:
            raise SystemExit(f"docs/journal.md: unknown events section {m.group(2)!r}; known: {', '.join(SECTIONS)}")
        return m.group(1) + table(m.group(2)) + m.group(3)
    return BLOCK.sub(fill, text)


def main(argv: list[str]) -> int:
    text = DOC.read_text(encoding="utf-8")
    out = render(text)
    missing = [s for s in SECTIONS if f"<!-- events: {s} -->" not in text]
    if missing:
        print(f"docs/journal.md has no table for {', '.join(missing)}", file=sys.stderr)
        return 1
    if "--write" in argv:
        DOC.write_text(out, encoding="utf-8")
        return 0
    if out != text:
        print("docs/journal.md is stale: run .venv/bin/python scripts/journal_doc.py --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
