"""`pytest scenarios/`: every scenario file is a test item; tags become markers.

Scenario items share one Toxiproxy and one Chromium for the whole session. They run on an
event loop of their own in a helper thread, so they neither depend on nor disturb
pytest-asyncio's loop; the infrastructure is torn down at the end of the session, and a
scenario that is interrupted is cancelled (its teardown runs) before that.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable, Required, TypeVar, TypedDict, Unpack

import pytest
import yaml
from _pytest._code.code import TerminalRepr

from harness.errors import InvalidInput, WschaosError

if TYPE_CHECKING:
    from harness.conclude import ScenarioOutcome
    from harness.plan import RunOptions
    from harness.run import Run
    from harness.scenario.model import Scenario
    from harness.scenario.yamlpos import Problem

T = TypeVar("T")

_INFRA_KEY = pytest.StashKey["InfraThread"]()
_REPORT_KEY = pytest.StashKey[Path]()
_SHARED_KEY = pytest.StashKey["SharedRun"]()   # the controller of `pytest -n N`: the run its workers share


def add_options(group: pytest.OptionGroup) -> None:
    group.addoption("--wschaos-target", help="run scenarios against this target (name or YAML path)")
    group.addoption("--wschaos-bugs", default="", help="seeded bugs to switch on, comma-separated")
    from harness.cli_args import seed

    group.addoption("--wschaos-seed", type=seed, help="seed for every scenario (0 to 2**63-1, as a scenario's seed:)")
    group.addoption("--wschaos-profile", help="scenario profile to apply (e.g. nightly)")
    group.addoption("--wschaos-report", default="reports", help="folder for run reports (default: reports)")
    group.addoption("--wschaos-artifacts", choices=["never", "on-failure", "always"], default="on-failure",
                    help="keep-artifacts policy, as `wschaos run --artifacts`: which scenarios keep their "
                         "Playwright traces and ledger copy (default: on-failure)")


def looks_like_scenario(path: Path) -> bool:
    """A YAML file whose top level is a mapping with `steps` (targets and other YAML are skipped)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return True  # let loading report the syntax error as a failing item
    return isinstance(data, dict) and "steps" in data


class ScenarioFile(pytest.File):
    """A scenario YAML file: one item."""

    def collect(self) -> Iterable[pytest.Item]:
        from harness.scenario.load import load_scenario

        try:
            scenario = load_scenario(self.path)
        except InvalidInput as exc:
            yield InvalidScenarioItem.from_parent(self, name=self.path.stem, problems=exc.problems)
            return
        item = ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)
        for tag in scenario.tags:
            marker = tag.replace("-", "_")
            self.config.addinivalue_line("markers", f"{marker}: scenario tag {tag!r}")
            item.add_marker(marker)
        yield item


class _ItemArgs(TypedDict, total=False):
    """The keywords pytest's `from_parent` passes on to an Item's constructor."""

    name: Required[str]
    parent: pytest.Collector
    config: pytest.Config
    session: pytest.Session
    nodeid: str
    path: Path


class InvalidScenarioItem(pytest.Item):
    """An invalid scenario file fails with every problem listed."""

    def __init__(self, *, problems: list[Problem], **kwargs: Unpack[_ItemArgs]) -> None:
        super().__init__(**kwargs)
        self.problems = problems

    def runtest(self) -> None:
        raise InvalidInput(self.problems)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> "str | TerminalRepr":
        return "\n".join(str(p) for p in self.problems)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"invalid scenario {self.name}"


class ScenarioFailed(Exception):
    """The scenario did not pass; the message holds checks, evidence and the rerun command."""


