"""YAML loading that remembers where every value came from (line and column), within limits.

`load_with_positions(text)` returns plain Python data plus a map from document path
(a tuple of keys and indexes) to its 1-based (line, column), so every validation error can
point at `file:line:col`.

A scenario is a small hand-written file, so the loader refuses what no scenario needs and
what would cost minutes or gigabytes to read: files over `MAX_FILE_BYTES`, nesting deeper
than `MAX_DEPTH`, aliases that expand the document past `MAX_VALUES` values (the "billion
laughs"), alias cycles. Each refusal is a `Refused` (a `yaml.YAMLError`, so every caller that
already reports YAML errors reports it too) with the position of the offending node.
Duplicate keys, keys that are lists or mappings, and values YAML cannot represent (a
5,000-digit number) are collected as problems instead, so they come out with all the others.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import yaml

Path_ = tuple[object, ...]  # a document path: ("steps", 3, "latency", "jitter")

MAX_FILE_BYTES = 1024 * 1024   # the largest bundled scenario is ~2 KB
MAX_DEPTH = 100                # nested lists/mappings, aliases counted as expanded
MAX_VALUES = 100_000           # values in the document once every alias is expanded
MAX_SHOWN = 80                 # characters of a bad value quoted in a message
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as possible."""

    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}" if self.line > 0 else f"{self.file}:"
        return f"{where} {self.path}: {self.message}" if self.path else f"{where} {self.message}"


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """`repr(value)` cut to `limit` characters with '…', so a 5 MB value is not echoed whole."""
    if isinstance(value, (str, bytes)):
        text = repr(value[: limit + 2])
    elif isinstance(value, (list, tuple, dict)):
        text = _shown_container(value, limit)
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def did_you_mean(word: object, known: Iterable[str]) -> str:
    """' (did you mean 'latency'?)' for the closest known word, or '' when none is close."""
    close = difflib.get_close_matches(str(word), list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown_key(key: object, known: list[str]) -> str:
    """The one message for a key nobody declared: the closest known key, then all of them."""
    return f"unknown key {shown(key)}{did_you_mean(key, known)}; allowed: {', '.join(known) or 'none'}"


def _shown_container(value: list[object] | tuple[object, ...] | dict[object, object], limit: int) -> str:
    """repr of the first items only: a big list is never rendered in full."""
    if isinstance(value, dict):
        return repr(dict(list(value.items())[:limit]))
    head = list(value)[:limit]
    return repr(tuple(head) if isinstance(value, tuple) else head)


def format_path(path: Path_) -> str:
    """("steps", 3, "latency") -> 'steps[3].latency'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Positions:
    """Document path -> (line, col); unknown paths fall back to their nearest parent."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._at: dict[Path_, tuple[int, int]] = {}
        self._key_at: dict[Path_, tuple[int, int]] = {}

    def set(self, path: Path_, node: yaml.Node) -> None:
        self._at[path] = (node.start_mark.line + 1, node.start_mark.column + 1)

    def set_key(self, path: Path_, node: yaml.Node) -> None:
        self._key_at[path] = (node.start_mark.line + 1, node.start_mark.column + 1)

    def of(self, path: Path_, key: bool = False) -> tuple[int, int]:
        if key and path in self._key_at:
            return self._key_at[path]
        p = tuple(path)
        while p not in self._at and p:
            p = p[:-1]
        return self._at.get(p, (1, 1))

    def problem(self, path: Path_, message: str, key: bool = False) -> Problem:
        line, col = self.of(path, key)
        return Problem(self.file, line, col, format_path(path), message)


class Refused(yaml.MarkedYAMLError):
    """The document is refused before it is read whole: too big, too deep, too many aliases."""

    def __init__(self, message: str, mark: object) -> None:
        super().__init__(problem=message, problem_mark=mark)  # type: ignore[arg-type]  # any object with line, column and __str__


@dataclass(frozen=True)
class _Mark:
    line: int    # 0-based, like yaml.Mark
    column: int

    def __str__(self) -> str:
        return f'  in "<file>", line {self.line + 1}, column {self.column + 1}'


def read_text(path: str | Path) -> str:
    """A YAML file's text: raise `Refused` (with a position) when it is too large or not UTF-8;
    `OSError` when it cannot be read."""
    data = Path(path).read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise Refused(f"the file is {len(data):,} bytes; a scenario or target file is at most "
                      f"{MAX_FILE_BYTES:,} bytes: split it, or keep data in the app", _Mark(0, 0))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start)
        col = len(data[start:exc.start].decode("utf-8", errors="replace"))
        raise Refused(f"not UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded; save the file as "
                      f"UTF-8", _Mark(line, col)) from None


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader's composer, refusing deep nesting and alias expansion past the limits while
    it composes (so a billion-laughs document stops after MAX_VALUES values, not 2 GB later)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0
        self._values = 0
        self._open: set[str] = set()
        self._measured: dict[int, tuple[int, int]] = {}   # id(node) -> (values, depth)

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in types-PyYAML
        if isinstance(event, yaml.AliasEvent):
            self._count_alias(event)
            return super().compose_node(parent, index)
        if self._depth >= MAX_DEPTH:
            raise Refused(f"nested deeper than {MAX_DEPTH} levels; a scenario needs far fewer: "
                          f"flatten it", event.start_mark)
        self._add(1, event.start_mark)
        anchor = getattr(event, "anchor", None)
        self._depth += 1
        if anchor:
            self._open.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            self._open.discard(anchor)

    def _count_alias(self, event: yaml.AliasEvent) -> None:
        name = event.anchor
        if name in self._open:
            raise Refused(f"alias *{name} is used inside its own anchor &{name}; YAML cycles are "
                          f"not allowed", event.start_mark)
        node = self.anchors.get(name)
        if node is None:
            return  # the composer reports the undefined alias
        values, depth = self._measure(node)
        if self._depth + depth > MAX_DEPTH:
            raise Refused(f"alias *{name} nests the document deeper than {MAX_DEPTH} levels; "
                          f"write the values out", event.start_mark)
        self._add(values, event.start_mark, alias=name)

    def _add(self, values: int, mark: object, alias: str | None = None) -> None:
        self._values += values
        if self._values > MAX_VALUES:
            what = f"alias *{alias} expands" if alias else "this value takes"
            raise Refused(f"{what} the document past {MAX_VALUES:,} values (aliases are counted "
                          f"as written out); a scenario needs far fewer: use fewer aliases", mark)

    def _measure(self, node: yaml.Node) -> tuple[int, int]:
        """(values, depth) of a complete node with its aliases expanded; memoised."""
        known = self._measured.get(id(node))
        if known is not None:
            return known
        values, depth = 1, 1
        if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)):
            children = node.value if isinstance(node, yaml.SequenceNode) else [n for kv in node.value for n in kv]
            for child in children:
                v, d = self._measure(child)
                values, depth = values + v, max(depth, d + 1)
        self._measured[id(node)] = (values, depth)
        return values, depth


