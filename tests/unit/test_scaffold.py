"""`wschaos init`'s files: placeholders put in place, the pytest setting, and starter files that load."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from harness.errors import InvalidInput
from harness.init_cmd import gather
from harness.plan import target_fit_problems
from harness.scaffold import (Answers, interpreter, pytest_setting, scenario_yamls, slug, target_yaml, templatize,
                              websocket_from)
from harness.scenario.load import load_scenario
from harness.target import load_target

P = "{port.server}"


def test_port_shorthand_becomes_the_placeholder():
    """`{port}` is short for `{port.server}` in the command, the page and the socket."""
    assert templatize("http://127.0.0.1:{port}/", ["python", "app.py", "--port={port}"], "ws://127.0.0.1:{port}/ws") == (
        f"http://127.0.0.1:{P}/", ("python", "app.py", f"--port={P}"), f"ws://127.0.0.1:{P}/ws", None)


def test_literal_port_in_command_becomes_the_placeholder():
    """A page port that also appears in the command is the app's port: replaced everywhere."""
    assert templatize("http://localhost:8000/app", ["uvicorn", "main:app", "--port", "8000"], None) == (
        f"http://localhost:{P}/app", ("uvicorn", "main:app", "--port", P), None, None)


def test_port_not_in_command_stays_fixed():
    """A port the command does not mention cannot be chosen by wschaos: it stays, declared fixed."""
    assert templatize("http://127.0.0.1:5173/", ["npm", "run", "dev"], None) == (
        "http://127.0.0.1:5173/", ("npm", "run", "dev"), None, 5173)


def test_port_digits_inside_other_numbers_are_left_alone():
    """Only the whole number is the port: 18000 is not 8000."""
    _, argv, _, _ = templatize("http://127.0.0.1:8000/", ["app", "8000", "--workers", "18000"], None)
    assert argv == ("app", P, "--workers", "18000")


def test_interpreter_placeholder(tmp_path):
    """python/python3 (or this very interpreter) at the head becomes {python}; other programs stay."""
    assert interpreter(["python3", "app.py"]) == ("{python}", "app.py")
    assert interpreter(["python3.11", "-m", "app"]) == ("{python}", "-m", "app")
    exe = tmp_path / "python"
    exe.write_text("")
    assert interpreter([str(exe), "app.py"], executable=str(exe)) == ("{python}", "app.py")
    assert interpreter(["node", "server.js"]) == ("node", "server.js")


def test_websocket_from_a_path():
    """A socket path is placed on the page's host and port, ws or wss as the page is http or https."""
    assert websocket_from(f"http://127.0.0.1:{P}/", "/ws") == f"ws://127.0.0.1:{P}/ws"
    assert websocket_from("https://localhost:8443/x", "live") == "wss://localhost:8443/live"
    assert websocket_from("http://h:1/", "ws://other:2/s") == "ws://other:2/s"


def test_slug():
    """A folder name becomes a target name."""
    assert (slug("My Project_2"), slug("***")) == ("my-project-2", "app")


def answers(**changes: object) -> Answers:
    base = dict(name="tiny", page=f"http://127.0.0.1:{P}/", server=("{python}", "app.py", P), cwd="..",
                websocket=f"ws://127.0.0.1:{P}/ws", found=("websocket: found",))
    return Answers(**{**base, **changes})  # type: ignore[arg-type]


def write(project: Path, a: Answers) -> None:
    (project / "targets").mkdir(parents=True)
    (project / "targets" / f"{a.name}.yaml").write_text(target_yaml(a))
    (project / "scenarios").mkdir()
    for name, text in scenario_yamls(a).items():
        (project / "scenarios" / name).write_text(text)


@pytest.mark.parametrize("fixed", [None, 5173])
def test_starter_files_load_and_fit(tmp_path, fixed):
    """The target and both starter scenarios load without a problem, and the scenarios fit the target."""
    a = answers(fixed_port=fixed)
    write(tmp_path, a)
    target = load_target(tmp_path / "targets" / "tiny.yaml")
    assert (target.name, target.page, target.websocket) == ("tiny", a.page, a.websocket)
    names = []
    for path in sorted((tmp_path / "scenarios").iterdir()):
        sc = load_scenario(path)
        assert target_fit_problems(sc, target) == []
        names.append(sc.name)
    assert names == ["tiny-connects", "tiny-reconnects-after-drop"]


def test_target_says_how_each_answer_was_found():
    """What init found (and how) stays in the target as comments."""
    assert "#   websocket: found\n" in target_yaml(answers())


def test_pytest_ini_is_made_when_there_is_no_config(tmp_path):
    """No pytest configuration: a pytest.ini with the setting (and pytest-asyncio's scope when it is installed)."""
    assert pytest_setting(tmp_path, asyncio=True) == (
        tmp_path / "pytest.ini", "[pytest]\nwschaos_scenarios = scenarios\nasyncio_default_fixture_loop_scope = function\n")


def test_pyproject_gets_the_section(tmp_path):
    """A pyproject.toml without a pytest section gets one appended; with one, lines go under its header."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    path, text = pytest_setting(tmp_path)
    assert text == ('[project]\nname = "x"\n\n[tool.pytest.ini_options]\n'
                    'wschaos_scenarios = ["scenarios"]   # scenario files pytest runs as tests (wschaos)\n')
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    assert pytest_setting(tmp_path)[1] == (
        '[tool.pytest.ini_options]\nwschaos_scenarios = ["scenarios"]   # scenario files pytest runs as tests '
        '(wschaos)\ntestpaths = ["tests"]\n')


def test_config_pytest_reads_first_is_the_one_edited(tmp_path):
    """pytest.ini wins over setup.cfg, as pytest decides; a file that has the setting is left alone."""
    (tmp_path / "setup.cfg").write_text("[tool:pytest]\naddopts = -q\n")
    assert pytest_setting(tmp_path)[0] == tmp_path / "setup.cfg"
    (tmp_path / "pytest.ini").write_text("[pytest]\nwschaos_scenarios = e2e\n")
    assert pytest_setting(tmp_path) == (tmp_path / "pytest.ini", None)


def test_init_without_answers_names_the_option(tmp_path):
    """Nothing given, nothing running, no terminal: exit 2 naming --server and what it takes."""
    args = argparse.Namespace(name=None, server=None, page=None, websocket=None)
    with pytest.raises(InvalidInput) as info:
        gather(args, tmp_path, None)
    assert str(info.value) == ("--server: not given and not found: the command that starts your server, e.g. "
                               "--server 'python app.py --port {port}'")


def test_init_asks_on_a_terminal(tmp_path):
    """Interactive: the questions are asked in order, and the answers used (no server started: the
    socket is given)."""
    args = argparse.Namespace(name="t", server=None, page=None, websocket="/live")
    replies = iter(["http://127.0.0.1:{port}/", "python app.py {port}"])
    asked: list[str] = []

    def ask(question: str) -> str:
        asked.append(question)
        return next(replies)

    got = gather(args, tmp_path, ask)
    assert (got.page, got.server, got.websocket) == (f"http://127.0.0.1:{P}/", ("{python}", "app.py", P),
                                                     f"ws://127.0.0.1:{P}/live")
    assert [q.split(" (")[0] for q in asked] == ["Page URL of your app, running now or with {port}",
                                                 "Command that starts your server, {port} where its port goes"]
