"""The bundled scenarios against the real reference app: all pass when it is right, and every
seeded bug is caught by the scenario docs/discrimination.md says catches it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.conclude import ScenarioOutcome
from harness.lanes import default_jobs, run_lanes
from harness.matrix import NO_BUG, what_failed
from harness.plan import Plan, RunOptions, make_plan
from harness.pytest_scenarios import failure_text, infra_for
from harness.run import Run
from harness.scenario.collect import collect

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = {s.name: s for s in collect([ROOT / "scenarios"])}
MATRIX = json.loads((ROOT / "docs" / "discrimination.json").read_text())


# The scenario written to catch each seeded bug (the matrix shows every other catch too).
CATCHERS = {
    "dedupe_per_connection": "lost-ack-trigger-runs-once",
    "no_event_dedupe": "duplicated-broadcast-shows-ticket-once",
    "leak_listeners": "queue-drains-in-order-without-duplicates",
    "manual_latency": "high-latency-raises-health-alert",
    "max5_attempts": "gives-up-after-max-attempts",
    "no_alert_persistence": "alerts-survive-reload",
    "no_auto_remediation": "unhealthy-link-triggers-auto-reconnect",
    "no_connection_id": "server-restart-reconnects",
    "no_jitter": "network-drop-reconnects-with-backoff",
    "no_online_events": "status-indicator-follows-every-state",
    "no_pong_timestamp": "connects-on-load",
    "no_queue": "workflow-triggered-offline-completes",
    "no_rate_limit": "trigger-flood-is-rate-limited",
    "no_shutdown_drain": "server-restart-reconnects",
    "no_stale_cleanup": "stale-connections-are-swept",
    "no_trigger_timeout": "server-crash-redelivers-inflight-trigger",
    "no_visibility": "hidden-tab-pauses-heartbeat",
    "slow_health_check": "health-sampled-every-three-seconds",
    "slow_heartbeat": "heartbeat-keeps-connection-alive",
    "unchecked_broadcast": "dead-peer-does-not-break-broadcast",
    "legacy": "connects-on-load",
}


def _catch_for(bug: str) -> dict:
    """The matrix cell of the scenario written to catch `bug`."""
    return next(c for c in MATRIX if c["bug"] == bug and c["scenario"] == CATCHERS[bug])


BUGS = sorted(CATCHERS)


Cell = tuple[str, tuple[str, ...]]  # (scenario, seeded bugs)


def cell_of(item: pytest.Item) -> Cell | None:
    """The (scenario, bugs) a test of this module runs, from its parameters."""
    params = getattr(item, "callspec", None)
    if params is None or item.path != Path(__file__):
        return None
    if "name" in params.params:
        return params.params["name"], ()
    if "bug" in params.params:
        return CATCHERS[params.params["bug"]], (params.params["bug"],)
    return None


class Lanes:
    """The cells of the selected tests, run side by side on the session's run owner the way
    `wschaos run` runs them (`harness.lanes`: one lane per core up to 4, load scenarios alone),
    on the first test that asks; each test then judges its own cell. Under xdist every cell
    runs when its test asks (a worker does not know which tests it will get)."""

    def __init__(self, pytestconfig: pytest.Config, session: pytest.Session, report_dir: Path) -> None:
        self.config = pytestconfig
        self.report_dir = report_dir
        self.wanted = [] if hasattr(pytestconfig, "workerinput") else [c for i in session.items if (c := cell_of(i))]
        self.outcomes: dict[Cell, ScenarioOutcome | None] = {}

    def outcome(self, cell: Cell) -> ScenarioOutcome | None:
        if cell not in self.outcomes:
            batch = list(dict.fromkeys([cell, *(c for c in self.wanted if c not in self.outcomes)]))
            self.outcomes.update(self._run(batch))
        return self.outcomes[cell]

    def _run(self, cells: list[Cell]) -> dict[Cell, ScenarioOutcome | None]:
        plans = [make_plan(SCENARIOS[name], RunOptions(bugs=bugs, report_dir=self.report_dir,
                                                     targets_dir=ROOT / "targets")) for name, bugs in cells]

        def folder(plan: Plan) -> Path:  # one per seeded bug, as harness.matrix names them
            return self.report_dir / ("-".join(plan.bugs) or "none")

        async def all_cells(run: Run) -> list[ScenarioOutcome | None]:
            return await run_lanes(plans, lambda p: run.scenario(p, subdir=folder(p)), default_jobs(), self.report_dir)

        return dict(zip(cells, infra_for(self.config).run(all_cells)))


@pytest.fixture(scope="module")
def lanes(pytestconfig, request, tmp_path_factory) -> Lanes:
    return Lanes(pytestconfig, request.session, tmp_path_factory.mktemp("matrix"))


def judged(lanes: Lanes, cell: Cell) -> ScenarioOutcome:
    """One cell's outcome. An inconclusive verdict (the machine, not the app, broke the
    scenario's premise; harness.verdict) is a skip with its reasons: it is neither the pass nor
    the failure the test is about."""
    outcome = lanes.outcome(cell)
    assert outcome is not None, f"{cell} could not start (see the run's report)"
    lines = [json.loads(line) for line in (outcome.dir / "journal.jsonl").read_text().splitlines()]
    ends = [e for e in lines if e["kind"] == "run.end"]
    assert len(ends) == 1 and lines[-1] is ends[0], "the verdict is written once, last, and never amended"
    assert ends[0]["outcome"] == outcome.outcome
    if outcome.outcome == "inconclusive":
        pytest.skip("inconclusive: " + "; ".join(outcome.reasons or [failure_text(outcome)]))
    return outcome


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_passes_on_the_fixed_app(lanes, name):
    """Each bundled scenario passes against the reference app with no seeded bug."""
    outcome = judged(lanes, (name, ()))
    assert outcome.outcome == "passed", failure_text(outcome)


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.parametrize("bug", BUGS)
def test_seeded_bug_is_caught(lanes, bug):
    """With the bug switched on, the scenario recorded as catching it fails, for the recorded reason."""
    cell = _catch_for(bug)
    outcome = judged(lanes, (cell["scenario"], (bug,)))
    assert outcome.outcome == "failed", failure_text(outcome)
    assert set(cell["failed"]) & set(what_failed(outcome)), (
        f"expected {cell['failed']} to fail, got {what_failed(outcome)}\n{failure_text(outcome)}")


def test_matrix_has_no_empty_row():
    """Every seeded bug of the target is caught (by the scenario written for it, at least), and no scenario fails on the fixed app."""
    from harness.target import find_target, load_target

    target = load_target(find_target("kanban", [ROOT / "targets"]))
    bugs = set(target.bugs.server + target.bugs.client)
    caught = {c["bug"] for c in MATRIX if c["outcome"] == "failed"}
    assert sorted(bugs - caught) == []
    assert sorted(bugs) == sorted(CATCHERS)
    assert [b for b in CATCHERS if _catch_for(b)["outcome"] != "failed"] == []
    assert [c["scenario"] for c in MATRIX if c["bug"] == NO_BUG and c["outcome"] != "passed"] == []
    assert {c["scenario"] for c in MATRIX} == set(SCENARIOS), "rerun scripts/discrimination.py: scenarios changed"
