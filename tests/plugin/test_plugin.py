"""`pytest <scenario.yaml>`: the plugin's scenario items, run in an inner pytest (pytester).

Every inner run inherits a unique WSCHAOS_TEST_MARK; after the test, any live process whose
environment carries it (toxiproxy-server, Chromium, the app) is a leak: it is killed and the
test fails (see tests/integration/test_cli.py for why the environment is the reliable trace).
"""

from __future__ import annotations

import contextlib
import json
import sys
import os
import shutil
import signal
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.tools import repo_root

pytestmark = pytest.mark.e2e

REPO = repo_root()
MARK_VAR = "WSCHAOS_TEST_MARK"
FACTOR = float(os.environ.get("WSCHAOS_TIMEOUT_FACTOR", "1"))
RUN_TIMEOUT_S = 90 * FACTOR
INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = session
asyncio_default_test_loop_scope = session
"""


def marked_processes(mark: str) -> list[tuple[int, str]]:
    """(pid, cmdline) of every live process whose environment carries `mark`."""
    needle = f"{MARK_VAR}={mark}".encode() + b"\0"
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            if needle in Path(f"/proc/{entry}/environ").read_bytes():
                found.append((int(entry), Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")[:120]))
        except OSError:
            continue
    return found


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A pytester folder with an ini; fails the test if its inner runs leave a process behind."""
    mark = uuid.uuid4().hex
    monkeypatch.setenv(MARK_VAR, mark)
    pytester.makeini(INI)
    yield pytester
    leftovers = marked_processes(mark)
    for pid, _ in leftovers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not leftovers, f"processes outlived the inner pytest run: {leftovers}"


def copy_scenario(dest: Path, name: str = "connects-on-load.yaml", source: Path = REPO / "scenarios") -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(source / name, dest / name))


def run_inner(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=RUN_TIMEOUT_S)


def test_scenario_file_is_one_passing_item(inner, monkeypatch):
    """A scenario named on the command line is one item that passes; `target: kanban` is found in
    the rootdir's targets/ even when pytest runs from a subfolder; reports land in --wschaos-report."""
    (inner.path / "targets").symlink_to(REPO / "targets")  # the target's `cwd: ..` must reach the app
    copy_scenario(inner.path / "scenarios")
    monkeypatch.chdir(inner.path / "scenarios")
    reports = inner.path / "reports"
    result = run_inner(inner, "-v", "connects-on-load.yaml", "--wschaos-report", str(reports))
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["connects-on-load.yaml::connects-on-load PASSED*"])
    (run_dir,) = [p for p in reports.iterdir() if p.is_dir()]
    doc = json.loads((run_dir / "results.json").read_text())
    assert [(s["name"], s["outcome"]) for s in doc["scenarios"]] == [("connects-on-load", "passed")]
    assert (run_dir / "index.html").is_file() and (reports / "index.html").is_file()


def test_seeded_bug_fails_with_check_summary_and_rerun_command(inner):
    """With --wschaos-bugs the item fails and its report names the failed check, the seed and the rerun command."""
    scenario = copy_scenario(inner.path)
    target = REPO / "targets" / "kanban.yaml"
    result = run_inner(inner, "connects-on-load.yaml", "--wschaos-target", str(target),
                       "--wschaos-bugs", "no_pong_timestamp", "--wschaos-report", str(inner.path / "reports"))
    result.assert_outcomes(failed=1)
    lines = result.stdout.lines
    assert "connects-on-load: failed" in lines
    assert "  check frames_seen: 0 received 'pong' frames with a server_time, expected at least 1" in lines
    from harness.invocation import command

    script = " ".join(command(str(Path(sys.executable).with_name("wschaos")), cwd=inner.path))  # as the inner run spells it
    assert (f"  seed 1; rerun: {script} run {scenario} --seed 1 --target {target} --bugs no_pong_timestamp"
            in lines)