class ScenarioItem(pytest.Item):
    """One scenario run against the target through the shared infrastructure."""

    def __init__(self, *, scenario: Scenario, **kwargs: Unpack[_ItemArgs]) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario

    def runtest(self) -> None:
        from harness.plan import make_plan

        plan = make_plan(self.scenario, run_options(self.config))
        infra = infra_for(self.config)
        outcome = infra.run(lambda run: run.scenario(plan))
        if outcome is None:
            pytest.skip(f"{self.name}: not run ({infra.run_owner.result.skipped[-1][1]})")
        self.user_properties.append(("journal", str(outcome.dir / "journal.jsonl")))
        if outcome.outcome == "inconclusive":
            pytest.skip("inconclusive: " + "; ".join(outcome.reasons or [outcome.error or "see the report"]))
        if outcome.outcome != "passed":
            raise ScenarioFailed(failure_text(outcome))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> "str | TerminalRepr":
        if isinstance(excinfo.value, (ScenarioFailed, InvalidInput)):
            return str(excinfo.value)
        if isinstance(excinfo.value, WschaosError):  # a missing tool: its message says what to do
            return f"wschaos: {excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario {self.name}"


def run_options(config: pytest.Config) -> RunOptions:
    """The RunOptions the wschaos command-line options describe."""
    from harness.infra import from_env
    from harness.invocation import command
    from harness.plan import RunOptions

    bugs = tuple(b for b in (config.getoption("wschaos_bugs") or "").split(",") if b)
    return RunOptions(target=config.getoption("wschaos_target"), bugs=bugs,
                      seed=config.getoption("wschaos_seed"), profile=config.getoption("wschaos_profile"),
                      report_dir=Path(config.getoption("wschaos_report")), targets_dir=targets_dir(config),
                      artifacts=config.getoption("wschaos_artifacts"),
                      headed=bool(config.getoption("wschaos_headed", default=False)), program=command(),
                      infra=from_env())  # engines elsewhere: $WSCHAOS_BROWSER_SERVERS, $WSCHAOS_TOXIPROXY_URL, ...


def targets_dir(config: pytest.Config) -> Path:
    """`targets/` of the project (pytest's rootdir), so `pytest x.yaml` works from a subfolder too."""
    in_root = config.rootpath / "targets"
    return in_root if in_root.is_dir() else Path("targets")


def failure_text(outcome: ScenarioOutcome) -> str:
    """What a person needs from a failed scenario: what failed, the evidence, how to rerun it."""
    lines = [f"{outcome.name}: {outcome.outcome}"]
    if outcome.error:
        lines.append(f"  {outcome.error}")
    lines += [f"  inconclusive: {r}" for r in outcome.reasons]
    for check in outcome.checks:
        if not check.passed:
            lines.append(f"  check {check.name}: {check.summary}")
            lines += [f"    {e}" for e in check.evidence[:10]]
    lines.append(f"  journal: {outcome.dir / 'journal.jsonl'}")
    lines.append(f"  seed {outcome.plan.seed}; rerun: {outcome.plan.rerun}")
    return "\n".join(lines)


class InfraThread:
    """The run owner (`harness.run.Run`: Toxiproxy + Chromium) on an event loop in a helper
    thread, shared by every scenario item of the pytest session (of one xdist worker)."""

    def __init__(self, options: RunOptions, run_id: str | None = None, run_dir: Path | None = None) -> None:
        from harness.run import Run

        self.run_owner = Run(options, run_id=run_id, run_dir=run_dir)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="wschaos-infra", daemon=True)
        self.thread.start()
        self.opened = False
        self.current: concurrent.futures.Future[Any] | None = None
        self.closed = False

    @property
    def run_id(self) -> str:
        return self.run_owner.result.run_id

    @property
    def run_dir(self) -> Path:
        return self.run_owner.run_dir

    def run(self, make_coro: Callable[[Run], Awaitable[T]]) -> T:
        """Run `make_coro(run_owner)` on the infra loop and wait for it; Ctrl-C cancels it."""
        if not self.opened:
            self.opened = True
            self._submit(self.run_owner.open()).result()
        current = self._submit(make_coro(self.run_owner))
        self.current = current
        try:
            return current.result()
        except KeyboardInterrupt:
            self.run_owner.interrupt()
            current.cancel()
            raise

    def _submit(self, coro: Awaitable[T]) -> concurrent.futures.Future[T]:
        async def awaited() -> T:
            return await coro

        return asyncio.run_coroutine_threadsafe(awaited(), self.loop)

    def close(self) -> None:
        """Cancel a running scenario, tear down Toxiproxy and the browser, stop the loop (once)."""
        if self.closed:
            return
        self.closed = True
        if self.current is not None and not self.current.done():
            self.current.cancel()
        try:
            self._submit(self.run_owner.close()).result(timeout=60)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)


