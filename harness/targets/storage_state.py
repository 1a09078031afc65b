"""A target's `storage_state`: the file must be there and hold what Playwright reads as a
storage state, checked at load, so a wrong path is a load error instead of every page failing
to open minutes later ("page action failed")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

#: A storage state bigger than this is a mistake (a wrong file), not cookies and localStorage.
MAX_BYTES = 64 * 1024 * 1024
SAVE_ONE = ("save one with Playwright (`context.storage_state(path=...)`, or `playwright codegen "
            "--save-storage=FILE`), or remove `storage_state`")


def storage_state_problem(path: Path, written: str) -> Optional[str]:
    """What is wrong with the storage-state file at `path` (None when Playwright can read it);
    `written` is the path as the YAML gives it."""
    where = "" if str(path) == written else f" (read as {path}: relative paths start at the target's folder)"
    if not path.exists():
        return f"no file {written!r}{where}: {SAVE_ONE}"
    if not path.is_file():
        return f"{written!r} is a folder{where}, not a storage-state JSON file: {SAVE_ONE}"
    try:
        if path.stat().st_size > MAX_BYTES:
            return f"{written!r} is over {MAX_BYTES // 2**20} MB, too big for a storage state: {SAVE_ONE}"
        data = json.loads(path.read_bytes())
    except OSError as exc:
        return f"cannot read {written!r}{where}: {exc.strerror}"
    except UnicodeDecodeError:
        return f"{written!r} is not JSON (not UTF-8 text): {SAVE_ONE}"
    except json.JSONDecodeError as exc:
        return f"{written!r} is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno}): {SAVE_ONE}"
    shape = shape_problem(data)
    return f"{written!r} is JSON but not a Playwright storage state: {shape}; {SAVE_ONE}" if shape else None


def shape_problem(data: object) -> Optional[str]:
    """What Playwright refuses in a storage state: it is `{"cookies": [...], "origins": [...]}`,
    each cookie with text `name`, `value` and `domain` + `path` (or `url`), each origin with text
    `origin` and a `localStorage` list of `{name, value}` text pairs."""
    if not isinstance(data, dict):
        return 'expected an object like {"cookies": [...], "origins": [...]}'
    cookies, origins = data.get("cookies", []), data.get("origins", [])
    if not isinstance(cookies, list) or not isinstance(origins, list):
        return "`cookies` and `origins` must be lists"
    for i, cookie in enumerate(cookies):
        where = ("url",) if isinstance(cookie, dict) and "url" in cookie else ("domain", "path")
        missing = _missing_text(cookie, ("name", "value", *where))
        if missing:
            return f"cookies[{i}] {missing}"
    for i, origin in enumerate(origins):
        missing = _missing_text(origin, ("origin",))
        stored = origin.get("localStorage") if isinstance(origin, dict) else None
        if missing or not isinstance(stored, list):
            return f"origins[{i}] {missing or 'needs a `localStorage` list'}"
        for j, entry in enumerate(stored):
            missing = _missing_text(entry, ("name", "value"))
            if missing:
                return f"origins[{i}].localStorage[{j}] {missing}"
    return None


def _missing_text(item: object, keys: tuple[str, ...]) -> Optional[str]:
    if not isinstance(item, dict):
        return "is not an object"
    bad = [k for k in keys if not isinstance(item.get(k), str)]
    return f"needs text in {', '.join(f'`{k}`' for k in bad)}" if bad else None
