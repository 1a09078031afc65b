"""`alerts_persisted`: the alert history survives a page reload."""

from __future__ import annotations

from dataclasses import dataclass

from harness.analysis import probe_series, value_at
from harness.checks.base import Check, CheckResult, RunView, checks
from harness.clients import ClientSelector
from harness.checks.common import at, capped, plural, select
from harness.checks.health import alert_count


@checks.register("alerts_persisted")
@dataclass(frozen=True)
class AlertsPersisted(Check):
    """After each page reload the client shows at least as many alerts as just before it.

    Compared: the last `alerts` probe value before the reload and the first one after it."""

    clients: ClientSelector = "all"

    def required_probes(self) -> list[str]:
        return ["alerts"]

    def judge(self, run: RunView) -> CheckResult:
        names, bad = select(self, run, self.clients)
        if bad:
            return bad
        reloads = [e for e in run.of_kind("browser.event") if e.get("event") == "reload"
                   and e.get("client") in names]
        if not reloads:
            return self.result(False, "no page reload: nothing to judge",
                               ["add a `reload` browser step after the client has raised alerts"])
        problems: list[str] = []
        evidence: list[str] = []
        lost: list[float] = []  # marked: the reloads that lost alerts, not those that kept them
        for e in reloads:
            line, ok = self._reload(run, e["client"], e["t"])
            (evidence if ok else problems).append(line)
            lost += [] if ok else [e["t"]]
        metrics = {"reloads": len(reloads)}
        if problems:
            return self.result(False, f"alerts lost in {plural(len(problems), 'reload')} of {len(reloads)}",
                               capped(problems + evidence), metrics, lost)
        return self.result(True, f"alerts kept across {plural(len(reloads), 'reload')}", capped(evidence), metrics)

    def _reload(self, run: RunView, client: str, t: float) -> tuple[str, bool]:
        before = alert_count(value_at(probe_series(run.events, client, "alerts"), t, []))
        if before == 0:
            return f"{client}: no alert before the reload at {at(t)}, nothing to persist", False
        probes = [e for e in run.for_client(client, "probe") if e["t"] > t]
        if not probes:
            return f"{client}: no probe after the reload at {at(t)} ({before} alerts before)", False
        # probes are recorded on change: a snapshot without `alerts` means they did not change
        first = next((e for e in probes if (e.get("values") or {}).get("alerts") is not None), None)
        after = alert_count(first["values"]["alerts"]) if first is not None else before
        when = at(first["t"]) if first is not None else at(probes[0]["t"])
        if after < before:
            return f"{client}: {before} alerts before the reload at {at(t)}, {after} after (at {when})", False
        return f"{client}: {before} alerts before the reload at {at(t)}, {after} after", True
