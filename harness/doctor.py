"""`wschaos doctor`: is everything the harness needs installed, and which versions?

`diagnose()` returns one `Finding` per component; `format_findings()` renders them as a
table with the fix under every failing line. The CLI exits 0 only if every finding is ok.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from harness import tools
from harness.errors import SetupError

MIN_PYTHON = (3, 11)


@dataclass(frozen=True)
class Finding:
    """One component's state: `fix` says what to do when `ok` is False."""

    name: str
    ok: bool
    version: str | None = None
    path: str | None = None
    fix: str | None = None


def _python() -> Finding:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info[:2] >= MIN_PYTHON
    fix = None if ok else (f"Python {version} is too old: make a virtualenv with Python "
                           f"{MIN_PYTHON[0]}.{MIN_PYTHON[1]}+ and install wschaos into it")
    return Finding("python", ok, version, sys.executable, fix)


def _package(dist: str, label: str, checkout: bool) -> Finding:
    version = tools.package_version(dist)
    if version is None:
        how = "run `make setup`" if checkout else f"run `{sys.executable} -m pip install {dist}` (a dependency of wschaos)"
        return Finding(label, False, fix=f"Python package {dist} is not installed: {how}")
    return Finding(label, True, version)


def _binary(label: str, find: Callable[[], Path], version_of: Callable[[Path], str]) -> Finding:
    try:
        path = find()
    except SetupError as exc:
        return Finding(label, False, fix=str(exc))
    try:
        return Finding(label, True, version_of(path), str(path))
    except SetupError as exc:
        return Finding(label, False, path=str(path), fix=str(exc))


def _reference_app(root: Path) -> Finding:
    missing = [
        f"app/{part}/__main__.py" for part in ("server", "client")
        if not (root / "app" / part / "__main__.py").is_file()
    ]
    if missing:
        return Finding(
            "reference app", False, path=str(root / "app"),
            fix=f"reference app incomplete ({', '.join(missing)} missing): it ships with wschaos, check your checkout",
        )
    # It runs as `python -m app.server` from the checkout (targets/kanban.yaml: `cwd: ..`), with the
    # `app` extra's packages; the package itself is not installed (a user's project keeps its `app`).
    missing = [dist for dist in APP_EXTRA if not _importable(dist)]
    if missing:
        return Finding("reference app", False, path=str(root / "app"),
                       fix=f"{', '.join(missing)} not installed (the `app` extra): run `make setup`")
    return Finding("reference app", True, path=str(root / "app"))


APP_EXTRA = ("fastapi", "uvicorn")


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


async def _launch_once(executable: Path) -> str:
    from harness.drivers.browser import BrowserSession

    async with BrowserSession(executable) as session:
        return session.version or "unknown"


def _playwright_launch() -> Finding:
    try:
        executable = tools.find_chromium()
    except SetupError as exc:
        return Finding("playwright launch", False, fix=str(exc))
    # diagnose() may be called from inside an event loop (pytest-asyncio): use a fresh one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        try:
            version = pool.submit(asyncio.run, _launch_once(executable)).result(timeout=60)
        except Exception as exc:  # any launch failure is the finding, not a crash of doctor
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return Finding("playwright launch", False, path=str(executable), fix=first)
    return Finding("playwright launch", True, version, str(executable))


def _target(path: Path) -> list[Finding]:
    """A target file: valid (which includes each process's working folder), and each process's program found."""
    from harness.errors import InvalidInput
    from harness.targets import load_target
    from harness.targets.placeholders import PLACEHOLDER

    label = f"target {path.name}"
    try:
        target = load_target(path)
    except InvalidInput as exc:
        more = f" (and {len(exc.problems) - 1} more: run `wschaos validate {path}`)" if len(exc.problems) > 1 else ""
        return [Finding(label, False, path=str(path), fix=f"{exc.problems[0]}{more}")]
    findings = [Finding(label, True, path=str(path))]
    for name, spec in (("server", target.server), ("static", target.static)):
        if spec is None:
            continue
        program, cwd = spec.command[0], target.root / spec.cwd
        if not PLACEHOLDER.search(program) and shutil.which(program) is None and not (cwd / program).is_file():
            findings.append(Finding(f"{label} {name}", False, path=program,
                                    fix=f"{name}.command starts with {program!r}, which is not on PATH: install it or give its full path"))
    return findings


def diagnose(*, launch_browser: bool = False, root: Path | None = None, target: str | Path | None = None,
             checkout: bool | None = None) -> list[Finding]:
    """Check every component; `launch_browser=True` also starts Chromium once through Playwright;
    `target` (a target file) is validated and its processes' programs and folders looked up.
    In a wschaos checkout (`checkout`, found from `root` by default) node and the reference app
    are checked too: an installation in another project needs neither."""
    root = root or tools.repo_root()
    checkout = tools.is_checkout(root) if checkout is None else checkout
    findings = [
        _python(),
        _package("playwright", "playwright", checkout),
        _package("websockets", "websockets", checkout),
        _package("toxiproxy-python", "toxiproxy-python", checkout),
        _binary("chromium", lambda: tools.find_chromium(root), tools.chromium_version),
        _binary("toxiproxy-server", lambda: tools.find_toxiproxy(root), tools.toxiproxy_version),
    ]
    if checkout:
        findings += [_binary("node", tools.find_node, tools.node_version), _reference_app(root)]
    if launch_browser:
        findings.append(_playwright_launch())
    if target is not None:
        findings += _target(Path(target))
    return findings


def format_findings(findings: list[Finding]) -> str:
    """One line per finding (`ok`/`FAIL`, name, version, path), the fix indented below failures."""
    width = max((len(f.name) for f in findings), default=0)
    lines = []
    for f in findings:
        status = "ok  " if f.ok else "FAIL"
        details = "  ".join(x for x in (f.version, f.path) if x)
        lines.append(f"{status}  {f.name.ljust(width)}  {details}".rstrip())
        if not f.ok and f.fix:
            lines.append(f"      -> {f.fix}")
    failed = sum(1 for f in findings if not f.ok)
    lines.append("all good" if failed == 0 else f"{failed} problem(s) found")
    return "\n".join(lines)
