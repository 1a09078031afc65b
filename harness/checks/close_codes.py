"""`close_codes`: a graceful server stop closes client sockets with a proper close code."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated

from harness.analysis import scenario_end
from harness.checks.base import Check, CheckResult, RunView, checks
from harness.clients import ClientSelector
from harness.checks.common import at, capped, plural, select
from harness.journal import Event
from harness.units import Range

#: Real seconds after the server exited within which clients still learn of the close.
CLOSE_SLACK_S = 1.0


def graceful_stops(run: RunView, name: str = "server") -> list[tuple[float, float]]:
    """(stop, exit + slack) for every graceful stop during the steps; kills and crashes cannot
    drain and are skipped, and so is the teardown's stop after the last step."""
    procs = [e for e in run.of_kind("proc.stop", "proc.exit", "proc.start") if e.get("name") == name]
    end = scenario_end(run.all_events)
    spans = []
    for i, e in enumerate(procs):
        if e["kind"] == "proc.stop" and e.get("how", "graceful") == "graceful" and e["t"] <= end:
            later = [p["t"] for p in procs[i + 1:] if p["kind"] in ("proc.exit", "proc.start")]
            spans.append((e["t"], (later[0] if later else e["t"] + 10.0) + CLOSE_SLACK_S))
    return spans


def _closes_of_open_sockets(run: RunView, client: str, stop: float, until: float) -> list[Event]:
    """Closes, within [stop, until], of the sockets the client had open when the stop began."""
    opened = {e.get("socket") for e in run.for_client(client, "ws.open") if e["t"] <= stop}
    closed = {e.get("socket") for e in run.for_client(client, "ws.close") if e["t"] < stop}
    live = opened - closed
    return [e for e in run.for_client(client, "ws.close")
            if e.get("socket") in live and stop <= e["t"] <= until]


def _page_closed(run: RunView, close: Event) -> float | None:
    """When the page called close() on the socket of `close` (at most that close's time), if it
    did: the code is then the page's own (after an app-level goodbye such as Engine.IO's close
    packet, or its own heartbeat), not one the server sent."""
    calls = [e["t"] for e in run.for_client(str(close["client"]), "ws.closing")
             if e.get("socket") == close.get("socket") and e["t"] <= close["t"]]
    return calls[-1] if calls else None


@checks.register("close_codes")
@dataclass(frozen=True)
class CloseCodes(Check):
    """Sockets closed by a graceful server stop or restart carry an allowed close code (not 1006)."""

    clients: ClientSelector = "all"
    allowed: Annotated[list[int], Range(1000, 4999)] = field(default_factory=lambda: [1000, 1001, 1012])

    def judge(self, run: RunView) -> CheckResult:
        names, bad = select(self, run, self.clients)
        if bad:
            return bad
        stops = graceful_stops(run)
        if not stops:
            return self.result(False, "no graceful server stop or restart: no close code to judge",
                               ["add a `server: restart` or `server: stop` step (kill and crash are not judged)"])
        ended = [e for c in names for s, u in stops for e in _closes_of_open_sockets(run, c, s, u)
                 if e.get("code") is not None]
        called = [(e, _page_closed(run, e)) for e in ended]
        by_page = [(e, t) for e, t in called if t is not None]
        closes = [e for e, t in called if t is None]
        aside = [f"{e['client']}: socket {e.get('socket')} closed by the page itself (close() at {at(t)}, code "
                 f"{e['code']}): not the server's code" for e, t in by_page]
        if not closes and by_page:
            return self.not_judged(f"every socket the graceful stop ended was closed by the page itself "
                                   f"({len(by_page)}): no server close code to judge", capped(aside))
        if not closes:
            return self.result(False, "no selected client had a socket closed by the graceful stop",
                               [f"stops at {', '.join(at(s) for s, _ in stops)}; were the clients connected?"])
        bad_closes = [e for e in closes if e["code"] not in self.allowed]
        codes = Counter(e["code"] for e in closes)
        seen = ", ".join(f"{code} x{n}" for code, n in sorted(codes.items()))
        metrics = {"closes": len(closes), "codes": dict(codes)}
        if bad_closes:
            lines = [f"{e['client']}: socket {e.get('socket')} closed with {e['code']} at {at(e['t'])}"
                     + (" (abnormal closure: the server did not close it)" if e["code"] == 1006 else "")
                     + f", allowed {self.allowed}" for e in bad_closes]
            return self.result(False, f"{plural(len(bad_closes), 'socket')} closed with a code outside "
                               f"{self.allowed} (codes seen: {seen})", capped(lines + aside), metrics,
                               [e["t"] for e in bad_closes])
        return self.result(True, f"{plural(len(closes), 'socket')} closed by {plural(len(stops), 'graceful stop')} "
                           f"with allowed codes ({seen})", capped(aside), metrics)
