"""`pip install wschaos` in a user's project: only what the harness needs (issue 11).

The project is built into a wheel from a copy of its sources (the repository is not touched),
the wheel is installed without dependencies into a fresh virtualenv, and pip resolves what a
full install would bring. The resolution needs the package index (or pip's cache); without it
the test is skipped with the reason, never passed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from harness.tools import repo_root

REPO = repo_root()
PIP = [sys.executable, "-m", "pip"]
APP_ONLY = {"fastapi", "uvicorn", "starlette"}
TEST_ONLY = {"pytest-asyncio", "jsonschema"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built from a copy of pyproject.toml, README.md, harness/ and app/
    (app/ is copied to prove the wheel leaves it out, not because it is needed)."""
    root = tmp_path_factory.mktemp("pkg")
    src = root / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    for name in ("harness", "app"):
        shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
    done = subprocess.run([*PIP, "wheel", "-q", "--no-deps", "-w", str(root / "dist"), str(src)],
                          capture_output=True, text=True, timeout=180)
    if done.returncode != 0:
        pytest.skip(f"could not build the wheel (no setuptools from the index or pip's cache?): {done.stderr[-400:]}")
    (built,) = (root / "dist").glob("wschaos-*.whl")
    return built


def _name(requirement: str) -> str:
    return requirement.split(";")[0].split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()


def test_fresh_virtualenv_gets_no_web_framework(wheel: Path, tmp_path: Path) -> None:
    """Installed into a fresh virtualenv, wschaos requires no FastAPI, uvicorn or pytest-asyncio
    (they are the `app` and `test` extras) and installs no top-level `app` package."""
    env = tmp_path / "venv"
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    subprocess.run([*PIP, "--python", str(python), "install", "-q", "--no-deps", str(wheel)], check=True, timeout=120)
    probe = ("import importlib.metadata as m, importlib.util as u, json;"
             "print(json.dumps({'requires': m.requires('wschaos'), "
             "'fastapi': bool(u.find_spec('fastapi')), 'uvicorn': bool(u.find_spec('uvicorn')), "
             "'app': bool(u.find_spec('app'))}))")
    # Away from the checkout: its wschaos.egg-info (the editable install) is on sys.path from there.
    seen = json.loads(subprocess.run([str(python), "-c", probe], check=True, capture_output=True, text=True,
                                     cwd=tmp_path).stdout)
    assert not seen["fastapi"] and not seen["uvicorn"]
    assert not seen["app"], "the reference app's package would shadow a project's own `app`"
    always = {_name(r) for r in seen["requires"] if "extra ==" not in r}
    extras = {_name(r) for r in seen["requires"] if 'extra == "app"' in r}
    assert always.isdisjoint(APP_ONLY | TEST_ONLY), seen["requires"]
    assert {"fastapi", "uvicorn"} <= extras


def test_full_install_resolves_without_app_dependencies(wheel: Path, tmp_path: Path) -> None:
    """What `pip install wschaos` would install into an empty virtualenv, resolved by pip itself,
    has no FastAPI, Starlette, uvicorn or pytest-asyncio (and does have what the harness imports)."""
    env = tmp_path / "venv"
    venv.create(env, with_pip=False)
    report = tmp_path / "report.json"
    done = subprocess.run([*PIP, "--python", str(env / "bin" / "python"), "install", "-q", "--dry-run",
                           "--ignore-installed", "--report", str(report), str(wheel)],
                          capture_output=True, text=True, timeout=180)
    if done.returncode != 0:
        pytest.skip(f"pip could not resolve the dependencies (no package index?): {done.stderr[-400:]}")
    names = {item["metadata"]["name"].lower() for item in json.loads(report.read_text())["install"]}
    assert names.isdisjoint(APP_ONLY | TEST_ONLY), sorted(names & (APP_ONLY | TEST_ONLY))
    assert {"wschaos", "playwright", "matplotlib", "pytest", "websockets"} <= names
