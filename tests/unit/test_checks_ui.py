"""Checks on what the page shows: `health_alert`, `alerts_persisted`, `states_shown`, `no_page_errors`."""

from __future__ import annotations

import pytest
from journal_builder import JournalBuilder

from harness.checks.alerts_persisted import AlertsPersisted
from harness.checks.health import HealthAlert
from harness.checks.page_errors import NoPageErrors
from harness.checks.states import StatesShown
from harness.units import Duration

ALERT = {"level": "DEGRADED", "message": "High latency", "suggestion": "check the network", "at": 1}


def degraded(recovered_at: float = 17.0, alert: bool = True) -> JournalBuilder:
    """b0 under a 300ms latency fault from t=5 to t=15: DEGRADED at t=6, an alert at t=6.1."""
    j = JournalBuilder().connect(1, "b0", health="HEALTHY", alerts=[])
    j.fault(5, ["b0"], "latency", revert_at=15, params={"latency": "300ms"})
    j.probe(6, "b0", health="DEGRADED")
    if alert:
        j.probe(6.1, "b0", alerts=[ALERT])
    return j.probe(recovered_at, "b0", health="HEALTHY").steps_end(60)


def test_health_alert_passes_when_degraded_alerted_and_cleared():
    """DEGRADED during the fault, one new alert, HEALTHY 2s after the revert."""
    result = HealthAlert().judge(degraded().run())
    assert result.passed
    assert result.summary == "b0 reached DEGRADED, raised an alert and cleared"
    assert result.evidence == ["b0: DEGRADED at t=6.0s during latency fault f1 (t=5.0s..)",
                               "b0: alerts 0 -> 1 at t=6.1s",
                               "b0: HEALTHY again at t=17.0s, 2s after the last fault ended"]


def test_health_alert_fails_when_the_level_is_never_reached():
    """DEGRADED is not UNHEALTHY: the evidence names the highest level seen and the faults."""
    result = HealthAlert(level="UNHEALTHY").judge(degraded().run())
    assert not result.passed
    assert result.summary == "health alert at UNHEALTHY and cleared not shown by 1 of 1 clients"
    assert result.evidence == ["b0: health never reached UNHEALTHY during a fault "
                               "(highest DEGRADED; faults: latency fault f1 t=5.0s)"]
    assert result.at == [15.0]  # the fault's end: the last chance to reach it


def test_health_alert_fails_without_a_new_alert():
    """Health degraded but the alert list did not grow."""
    result = HealthAlert().judge(degraded(alert=False).run())
    assert not result.passed
    assert result.evidence[-1] == "b0: no new alert after t=5.0s (alerts stayed at 0)"
    assert result.at == [45.0]  # the alert's deadline: the fault's end + within 30s


def test_health_alert_fails_when_health_does_not_clear_in_time():
    """HEALTHY 35s after the revert is later than within: 10s."""
    result = HealthAlert(within=Duration(10.0)).judge(degraded(recovered_at=50).run())
    assert not result.passed
    assert result.evidence[-1] == ("b0: HEALTHY again only at t=50.0s; expected within 10s of the last "
                                   "fault ending at t=15.0s")
    assert result.at == [50.0]  # where it came back, too late; not where it degraded (t=6)


def test_health_that_never_clears_is_marked_at_the_deadline():
    """Still DEGRADED when the steps ended: marked when the 10 s to clear ran out (t=25)."""
    j = JournalBuilder().connect(1, "b0", health="HEALTHY", alerts=[])
    j.fault(5, ["b0"], "latency", revert_at=15, params={"latency": "300ms"})
    j.probe(6, "b0", health="DEGRADED").probe(6.1, "b0", alerts=[ALERT]).steps_end(60)
    result = HealthAlert(within=Duration(10.0)).judge(j.run())
    assert result.evidence[-1] == ("b0: HEALTHY again not by t=60.0s; expected within 10s of the last "
                                   "fault ending at t=15.0s")
    assert result.at == [25.0]


def test_a_fault_never_lifted_is_marked_where_the_steps_ended():
    """The fault was still on when the steps ended at t=13.7: health could not clear; marked there."""
    j = JournalBuilder().connect(1, "b0", health="HEALTHY", alerts=[])
    j.fault(0.9, ["b0"], "latency", params={"latency": "1200ms"})
    j.probe(3.6, "b0", health="UNHEALTHY", alerts=[ALERT]).steps_end(13.7)
    result = HealthAlert(level="UNHEALTHY").judge(j.run())
    assert result.evidence[-1] == "b0: latency fault f1 from t=0.9s never ended, so health cannot clear"
    assert result.at == [13.7]


def test_health_alert_counts_a_paused_server_as_a_fault():
    """A paused server (missed pongs) is a disruption too; cleared: false skips recovery."""
    j = JournalBuilder().proc(0.1, "start").connect(1, "b0", health="HEALTHY", alerts=0)
    j.proc(5, "pause").probe(7, "b0", health="UNHEALTHY", alerts=1).steps_end(10)
    result = HealthAlert(level="UNHEALTHY", cleared=False).judge(j.run())
    assert result.passed
    assert result.evidence == ["b0: UNHEALTHY at t=7.0s during server paused (t=5.0s..)",
                               "b0: alerts 0 -> 1 at t=7.0s"]


