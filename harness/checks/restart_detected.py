"""`restart_detected`: clients notice a server restart through a new server instance id."""

from __future__ import annotations

from dataclasses import dataclass

from harness.analysis import probe_series, scenario_end, value_at
from harness.checks.base import Check, CheckResult, RunView, checks
from harness.clients import ClientSelector
from harness.checks.common import at, capped, plural, select
from harness.checks.server import restarts
from harness.events import JSON


def instance_ids(run: RunView, client: str) -> list[tuple[float, JSON]]:
    """(t, server_instance_id) from probes, else from received `connected` frames."""
    series = probe_series(run.events, client, "server_instance_id")
    if series:
        return series
    out: list[tuple[float, JSON]] = []
    for e in run.for_client(client, "ws.frame"):
        data = e.get("data")
        if e.get("dir") == "received" and isinstance(data, dict) and data.get("server_instance_id"):
            if not out or out[-1][1] != data["server_instance_id"]:
                out.append((e["t"], data["server_instance_id"]))
    return out


@checks.register("restart_detected")
@dataclass(frozen=True)
class RestartDetected(Check):
    """After each server restart every selected client reports a new, non-null server instance id."""

    clients: ClientSelector = "all"

    def judge(self, run: RunView) -> CheckResult:
        names, bad = select(self, run, self.clients)
        if bad:
            return bad
        found = restarts(run)
        if not found:
            return self.result(False, "the server was never restarted: no restart to detect",
                               ["add a `server: restart` step (or stop then start) to the scenario"])
        ends = [start["t"] for _, start in found[1:]] + [scenario_end(run.all_events)]
        problems: list[str] = []
        evidence: list[str] = []
        missed: list[tuple[float, list[str]]] = []   # (restart time, clients that missed it)
        for (stop, start), until in zip(found, ends):
            down = stop["t"] if stop is not None else start["t"]
            blind = []
            for client in names:
                line, ok = self._detect(run, client, down, start["t"], until)
                (evidence if ok else problems).append(line)
                if not ok:
                    blind.append(client)
            if blind:
                missed.append((start["t"], blind))
        if missed:
            return self.result(False, _missed_summary(missed, len(found)), capped(problems + evidence),
                               {"restarts": len(found), "missed": len(missed)}, [t for t, _ in missed])
        return self.result(True, f"{', '.join(names)} detected {plural(len(found), 'server restart')}",
                           capped(evidence), {"restarts": len(found)})

    def _detect(self, run: RunView, client: str, down: float, up: float, until: float) -> tuple[str, bool]:
        ids = instance_ids(run, client)
        before = value_at(ids, down)
        if before is None:
            return f"{client}: no server_instance_id before the restart at {at(up)}", False
        after = next(((t, v) for t, v in ids if up < t <= until and v != before), None)
        if after is None:
            return (f"{client}: still reports server_instance_id {before} after the restart at "
                    f"{at(up)} (until {at(until)})"), False
        return f"{client}: server_instance_id {before} -> {after[1]} at {at(after[0])}", True


def _missed_summary(missed: list[tuple[float, list[str]]], restarts: int) -> str:
    """One restart seen by two clients is one restart: `the server restart at t=3.0s was not detected
    by b0, b1`; several: `2 of 3 server restarts were not detected (by b0 at t=3.0s, ...)`."""
    if len(missed) == 1:
        t, clients = missed[0]
        return f"the server restart at {at(t)} was not detected by {', '.join(clients)}"
    who = "; ".join(f"{', '.join(clients)} at {at(t)}" for t, clients in missed)
    return f"{len(missed)} of {restarts} server restarts were not detected ({who})"
