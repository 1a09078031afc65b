"""The bundled scenarios against the real reference app: all pass when it is right, and every
seeded bug is caught by the scenario docs/discrimination.md says catches it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.matrix import NO_BUG, what_failed
from harness.plan import RunOptions, make_plan
from harness.pytest_scenarios import failure_text, infra_for
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


def run(pytestconfig, scenario_name: str, bugs: tuple[str, ...], tmp_path: Path):
    """One scenario through the session's run owner. An inconclusive verdict (the machine, not
    the app, broke the scenario's premise; harness.verdict) is a skip with its reasons: it is
    neither the pass nor the failure the test is about."""
    options = RunOptions(bugs=bugs, report_dir=tmp_path, targets_dir=ROOT / "targets")
    plan = make_plan(SCENARIOS[scenario_name], options)
    infra = infra_for(pytestconfig)
    outcome = infra.run(lambda run: run.scenario(plan, subdir=tmp_path))
    assert outcome is not None
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
def test_scenario_passes_on_the_fixed_app(pytestconfig, tmp_path, name):
    """Each bundled scenario passes against the reference app with no seeded bug."""
    outcome = run(pytestconfig, name, (), tmp_path)
    assert outcome.outcome == "passed", failure_text(outcome)


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.parametrize("bug", BUGS)
def test_seeded_bug_is_caught(pytestconfig, tmp_path, bug):
    """With the bug switched on, the scenario recorded as catching it fails, for the recorded reason."""
    cell = _catch_for(bug)
    outcome = run(pytestconfig, cell["scenario"], (bug,), tmp_path)
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
