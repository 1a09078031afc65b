"""`--report` and `--junit` are checked before anything starts, and checking them leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

from harness.output_paths import junit_problem, output_problems, report_problem


def test_good_paths_pass_and_nothing_is_left_behind(tmp_path: Path):
    """A writable folder, a folder to create and a new or existing JUnit file pass; no file or folder remains."""
    (tmp_path / "old.xml").write_text("<old/>")
    assert report_problem(tmp_path) is None
    assert report_problem(tmp_path / "a" / "b") is None
    assert junit_problem(tmp_path / "ci" / "junit.xml") is None
    assert junit_problem(tmp_path / "old.xml") is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.xml"]
    assert (tmp_path / "old.xml").read_text() == "<old/>"


def test_each_problem_names_its_option(tmp_path: Path):
    """A report path that is a file and a JUnit path that is a folder: two problems, each under its option."""
    (tmp_path / "file").write_text("")
    problems = [str(p) for p in output_problems(tmp_path / "file", tmp_path)]
    assert problems == [
        f"--report: {tmp_path / 'file'} is a file, not a folder: give the reports folder (it is created if "
        "missing), e.g. reports/",
        f"--junit: {tmp_path} is a folder: --junit names the XML file to write, e.g. {tmp_path / 'junit.xml'}",
    ]
    assert output_problems(None, None) == []


def test_a_junit_file_under_a_file_cannot_be_created(tmp_path: Path):
    """A JUnit path whose folder would have to be made inside a file is refused, naming that file."""
    (tmp_path / "file").write_text("")
    assert junit_problem(tmp_path / "file" / "ci" / "junit.xml") == (
        f"cannot create the folder {tmp_path / 'file' / 'ci'}: {tmp_path / 'file'} is a file; "
        "pick a folder you can write to")
