"""Where a run writes (`--report`, a folder; `--junit`, a file), checked before anything starts.

A report folder that names a file, a folder nobody may write in or a folder that cannot be
created used to end a whole run in a traceback when the results were written. Checked first,
each is invalid input (exit 2) naming the option. Whether a folder is writable is tried, not
guessed from its mode: root may write in a folder marked read-only, and nobody may write on a
read-only filesystem (/sys, a read-only mount), whatever the mode says. The try leaves nothing
behind. A write that fails later (a disk that fills up during the run) is the run's to report.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Optional

from harness.scenario.yamlpos import Problem

PICK_ANOTHER = "pick a folder you can write to"


def output_problems(report: Optional[Path], junit: Optional[Path]) -> list[Problem]:
    """The problems of `--report` and `--junit` (either may be None: not asked for)."""
    found = [("--report", report_problem(report) if report is not None else None),
             ("--junit", junit_problem(junit) if junit is not None else None)]
    return [Problem(flag, 0, 0, "", text) for flag, text in found if text]


def report_problem(folder: Path) -> Optional[str]:
    """A reports folder: an existing folder one can write in, or one that can be created."""
    if folder.exists():
        if not folder.is_dir():
            return f"{folder} is a file, not a folder: give the reports folder (it is created if missing), e.g. reports/"
        failed = _try_file(folder)
        return f"cannot write in the folder {folder} ({failed}): {PICK_ANOTHER}" if failed else None
    return _creatable(folder)


def junit_problem(file: Path) -> Optional[str]:
    """A JUnit XML file: not a folder, and a file that can be written (its folder created if missing)."""
    if file.is_dir():
        return f"{file} is a folder: --junit names the XML file to write, e.g. {file / 'junit.xml'}"
    if file.exists():
        try:
            with open(file, "ab"):  # opened to append, nothing written: the file is as it was
                pass
        except OSError as exc:
            return f"cannot write {file} ({exc.strerror}): give a file you can write, e.g. junit.xml"
        return None
    parent = file.parent
    if parent.is_dir():
        failed = _try_file(parent)
        return f"cannot write in the folder {parent} ({failed}): {PICK_ANOTHER}" if failed else None
    return _creatable(parent)


def _creatable(folder: Path) -> Optional[str]:
    """A missing folder can be created where its nearest existing ancestor is a folder one may create folders in."""
    ancestor = folder.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return f"cannot create the folder {folder}: {ancestor} is a file; {PICK_ANOTHER}"
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".wschaos-check-", dir=ancestor))
    except OSError as exc:
        return f"cannot create the folder {folder} ({exc.strerror} in {ancestor}): {PICK_ANOTHER}"
    return None


def _try_file(folder: Path) -> Optional[str]:
    """Why no file can be created in `folder` (None when one can: it is created and removed at once)."""
    try:
        fd, name = tempfile.mkstemp(prefix=".wschaos-check-", dir=folder)
    except OSError as exc:
        return exc.strerror or str(exc)
    os.close(fd)
    os.unlink(name)
    return None
