"""Pure pieces of the server: configuration, bug parsing and the per-connection limits."""

from __future__ import annotations

import pytest

from app.server.bugs import KNOWN_BUGS, UnknownBugError, parse_bugs
from app.server.config import parse_config
from app.server.limits import FloodGuard, RateLimiter
from app.server.protocol import ProtocolError, ledger_key, parse_message


def test_flags_override_env_which_overrides_defaults():
    """A flag beats KANBAN_* env, which beats the built-in default; timers scale."""
    env = {"KANBAN_TIME_SCALE": "0.1", "KANBAN_RATE_LIMIT": "4", "KANBAN_BUGS": "no_rate_limit"}
    config = parse_config(["--rate-limit", "7"], env)
    assert config.rate_limit == 7 and config.time_scale == 0.1
    assert config.bugs == {"no_rate_limit"} and config.port == 8765
    assert config.idle_timeout_s == pytest.approx(30.0)
    assert config.sweep_interval_s == pytest.approx(6.0)
    assert config.workflow_step_s == pytest.approx(0.05)


def test_legacy_means_every_server_bug_and_typos_are_refused():
    """'legacy' expands to the bug report's server bugs; an unknown name raises with the known list."""
    assert parse_bugs("legacy") == frozenset(b for b in KNOWN_BUGS if KNOWN_BUGS[b].legacy)
    assert "dedupe_per_connection" not in parse_bugs("legacy")
    assert parse_bugs("legacy,dedupe_per_connection") == frozenset(KNOWN_BUGS)
    assert parse_bugs(" no_connection_id , ") == {"no_connection_id"}
    with pytest.raises(UnknownBugError, match="unknown server bug\\(s\\): nope; known: no_stale_cleanup"):
        parse_bugs("nope")


def test_rate_limiter_allows_limit_per_window_and_says_when_to_retry():
    """The (limit+1)-th event in a window is refused with the time until the oldest expires."""
    limiter = RateLimiter(limit=2, window_s=10.0)
    for now in (0.0, 1.0):
        assert limiter.retry_after_s(now) is None
        limiter.accept(now)
    assert limiter.retry_after_s(4.0) == pytest.approx(6.0)
    assert limiter.retry_after_s(10.0) is None


def test_flood_guard_trips_only_beyond_the_limit_within_one_window():
    """limit frames per window pass, the next one trips; a new window starts afresh."""
    guard = FloodGuard(limit=3, window_s=1.0)
    assert [guard.hit(0.1 * i) for i in range(4)] == [False, False, False, True]
    assert guard.hit(1.5) is False


def test_ledger_keys_follow_the_contract():
    """Tickets are keyed by ticket id, triggers by ticket id and message id."""
    ticket = parse_message('{"type":"ticket_notification","id":"m1","ticket":{"id":5}}')
    trigger = parse_message('{"type":"trigger_workflow","id":"m2","ticket_id":"T"}')
    assert ledger_key(ticket) == "ticket:5" and ledger_key(trigger) == "trigger:T:m2"
    with pytest.raises(ProtocolError) as info:
        parse_message('{"type":"ping","id":""}')
    assert info.value.code == "missing_id"
