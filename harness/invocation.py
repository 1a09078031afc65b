"""How the user can call wschaos from here, so the commands it prints work as printed.

A rerun command is copied into a terminal: `wschaos run ...` works only when `wschaos` is on
`PATH` and is this installation. Otherwise the way that does work is printed: the script's path
as the user would type it from the working folder (`.venv/bin/wschaos run ...`), or, when no
script was installed (a checkout run as `python -m harness.cli`), the interpreter with `-m`.

    command()  ->  ("wschaos",)  |  (".venv/bin/wschaos",)  |  (".venv/bin/python", "-m", "harness.cli")
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

SCRIPT = "wschaos"


def command(argv0: str | None = None, executable: str | None = None, path: str | None = None,
            cwd: Path | None = None) -> tuple[str, ...]:
    """The argv prefix that runs this wschaos. `argv0`, `executable`, `path` and `cwd` default to
    the process's own (`sys.argv[0]`, `sys.executable`, `$PATH`, the working folder)."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    executable = sys.executable if executable is None else executable
    here = Path.cwd() if cwd is None else cwd
    own_script = _own_script(argv0, executable)
    on_path = shutil.which(SCRIPT, path=path)
    if own_script is not None and on_path is not None and _same_file(Path(on_path), own_script):
        return (SCRIPT,)
    if own_script is not None:
        return (shown(own_script, here),)
    return (shown(Path(executable), here), "-m", "harness.cli")


def prefix(argv0: str | None = None) -> str:
    """`command()` as shell text (`wschaos`, `.venv/bin/wschaos`, `python -m harness.cli`)."""
    return shlex.join(command(argv0))


def _own_script(argv0: str, executable: str) -> Path | None:
    """The `wschaos` script of this installation: the one being run, else the one installed
    beside the interpreter (pytest, `python -m harness.cli`), else None."""
    if Path(argv0).name == SCRIPT and Path(argv0).is_file():
        return Path(argv0)
    beside = Path(executable).with_name(SCRIPT)
    return beside if beside.is_file() else None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def shown(path: Path, cwd: Path) -> str:
    """A path as the user would type it: relative to `cwd` when inside it (`.venv/bin/wschaos`),
    else absolute. A bare relative name gets `./` so a shell does not look it up on PATH."""
    absolute = path if path.is_absolute() else cwd / path
    try:
        rel = absolute.relative_to(cwd)
    except ValueError:
        return str(absolute)
    text = rel.as_posix()
    return text if "/" in text else f"./{text}"
