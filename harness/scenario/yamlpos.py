"""YAML loading that remembers where every value came from (line and column).

`load_with_positions(text)` returns plain Python data plus a map from document path
(a tuple of keys and indexes) to its 1-based (line, column), so every validation error can
point at `file:line:col`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

Path_ = tuple  # a document path: ("steps", 3, "latency", "jitter")


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


def load_with_positions(text: str, file: str) -> tuple[Any, Positions]:
    """Parse YAML text; raise `yaml.YAMLError` (with its mark) when it is not YAML at all."""
    positions = Positions(file)
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if node is None:
        return None, positions
    constructor = yaml.SafeLoader(text)
    try:
        return _build(node, (), positions, constructor), positions
    finally:
        constructor.dispose()


def _build(node: yaml.Node, path: Path_, positions: Positions, loader: yaml.SafeLoader) -> Any:
    positions.set(path, node)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            positions.set_key(path + (key,), key_node)
            out[key] = _build(value_node, path + (key,), positions, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(n, path + (i,), positions, loader) for i, n in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def yaml_error_problem(exc: yaml.YAMLError, file: str) -> Problem:
    """Turn a YAML syntax error into a located Problem."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = getattr(exc, "problem", None) or str(exc)
    return Problem(file, line, col, "", f"not valid YAML: {what}")