def test_invalid_scenario_is_a_failing_item_listing_every_problem(inner):
    """A scenario file with mistakes is one failing item whose report lists all five located problems."""
    path = copy_scenario(inner.path, "five-mistakes.yaml", REPO / "tests" / "fixtures" / "scenarios")
    result = run_inner(inner, "five-mistakes.yaml")
    result.assert_outcomes(failed=1)
    # Only the failure report: pytest's short summary repeats the message in full when it runs
    # under CI (the CI variable turns off its truncation), which would list every problem twice.
    lines = result.stdout.lines
    report = lines[:next(i for i, line in enumerate(lines) if "short test summary info" in line)]
    problems = [line for line in report if line.startswith(f"{path}:")]
    assert [p.split(" ", 2)[:2] for p in problems] == [
        [f"{path}:4:39", "steps[0].latency.jitter:"], [f"{path}:6:13", "steps[1].server.action:"],
        [f"{path}:7:40", "steps[2].expect.within:"], [f"{path}:9:14", "steps[3].clients:"],
        [f"{path}:11:5", "checks[0].reconected:"],
    ]
    assert f"{path}:7:40 steps[2].expect.within: expected a duration like 300ms, 15s or 5m, got 'soon'" in problems
    assert not (inner.path / "reports").exists()  # nothing was started


def test_tags_are_registered_markers(inner):
    """A scenario's tags are markers: `-m ci` selects it (even with --strict-markers), `-m nightly` does not."""
    copy_scenario(inner.path)
    selected = run_inner(inner, "connects-on-load.yaml", "--collect-only", "-q", "--strict-markers", "-m", "ci")
    selected.stdout.fnmatch_lines(["connects-on-load.yaml::connects-on-load", "1 test collected*"])
    deselected = run_inner(inner, "connects-on-load.yaml", "--collect-only", "-q", "-m", "nightly")
    deselected.stdout.fnmatch_lines(["no tests collected (1 deselected)*"])


def test_yaml_without_steps_is_not_collected(inner):
    """In a folder named on the command line, YAML that is not a scenario (a target file) is skipped."""
    copy_scenario(inner.path / "suite")
    shutil.copy(REPO / "targets" / "kanban.yaml", inner.path / "suite" / "kanban.yaml")
    result = run_inner(inner, "suite", "--collect-only", "-q")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["suite/connects-on-load.yaml::connects-on-load", "1 test collected*"])


def test_plain_pytest_does_not_collect_yaml(inner):
    """`pytest` with no paths runs the Python tests only: fixture YAML lying around is not collected."""
    copy_scenario(inner.path / "fixtures")
    copy_scenario(inner.path / "fixtures", "five-mistakes.yaml", REPO / "tests" / "fixtures" / "scenarios")
    inner.makepyfile(test_plain="def test_plain():\n    assert True\n")
    result = run_inner(inner, "-q")
    result.assert_outcomes(passed=1)
    assert not any(".yaml" in line for line in result.stdout.lines)


def test_scenario_folders_setting_makes_plain_pytest_collect_them(inner):
    """With `wschaos_scenarios = scenarios` (what `wschaos init` writes), a plain `pytest` collects
    the scenarios there, and still not the YAML elsewhere."""
    inner.makeini("[pytest]\nwschaos_scenarios = scenarios\n")
    copy_scenario(inner.path / "scenarios")
    copy_scenario(inner.path / "fixtures", "five-mistakes.yaml", REPO / "tests" / "fixtures" / "scenarios")
    result = run_inner(inner, "--collect-only", "-q")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["scenarios/connects-on-load.yaml::connects-on-load", "1 test collected*"])


BROWSER_INNER = '''
PAGE = "data:text/html,<title>inner</title><p>hello</p>"

async def test_client_factory_opens_a_page(wschaos_browser_client, wschaos_journal):
    client = await wschaos_browser_client("b0", PAGE)
    assert await client.evaluate("document.title") == "inner"

async def test_failing_test_still_closes(wschaos_browser_client):
    await wschaos_browser_client("b1", PAGE)
    assert False, "boom"

async def test_closed_after(wschaos_browser):
    assert wschaos_browser.browser.contexts == []
'''


def test_browser_client_fixture_closes_its_clients_even_on_failure(inner):
    """wschaos_browser_client opens real pages on the session's Chromium and closes them after each test."""
    inner.makepyfile(test_inner=BROWSER_INNER)
    result = run_inner(inner, "-q")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: boom*"])


LEAKY_CONFTEST = '''
"""Break the harness on purpose: faults are never removed and proxies never deleted."""
from harness.drivers import toxiproxy


async def _keep(self, *args, **kwargs):
    return None


toxiproxy.Proxy.remove_toxic = _keep
toxiproxy.Proxy.delete = _keep
toxiproxy.ToxiproxyServer.delete_proxies = _keep
'''

LATENCY_SCENARIO = """
name: leaves-a-toxic
clients: {browsers: 1}
steps:
  - expect: {state: connected, within: 10s}
  - latency: {latency: 50ms}
    for: 1s
  - idle: 2s
"""


