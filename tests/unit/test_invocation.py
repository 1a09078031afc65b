"""Rerun commands are printed the way wschaos can be called from where the user is."""

from __future__ import annotations

import stat
from pathlib import Path

from harness.invocation import command, shown


def script(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_on_path_is_the_bare_name(tmp_path):
    """The script being run is the `wschaos` on PATH: the command is just `wschaos`."""
    exe = script(tmp_path / "venv" / "bin" / "wschaos")
    assert command(str(exe), str(tmp_path / "venv" / "bin" / "python"), str(exe.parent), tmp_path) == ("wschaos",)


def test_not_on_path_is_the_script_path_from_here(tmp_path):
    """A script that is not on PATH (venv not activated) is printed relative to the working folder."""
    exe = script(tmp_path / "proj" / ".venv" / "bin" / "wschaos")
    got = command(str(exe), str(exe.with_name("python")), str(tmp_path / "empty"), tmp_path / "proj")
    assert got == (".venv/bin/wschaos",)


def test_another_wschaos_on_path_is_not_ours(tmp_path):
    """A different installation's `wschaos` on PATH is not what ran: the script's own path is printed."""
    other = script(tmp_path / "other" / "wschaos")
    exe = script(tmp_path / "proj" / ".venv" / "bin" / "wschaos")
    got = command(str(exe), str(exe.with_name("python")), str(other.parent), tmp_path / "elsewhere")
    assert got == (str(exe),)


def test_python_m_without_script(tmp_path):
    """`python -m harness.cli` with no script installed: the interpreter and `-m harness.cli`."""
    python = tmp_path / "proj" / ".venv" / "bin" / "python"
    got = command(str(tmp_path / "src" / "harness" / "cli.py"), str(python), str(tmp_path / "empty"), tmp_path / "proj")
    assert got == (".venv/bin/python", "-m", "harness.cli")


def test_under_pytest_uses_the_script_beside_the_interpreter(tmp_path):
    """Run from pytest (argv[0] is pytest), the wschaos script of the same interpreter is used."""
    exe = script(tmp_path / "venv" / "bin" / "wschaos")
    got = command(str(tmp_path / "venv" / "bin" / "pytest"), str(exe.with_name("python")), str(exe.parent), tmp_path)
    assert got == ("wschaos",)


def test_shown_keeps_a_bare_name_off_path_lookup(tmp_path):
    """A file in the working folder itself is `./name`, so a shell does not look it up on PATH."""
    assert shown(tmp_path / "wschaos", tmp_path) == "./wschaos"
    assert shown(Path("/opt/x/wschaos"), tmp_path) == "/opt/x/wschaos"
