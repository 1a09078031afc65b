"""wschaos in a user's own repository, end to end (issue 19): `pip install <checkout>` into a
fresh virtualenv of a project outside the checkout; `wschaos doctor` names what is missing with
the command that installs it; `wschaos install-deps` builds toxiproxy-server; `wschaos init`
sets up a small app written here (tests/tiny_app.py: a `websockets` server and its page, not a
bundled example); `wschaos run` passes the two starter scenarios; and a plain `pytest` in the
project runs them as items with no warning.

The install is real (pip resolves every dependency; its cache keeps it to about 15 s). Without
the package index it is skipped with pip's reason, never passed. Measured on the 2-core machine:
about 45 s in all (install 13 s, init 2 s, install-deps 2 s with Go's build cache, run 11 s,
pytest 13 s). Every command runs with a mark in its environment (tests/cli_process.py); none
leaves a process behind.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
import venv
from pathlib import Path

import pytest

from cli_process import FACTOR, MARK_VAR, kill_marked
from harness.tools import repo_root
from tiny_app import write_tiny_app

pytestmark = pytest.mark.e2e

REPO = repo_root()


class Project:
    """A user's project folder with its own virtualenv, activated (its bin/ first on PATH)."""

    def __init__(self, root: Path, home: Path) -> None:
        self.root, self.venv = root, root / ".venv"
        path = os.pathsep.join([str(self.venv / "bin"), *(p for p in os.environ["PATH"].split(os.pathsep)
                                                          if Path(p).resolve() != Path(sys.executable).parent.resolve())])
        self.env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "WSCHAOS_TOXIPROXY")}
        self.env.update(PATH=path, VIRTUAL_ENV=str(self.venv), WSCHAOS_HOME=str(home))

    def run(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """`argv` in the project folder; fails the test if any process it started outlives it."""
        mark = uuid.uuid4().hex
        done = subprocess.run(argv, cwd=self.root, env={**self.env, MARK_VAR: mark}, capture_output=True,
                              text=True, timeout=timeout * FACTOR, stdin=subprocess.DEVNULL)
        leftovers = kill_marked(mark)
        assert not leftovers, f"processes outlived `{' '.join(argv)}`: {leftovers}"
        return done


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A project with the tiny app, its virtualenv holding wschaos installed from (a copy of) the checkout."""
    src = tmp_path_factory.mktemp("wschaos-checkout")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    shutil.copytree(REPO / "harness", src / "harness", ignore=shutil.ignore_patterns("__pycache__"))
    root = tmp_path_factory.mktemp("tiny-project")
    write_tiny_app(root)
    venv.create(root / ".venv", with_pip=False)
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(root / ".venv" / "bin" / "python"),
                           "install", "-q", str(src)], capture_output=True, text=True, timeout=300 * FACTOR)
    if done.returncode != 0:
        pytest.skip(f"pip could not install wschaos and its dependencies (no package index?): {done.stderr[-600:]}")
    return Project(root, tmp_path_factory.mktemp("wschaos-home"))


def test_doctor_names_install_deps_and_it_installs(project):
    """On PATH after the install; doctor fails on the missing toxiproxy-server naming `wschaos
    install-deps` (and checks no node or reference app); install-deps builds it; doctor is then clean."""
    assert (project.venv / "bin" / "wschaos").is_file()
    before = project.run("wschaos", "doctor")
    assert before.returncode == 3, before.stdout
    lines = before.stdout.splitlines()
    assert [line.split()[1] for line in lines[:-1] if not line.startswith(" ")] == [
        "python", "playwright", "websockets", "toxiproxy-python", "chromium", "toxiproxy-server"]
    assert ("      -> toxiproxy-server not found: run `wschaos install-deps` or set WSCHAOS_TOXIPROXY=/path"
            in lines)
    deps = project.run("wschaos", "install-deps", timeout=600)
    assert deps.returncode == 0, deps.stdout + deps.stderr
    assert deps.stdout.splitlines()[-1] == "toxiproxy-server: installed"
    after = project.run("wschaos", "doctor")
    assert (after.returncode, after.stdout.splitlines()[-1]) == (0, "all good"), after.stdout


@pytest.fixture(scope="module")
def initialised(project):
    """`wschaos init --server 'python app.py {port}'` in the project (after install-deps)."""
    if project.run("wschaos", "doctor").returncode != 0:
        assert project.run("wschaos", "install-deps", timeout=600).returncode == 0
    return project.run("wschaos", "init", "--server", "python app.py {port}")


def test_init_finds_the_socket_and_writes_valid_files(initialised, project):
    """init starts the app once to see which socket its page opens, writes the target, two
    scenarios and the pytest setting, validates them, and says what to run next."""
    assert initialised.returncode == 0, initialised.stderr
    name = project.root.name
    out = initialised.stdout.splitlines()
    assert re.fullmatch(r"found: websocket: ws://127\.0\.0\.1:\{port\.server\}/ws \(opened by the page when the "
                        r"server ran on port \d+\)", out[1]), out
    assert out[2:] == [f"wrote targets/{name}.yaml", f"wrote scenarios/{name}-connects.yaml",
                       f"wrote scenarios/{name}-reconnects-after-drop.yaml",
                       "pytest: pytest.ini: wschaos_scenarios = scenarios (plain `pytest` runs the scenarios)",
                       f"valid: target {name} and 2 scenarios",
                       "next: wschaos run scenarios/     (or: pytest)"]
    assert project.run("wschaos", "validate", "scenarios/", f"targets/{name}.yaml").returncode == 0


def test_run_passes_the_starter_scenarios(initialised, project):
    """`wschaos run scenarios/` passes both starter scenarios against the tiny app."""
    done = project.run("wschaos", "run", "scenarios/", "--quiet")
    name = project.root.name
    assert done.returncode == 0, done.stderr
    verdicts = [line.split()[:2] for line in done.stderr.splitlines() if line.startswith(("PASS", "FAIL", "ERROR"))]
    assert verdicts == [["PASS", f"{name}-connects"], ["PASS", f"{name}-reconnects-after-drop"]]


def test_plain_pytest_runs_them_as_items_without_warnings(initialised, project):
    """A plain `pytest` in the project collects the two scenarios as items and passes them, with no
    warning (no pytest-asyncio came with wschaos, so none of its configuration warnings)."""
    done = project.run("pytest", "-v")
    assert done.returncode == 0, done.stdout
    name = project.root.name
    items = [line.split(" PASSED")[0] for line in done.stdout.splitlines() if " PASSED" in line]
    assert items == [f"scenarios/{name}-connects.yaml::{name}-connects",
                     f"scenarios/{name}-reconnects-after-drop.yaml::{name}-reconnects-after-drop"]
    assert re.fullmatch(r"=+ 2 passed in [0-9.]+s =+", done.stdout.splitlines()[-1]), done.stdout
    assert "warning" not in done.stdout.lower(), done.stdout