def load_with_positions(text: str, file: str, problems: list[Problem] | None = None) -> tuple[object, Positions]:
    """Parse YAML text; raise `yaml.YAMLError` (with its mark) when it is not YAML at all or is
    refused (see the module docstring). Duplicate keys and unreadable keys or values go to
    `problems` when given (the value is dropped, the rest is read); without it the first one
    is raised as `Refused`."""
    positions = Positions(file)
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, positions
        found: list[Problem] = []
        data = _Builder(loader, positions, found).build(node, ())
        data = None if data is _UNREADABLE else data
    finally:
        loader.dispose()
    if problems is not None:
        problems += found
    elif found:
        raise Refused(found[0].message, _Mark(found[0].line - 1, found[0].col - 1))
    return data, positions


@dataclass
class _Builder:
    loader: yaml.SafeLoader
    positions: Positions
    problems: list[Problem]

    def build(self, node: yaml.Node, path: Path_) -> object:
        self.positions.set(path, node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            items = [self.build(n, path + (i,)) for i, n in enumerate(node.value)]
            return [None if v is _UNREADABLE else v for v in items]
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[object, object]:
        out: dict[object, object] = {}
        first_at: dict[object, int] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node, path)
            if key is _UNREADABLE:
                continue
            if key in out:
                self._problem(key_node, path + (key,), f"duplicate key {shown(key)} (first at line "
                              f"{first_at[key]}); YAML would keep only the last: remove one")
                continue
            first_at[key] = key_node.start_mark.line + 1
            self.positions.set_key(path + (key,), key_node)
            value = self.build(value_node, path + (key,))
            if value is not _UNREADABLE:
                out[key] = value
        return out

    def _key(self, key_node: yaml.Node, path: Path_) -> object:
        if key_node.tag == _MERGE_TAG:
            self._problem(key_node, path, "YAML merge keys (<<) are not supported; write the keys out")
            return _UNREADABLE
        if not isinstance(key_node, yaml.ScalarNode):
            self._problem(key_node, path, "a key must be a plain word like `name`, not a list or mapping")
            return _UNREADABLE
        return self._scalar(key_node, path)

    def _scalar(self, node: yaml.Node, path: Path_) -> object:
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError) as exc:  # e.g. an integer of 5,000 digits
            reason = str(exc) if len(str(exc)) <= MAX_SHOWN else str(exc)[: MAX_SHOWN - 1] + "…"
            self._problem(node, path, f"cannot read this value ({reason}); write a smaller one")
            return _UNREADABLE

    def _problem(self, node: yaml.Node, path: Path_, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(self.positions.file, mark.line + 1, mark.column + 1, format_path(path), message))


_UNREADABLE = object()


def yaml_error_problem(exc: yaml.YAMLError, file: str, text: str | None = None) -> Problem:
    """Turn a YAML syntax error (or a refusal) into a located Problem."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    position = getattr(exc, "position", None)
    if mark is None and isinstance(position, int) and text is not None:
        line, col = _line_col(text, position)  # a ReaderError: a character YAML forbids
    what = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)
    if isinstance(exc, yaml.reader.ReaderError):
        what = f"unacceptable character #x{exc.character:04x}: remove it or write it as an escape in a \"quoted\" string" \
            if isinstance(exc.character, int) else str(exc)
    if isinstance(exc, Refused):
        return Problem(file, line, col, "", str(what))
    return Problem(file, line, col, "", f"not valid YAML: {what}")


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1