def test_health_alert_fails_without_any_fault():
    """Nothing to alert on is a failed scenario, not a pass."""
    result = HealthAlert().judge(JournalBuilder().connect(1, "b0", health="HEALTHY").steps_end(5).run())
    assert not result.passed
    assert result.evidence == ["b0: no fault hit it and the server never went down: nothing to alert on"]


def reloaded(after: list) -> JournalBuilder:
    """b0 has two alerts at t=5, reloads at t=8, and shows `after` at t=8.5."""
    j = JournalBuilder().connect(1, "b0", alerts=[]).probe(5, "b0", alerts=[ALERT, ALERT])
    j.browser(8, "b0", "reload").probe(8.5, "b0", state="connecting", alerts=after)
    return j.probe(9, "b0", state="connected").steps_end(10)


def test_alerts_persisted_passes_when_the_history_survives_a_reload():
    """Two alerts before, two after."""
    result = AlertsPersisted().judge(reloaded([ALERT, ALERT]).run())
    assert result.passed
    assert result.summary == "alerts kept across 1 reload"
    assert result.evidence == ["b0: 2 alerts before the reload at t=8.0s, 2 after"]


def test_alerts_persisted_fails_when_the_history_is_lost():
    """The legacy client keeps alerts in memory only."""
    result = AlertsPersisted().judge(reloaded([]).run())
    assert not result.passed
    assert result.summary == "alerts lost in 1 reload of 1"
    assert result.evidence == ["b0: 2 alerts before the reload at t=8.0s, 0 after (at t=8.5s)"]


def test_only_the_reload_that_lost_alerts_is_marked():
    """Kept across the reload at t=8, lost in the one at t=12: only t=12 is marked."""
    j = reloaded([ALERT, ALERT]).browser(12, "b0", "reload").probe(12.5, "b0", state="connecting", alerts=[])
    result = AlertsPersisted().judge(j.steps_end(14).run())
    assert result.summary == "alerts lost in 1 reload of 2"
    assert result.at == [12.0]


def test_alerts_persisted_needs_a_reload():
    """Without a reload there is nothing to judge."""
    result = AlertsPersisted().judge(JournalBuilder().connect(1, "b0").steps_end(3).run())
    assert not result.passed
    assert result.summary == "no page reload: nothing to judge"


def timeline() -> JournalBuilder:
    """b0: connecting -> connected -> reconnecting -> connected."""
    j = JournalBuilder().probe(0.5, "b0", state="connecting").connect(1, "b0").drop(4, "b0")
    return j.connect(6, "b0", "s2").steps_end(8)


def test_states_shown_passes_for_a_subsequence():
    """Other states may come between the wanted ones."""
    result = StatesShown(states=["connecting", "reconnecting", "connected"]).judge(timeline().run())
    assert result.passed
    assert result.summary == "b0 showed connecting -> reconnecting -> connected"
    assert result.evidence == ["b0: connecting at t=0.5s, reconnecting at t=4.0s, connected at t=6.0s"]


def test_states_shown_fails_naming_the_missing_state():
    """`offline` never appeared after `reconnecting`."""
    result = StatesShown(states=["connected", "reconnecting", "offline"]).judge(timeline().run())
    assert not result.passed
    assert result.summary == "1 of 1 clients did not show connected -> reconnecting -> offline"
    assert result.evidence == ["b0: never showed 'offline' after 'reconnecting' at t=4.0s; showed "
                               "connecting (t=0.5s) -> connected (t=1.0s) -> reconnecting (t=4.0s) "
                               "-> connected (t=6.0s)"]


def test_no_page_errors_passes_with_ignored_errors_only():
    """An error matching `ignore` does not count, and the summary says it was ignored."""
    j = JournalBuilder().page_error(2, "b0", "ResizeObserver loop limit exceeded").steps_end(3)
    result = NoPageErrors(ignore=["ResizeObserver"]).judge(j.run())
    assert result.passed
    assert result.summary == "no uncaught page error in b0 (1 ignored)"


def test_no_page_errors_fails_on_an_uncaught_exception():
    """Each error is one evidence line with client and time."""
    j = JournalBuilder().page_error(2, "b0", "TypeError: ws is null").steps_end(3)
    result = NoPageErrors().judge(j.run())
    assert not result.passed
    assert result.summary == "1 uncaught page error"
    assert result.evidence == ["b0 t=2.0s: TypeError: ws is null"]


def test_no_page_errors_rejects_a_bad_regular_expression():
    """An invalid ignore pattern is a scenario error raised at load time."""
    with pytest.raises(ValueError, match=r"ignore: '\(' is not a regular expression"):
        NoPageErrors(ignore=["("])


def test_health_alert_ignores_the_teardown_stop():
    """A server stop after the last step does not make health 'never cleared'."""
    j = degraded().proc(0.1, "start").proc(61, "stop").proc(61.5, "exit")
    assert HealthAlert().judge(j.run()).passed
