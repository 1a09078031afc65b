"""`no_page_errors`: no uncaught exception in any selected page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from harness.checks.base import Check, CheckResult, RunView, checks
from harness.clients import ClientSelector
from harness.checks.common import at, capped, plural, select


@checks.register("no_page_errors")
@dataclass(frozen=True)
class NoPageErrors(Check):
    """No `page.error` (uncaught exception) in the selected clients, except messages matching `ignore`."""

    clients: ClientSelector = "all"
    ignore: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for pattern in self.ignore:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"ignore: {pattern!r} is not a regular expression ({exc}); "
                                 f"escape special characters, e.g. {re.escape(pattern)!r}") from None

    def judge(self, run: RunView) -> CheckResult:
        names, bad = select(self, run, self.clients)
        if bad:
            return bad
        patterns = [re.compile(p) for p in self.ignore]
        errors = [e for e in run.of_kind("page.error") if e.get("client") in names]
        kept = [e for e in errors if not any(p.search(str(e.get("message", ""))) for p in patterns)]
        metrics = {"errors": len(kept), "ignored": len(errors) - len(kept)}
        ignored = f" ({metrics['ignored']} ignored)" if metrics["ignored"] else ""
        if kept:
            return self.result(False, f"{plural(len(kept), 'uncaught page error')}{ignored}",
                               capped(f"{e['client']} {at(e['t'])}: {e.get('message', '')}" for e in kept),
                               metrics, [e["t"] for e in kept])
        return self.result(True, f"no uncaught page error in {', '.join(names)}{ignored}", [], metrics)
