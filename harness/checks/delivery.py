"""`delivered_exactly_once`: every keyed action reached the server ledger once, in order."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

from harness.analysis import scenario_end, server_state_at
from harness.disruptions import unexpected_exits
from harness.message_audit import MessageAudit, message_audit
from harness.checks.base import Check, CheckResult, RunView, checks
from harness.clients import ClientSelector
from harness.checks.common import at, capped, plural, select
from harness.events import JSONObject


@checks.register("delivered_exactly_once")
@dataclass(frozen=True)
class DeliveredExactlyOnce(Check):
    """Every keyed action of the selected clients is in the server ledger exactly once."""

    clients: ClientSelector = "all"
    order: bool = False
    key_prefix: Optional[str] = None
    since_last_start: bool = False   # a server that keeps its ledger in memory forgets what came before

    def judge(self, run: RunView) -> CheckResult:
        names, bad = select(self, run, self.clients)
        if bad:
            return bad
        since = last_server_start(run) if self.since_last_start else None
        audit = message_audit(run.events, names, self.key_prefix, since)
        if audit.ledger is None:
            return self._no_ledger(run)
        if since is not None:
            before = len(message_audit(run.events, names, self.key_prefix).actions) - len(audit.actions)
            if not audit.actions:
                return self.not_judged(f"no keyed message sent since the server's last start at {at(since)}: "
                                       "nothing it could still remember to judge",
                                       [f"{plural(before, 'message')} sent before it are not judged "
                                        "(since_last_start: the server keeps its ledger in memory)"])
            result = self._judged(audit, names)
            note = (f"judged the {plural(len(audit.actions), 'message')} sent from the server's last start at "
                    f"{at(since)} on; {plural(before, 'message')} sent before it are not (since_last_start: the "
                    "server keeps its ledger in memory)")
            return replace(result, evidence=[note] + result.evidence)
        return self._judged(audit, names)

    def _judged(self, audit: MessageAudit, names: list[str]) -> CheckResult:
        if not audit.actions:
            what = f" with a key starting {self.key_prefix!r}" if self.key_prefix else " with a key"
            return self.result(False, f"no action{what} by {', '.join(names)}: nothing to deliver",
                               ["add steps that send messages (add_ticket, trigger_workflow, send)"])
        problems = self._problems(audit)
        misordered = _order_problems(audit, names) if self.order else []
        metrics = {"sent": len(audit.actions), "acked": len(audit.acked), "lost": len(audit.lost),
                   "duplicated": len(audit.duplicated), "resent_after_ack": len(audit.resent),
                   "misordered_clients": len(misordered)}
        marks = [a["t"] for a in audit.lost] + [r.resent_t for r in audit.resent]
        if problems or misordered:
            labels = {"lost": "lost", "duplicated": "duplicated", "resent_after_ack": "sent again wrongly"}
            counts = [f"{metrics[k]} {labels[k]}" for k in labels if metrics[k]] + ([f"{len(misordered)} out of order"] if misordered else [])
            failed = self.result(False, f"{plural(len(audit.actions), 'message')} sent: {', '.join(counts)}",
                                 capped(problems + misordered), metrics, marks)
            only_excused = (not audit.lost and not audit.duplicated and not misordered
                            and all(r.excused for r in audit.resent))
            return replace(failed, inconclusive=True) if only_excused else failed
        ordered = ", in order" if self.order else ""
        acked = f" ({len(audit.acked)} acked)" if audit.acked or any(a.get("message_id") for a in audit.actions) else ""
        return self.result(True, f"all {plural(len(audit.actions), 'message')} delivered exactly once"
                           f"{ordered}{acked}", [], metrics)

    def _no_ledger(self, run: RunView) -> CheckResult:
        """No ledger was read: because the server was not running when the steps ended (it
        cannot be judged, and why is said), or because the target declares none."""
        end = scenario_end(run.all_events)
        state = server_state_at(run.events, end)
        if state in ("down", "paused"):
            deaths = [d.sentence() for d in unexpected_exits(run.all_events)]
            why = deaths or [f"the server was {'paused' if state == 'paused' else 'stopped'} by the scenario "
                             "and not running when its steps ended"]
            return self.not_judged("the server's ledger could not be read: the server was not running when the "
                                   "steps ended, so what it received cannot be told", why)
        return self.result(False, "no server.ledger in the journal: cannot tell what the server received",
                           ["the runner records `server.ledger` from the target's ledger at the end of "
                            "the run; check that the target declares a ledger source"])

    def _problems(self, audit: MessageAudit) -> list[str]:
        lines = [f"lost: {a['client']} {a.get('action', 'action')} {a['key']}"
                 + (f" (message_id {a['message_id']})" if a.get("message_id") is not None else "")
                 + f" at {at(a['t'])} is not in the server ledger"
                 + (" although it was acked" if a in audit.acked else "") for a in audit.lost]
        lines += [f"duplicated: {key} appears {n} times in the server ledger (expected once)"
                  for key, n in audit.duplicated.items()]
        lines += [f"resent after ack: {r.client} sent message {r.message_id} again at {at(r.resent_t)} "
                  f"after its ack arrived at {at(r.ack_t)}" + (f" ({r.excused})" if r.excused else "")
                  if r.why == "after_ack" else
                  f"sent twice on one connection: {r.client} sent message {r.message_id} on socket "
                  f"{r.socket} at {at(r.ack_t)} and again at {at(r.resent_t)}" for r in audit.resent]
        return lines


def last_server_start(run: RunView) -> float | None:
    """When the server last started (a restart, or the end of a stop) before the steps ended."""
    end = scenario_end(run.all_events)
    starts = [float(e["t"]) for e in run.of_kind("proc.start") if e.get("name") == "server" and e["t"] <= end]
    return starts[-1] if starts else None


def _order_problems(audit: MessageAudit, names: list[str]) -> list[str]:
    """Per client: the order the ledger holds its keys must be the order they were sent."""
    assert audit.ledger is not None
    position: JSONObject = {}
    for i, entry in enumerate(audit.ledger):
        position.setdefault(str(entry.get("key")), (entry.get("seq", i), i))
    lines = []
    for client in names:
        sent = list(dict.fromkeys(str(a["key"]) for a in audit.actions if a["client"] == client))
        present = [k for k in sent if k in position]
        stored = sorted(present, key=lambda k: position[k])
        if present != stored:
            first = next(i for i, (a, b) in enumerate(zip(present, stored)) if a != b)
            lines.append(f"order: {client} sent {', '.join(present)} but the ledger holds "
                         f"{', '.join(stored)} (first difference at position {first + 1})")
    return lines