def test_a_leftover_toxic_fails_a_pytest_run_scenario(inner):
    """The run owner's invariant holds for pytest items too: a scenario after which Toxiproxy
    still holds a toxic is an error naming it, even though every check passed."""
    inner.makeconftest(LEAKY_CONFTEST)
    (inner.path / "leaves-a-toxic.yaml").write_text(LATENCY_SCENARIO)
    result = run_inner(inner, "leaves-a-toxic.yaml", "--wschaos-target", str(REPO / "targets" / "kanban.yaml"),
                       "--wschaos-report", str(inner.path / "reports"))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["leaves-a-toxic: error",
                                 "  Toxiproxy still held 1 proxy(ies) of this scenario after teardown (1 toxic(s), "
                                 "0 disabled): a fault was not reverted or a proxy not deleted (deleted them now)"])


NEEDS_ASYNC = '''
def test_wants_the_browser(wschaos_browser):
    pass
'''


def test_scratch_project_runs_warning_free_and_prints_the_report_path(inner, monkeypatch):
    """In a project with no asyncio settings and without pytest-asyncio (wschaos does not install it),
    a scenario runs with warnings as errors, pytest's summary says where the report went, and an
    async fixture asked for without pytest-asyncio fails saying what to install."""
    inner.makeini("[pytest]\nfilterwarnings = error\n")  # no asyncio_* keys: a user's own project
    # This virtualenv has pytest-asyncio for the project's own tests: hide it as if not installed
    # (an import that fails, and its pytest11 entry point not loaded).
    shadow = inner.path / "shadow" / "pytest_asyncio"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('pytest-asyncio is not installed here')\n")
    monkeypatch.setenv("PYTHONPATH", str(shadow.parent))
    copy_scenario(inner.path)
    inner.makepyfile(test_needs_async=NEEDS_ASYNC)
    reports = inner.path / "reports"
    result = run_inner(inner, "-p", "no:asyncio", "-W", "error", "connects-on-load.yaml", "test_needs_async.py",
                       "--wschaos-target", str(REPO / "targets" / "kanban.yaml"),
                       "--wschaos-report", str(reports), "--wschaos-artifacts", "always")
    result.assert_outcomes(passed=1, errors=1)  # a fixture that fails in setup is an error
    assert "PytestDeprecationWarning" not in result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(["*wschaos_browser is an async fixture: install pytest-asyncio "
                                 "(pip install pytest-asyncio) and write the test as `async def`*"])
    (run_dir,) = [p for p in reports.iterdir() if p.is_dir()]
    result.stdout.fnmatch_lines([f"wschaos report: {run_dir / 'index.html'}"])
    assert list((run_dir / "scenarios" / "connects-on-load" / "traces").glob("*.zip"))  # --wschaos-artifacts always


def test_xdist_workers_write_one_run_report(inner):
    """`pytest -n 2`: each worker runs its scenarios in its own part of one run folder, and the
    session ends with one results.json, index.html and junit.xml holding every scenario."""
    from harness.scaffold import Answers, scenario_yamls, target_yaml
    from tiny_app import write_tiny_app

    port = "{port.server}"
    write_tiny_app(inner.path)
    answers = Answers("tiny", f"http://127.0.0.1:{port}/", ("{python}", "app.py", port), "..",
                      f"ws://127.0.0.1:{port}/ws")
    (inner.path / "targets").mkdir()
    (inner.path / "targets" / "tiny.yaml").write_text(target_yaml(answers))
    (inner.path / "scenarios").mkdir()
    for name, text in scenario_yamls(answers).items():
        (inner.path / "scenarios" / name).write_text(text)
    reports = inner.path / "reports"
    result = run_inner(inner, "-n", "2", "scenarios", "--wschaos-report", str(reports))
    result.assert_outcomes(passed=2)
    (run_dir,) = [p for p in reports.iterdir() if p.is_dir()]
    assert sorted(p.name for p in (run_dir / "workers").iterdir()) == ["gw0", "gw1"]
    doc = json.loads((run_dir / "results.json").read_text())
    assert [(s["name"], s["outcome"]) for s in doc["scenarios"]] == [("tiny-connects", "passed"),
                                                                    ("tiny-reconnects-after-drop", "passed")]
    assert all((run_dir / s["journal"]).is_file() for s in doc["scenarios"])
    assert ET.parse(run_dir / "junit.xml").getroot().get("tests") == "2"
    assert "data:image/png" in (run_dir / "index.html").read_text()  # screenshots found under workers/
    result.stdout.fnmatch_lines([f"wschaos report: {run_dir / 'index.html'}"])
