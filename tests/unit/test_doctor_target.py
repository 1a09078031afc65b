"""`doctor` with a target file: validated, and each process's program and folder looked up."""

from __future__ import annotations

from pathlib import Path

from harness.doctor import Finding, diagnose, _target

ROOT = Path(__file__).resolve().parents[2]

TARGET = """\
name: t
server:
  command: [{program}]
  cwd: {cwd}
  ready: {{tcp: "127.0.0.1:{{port.server}}"}}
page: "http://127.0.0.1:{{port.server}}/"
websocket: "ws://127.0.0.1:{{port.server}}/ws"
"""


def test_bundled_target_is_ok():
    """targets/kanban.yaml is valid; `{python}` and `..` need no lookup beyond the folder."""
    assert _target(ROOT / "targets" / "kanban.yaml") == [Finding("target kanban.yaml", True, path=str(ROOT / "targets" / "kanban.yaml"))]


def test_invalid_target_shows_its_first_problem_and_how_many_more(tmp_path):
    """An invalid target is one failing finding: its first problem, and the command that lists them all."""
    path = tmp_path / "t.yaml"
    path.write_text(TARGET.format(program="sh", cwd=".").replace("127.0.0.1", "10.1.1.1") + "colour: red\n")
    [finding] = _target(path)
    assert (finding.ok, finding.name) == (False, "target t.yaml")
    assert finding.fix.startswith(f"{path}:6:7 page: host '10.1.1.1' is not loopback")
    assert finding.fix.endswith(f"(and 2 more: run `wschaos validate {path}`)")


def test_missing_program_and_folder_are_reported(tmp_path):
    """A server program not on PATH, or a cwd that is not a folder, fails with what to do."""
    path = tmp_path / "t.yaml"
    path.write_text(TARGET.format(program="no-such-program-xyz", cwd="."))
    assert _target(path)[1] == Finding("target t.yaml server", False, path="no-such-program-xyz",
                                       fix="server.command starts with 'no-such-program-xyz', which is not on PATH: "
                                           "install it or give its full path")
    path.write_text(TARGET.format(program="sh", cwd="nowhere"))
    assert _target(path)[0].fix == (f"{path}:4:8 server.cwd: the folder 'nowhere' does not exist (read as "
                                    f"{tmp_path / 'nowhere'}: relative paths start at the target's folder); fix the "
                                    "path, or leave `cwd` out to run in the target's folder")


def test_diagnose_appends_the_target_findings(monkeypatch):
    """diagnose(target=...) adds the target's findings after the components'."""
    import harness.doctor as doctor

    monkeypatch.setattr(doctor, "_binary", lambda label, *a: Finding(label, True))
    findings = diagnose(target=ROOT / "targets" / "kanban.yaml")
    assert findings[-1].name == "target kanban.yaml" and findings[-1].ok
