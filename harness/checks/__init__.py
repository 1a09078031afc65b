"""The checks: pure judges over a run's journal, registered by name in `checks`.

Importing this package registers every check; `checks.get("reconnected")` returns its class.
See docs/checks.md for each check's parameters and what it reads from the journal.
"""

from harness.checks import (  # noqa: F401  (imported for their registration)
    alerts_persisted,
    backoff,
    close_codes,
    dead_link,
    delivery,
    frames,
    gives_up,
    health,
    load,
    heartbeat,
    page_errors,
    reconnected,
    resources,
    restart_detected,
    server,
    states,
)
from harness.checks.base import Check, CheckResult, RunView, checks, judge_all

__all__ = ["Check", "CheckResult", "RunView", "checks", "judge_all"]
