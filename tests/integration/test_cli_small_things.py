"""Small things a user trips on (issue 19): a closed pipe, doctor's target file, install-deps in a checkout."""

from __future__ import annotations

import subprocess

from cli_process import REPO, WSCHAOS, run_cli

CHAT = "examples/chat/targets/chat.yaml"


def test_schema_into_a_reader_that_stops_early_is_quiet():
    """`wschaos schema | head -1` prints the first line, no BrokenPipeError traceback, exit 0."""
    for args in (["schema"], ["validate", "scenarios/"], ["list", "scenarios/"]):
        proc = subprocess.Popen([*WSCHAOS, *args], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.readline()
        proc.stdout.close()  # the reader goes away, as `head -1` does
        err = proc.stderr.read().decode()
        assert (proc.wait(timeout=60), err) == (0, ""), args


def test_doctor_takes_the_target_file_as_an_argument():
    """`wschaos doctor FILE` checks the target file as `--target FILE` does."""
    result = run_cli("doctor", CHAT)
    assert f"ok    target chat.yaml  {CHAT}" in result.stdout.splitlines()
    assert result.returncode == 0, result.stdout


def test_doctor_refuses_two_target_files():
    """A target file as argument and another with --target: exit 2 saying to give one."""
    result = run_cli("doctor", CHAT, "--target", "targets/kanban.yaml")
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (f"doctor: two target files given ({CHAT} and --target "
                                             "targets/kanban.yaml): give one")


def test_install_deps_in_the_checkout_finds_both():
    """In a set-up checkout install-deps finds Chromium and the pinned toxiproxy-server and runs nothing."""
    result = run_cli("install-deps", "--dry-run")
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout
    assert [line.split(":")[0] for line in lines] == ["Chromium", "toxiproxy-server"]
    assert not any("missing" in line for line in lines)