def infra_for(config: pytest.Config, options: RunOptions | None = None) -> InfraThread:
    infra = config.stash.get(_INFRA_KEY, None)
    if infra is None:
        shared = _worker_input(config)
        if shared is not None:  # an xdist worker: its part of the run the controller reports
            from harness.run_merge import worker_dir

            run_id, run_dir, worker = shared
            infra = InfraThread(options or run_options(config), run_id, worker_dir(run_dir, worker))
        else:
            infra = InfraThread(options or run_options(config))
        config.stash[_INFRA_KEY] = infra
    return infra


class SharedRun:
    """The run the workers of `pytest -n N` share: its id, folder and start, made by the controller."""

    def __init__(self, report_dir: Path) -> None:
        import datetime as dt
        import time

        from harness.run_record import new_run_id

        self.run_id = new_run_id()
        self.run_dir = report_dir / self.run_id
        self.started_at = dt.datetime.now().isoformat(timespec="seconds")
        self.t0 = time.monotonic()


def configure_node(config: pytest.Config, workerinput: dict[str, Any]) -> None:
    """xdist's controller, starting a worker: hand it the one run every worker reports into."""
    shared = config.stash.get(_SHARED_KEY, None)
    if shared is None:
        shared = config.stash[_SHARED_KEY] = SharedRun(run_options(config).report_dir)
    workerinput["wschaos_run"] = [shared.run_id, str(shared.run_dir)]


def _worker_input(config: pytest.Config) -> tuple[str, Path, str] | None:
    """(run id, run folder, worker id) in an xdist worker the controller gave a run to."""
    given = getattr(config, "workerinput", {})
    if "wschaos_run" not in given:
        return None
    run_id, run_dir = given["wschaos_run"]
    return str(run_id), Path(run_dir), str(given.get("workerid", "gw")) 


def close_infra(config: pytest.Config) -> None:
    # The infra stays in the stash (closed): write_reports needs its run folder afterwards.
    infra = config.stash.get(_INFRA_KEY, None)
    if infra is not None:
        infra.close()


def write_reports(config: pytest.Config, interrupted: bool = False) -> Path | None:
    """After the session: the same reports `wschaos run` writes, for the scenarios that ran. An
    xdist worker writes only its results.json; the controller merges them into one report."""
    shared = config.stash.get(_SHARED_KEY, None)
    if shared is not None:
        import time

        from harness.run_merge import write_merged

        html = write_merged(shared.run_dir, shared.run_id, shared.started_at, time.monotonic() - shared.t0,
                            interrupted)
    else:
        infra = config.stash.get(_INFRA_KEY, None)
        if infra is None or not infra.opened or not infra.run_owner.result.outcomes:
            return None
        if _worker_input(config) is not None:
            _write_worker_results(infra)
            return None
        html = infra.run_owner.write_reports()
    if html is not None:
        config.stash[_REPORT_KEY] = html
    return html


def _write_worker_results(infra: InfraThread) -> None:
    """A worker's part: its results.json (the controller renders the report), artifacts pruned."""
    from harness.report import write_results
    from harness.run_record import prune_artifacts

    run = infra.run_owner
    write_results(run.run_dir / "results.json", run.record.final())
    prune_artifacts(run.result, run.options.artifacts)


def report_path(config: pytest.Config) -> Path | None:
    """The HTML report `write_reports` wrote in this session, if any."""
    return config.stash.get(_REPORT_KEY, None)
