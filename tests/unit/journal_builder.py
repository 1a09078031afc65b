"""A fluent builder of canned journals, built through the declaration in harness/events.py.

Every event goes through `events.make`, so a builder cannot write a kind, a field or a value
the harness never records (a ValueError names it); faults take their parameters as the fault
step records them (`params={"latency": "300ms"}`, defaults filled in from the step).

    j = JournalBuilder(["b0"], time_scale=0.1)
    j.connect(1.0, "b0", socket="s1").drop(5.0, "b0", "s1").connect(6.2, "b0", "s2").steps_end(10)
    result = Reconnected().judge(j.run())

Every method takes the journal time `t` first and returns the builder. `events()` returns the
events sorted by `t` (stable), as a real journal is.
"""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable

from harness import events as declared
from harness.checks.base import RunView
from harness.journal import Event

WS_URL = "ws://127.0.0.1:41000/ws/trigger"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "journals"


def rundir_module() -> ModuleType:
    """tests/fixtures/journals/rundir.py, which writes a complete run folder (`make_run_dir`)."""
    spec = importlib.util.spec_from_file_location("rundir", FIXTURES / "rundir.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fault_class(fault: str) -> Any:
    import harness.steps.faults  # noqa: F401 - registers the faults
    from harness.steps.base import steps

    return steps.get(fault)


def fault_params(fault: str, params: dict[str, Any]) -> dict[str, Any]:
    """`fault.apply`'s params as the runner records them (`Step.params()`: every field of the
    fault step, durations as text); a key the step does not have is a ValueError."""
    from dataclasses import MISSING, fields

    from harness.steps.base import _plain

    declared_fields = fields(_fault_class(fault))
    unknown = set(params) - {f.name for f in declared_fields}
    if unknown:
        raise ValueError(f"fault {fault!r} records no params {sorted(unknown)} "
                         f"(it records {[f.name for f in declared_fields]})")
    out = {}
    for f in declared_fields:
        if f.name in params:
            out[f.name] = params[f.name]
        elif f.default is not MISSING:
            out[f.name] = _plain(f.default)
        else:
            raise ValueError(f"fault {fault!r} needs params[{f.name!r}]")
    return out


class JournalBuilder:
    """Builds one run's events; `run.start` is written at t=0 from the constructor."""

    def __init__(self, clients: Iterable[str] = ("b0",), time_scale: float = 1.0,
                 min_wait_s: float = 0.0, protocol: Iterable[str] = (),
                 groups: dict[str, list[str]] | None = None, ack_type: str = "ack") -> None:
        groups = groups or {}
        declared = [{"name": c, "kind": "browser", "groups": groups.get(c, ["browsers"])} for c in clients]
        declared += [{"name": c, "kind": "protocol", "groups": groups.get(c, ["protocol"])} for c in protocol]
        self._events: list[Event] = []
        self._probes: dict[str, dict[str, Any]] = {}
        self._faults = 0
        self.add(0.0, "run.start", run_id="test-run", scenario="canned", scenario_file="scenarios/canned.yaml",
                 description="canned journal", tags=["unit"], target="kanban", seed=7,
                 time_scale=time_scale, min_wait_s=min_wait_s, bugs=[], clients=declared,
                 versions={"python": "3.11", "playwright": "1.45", "chromium": "126",
                           "toxiproxy": "2.12.0", "wschaos": "0.1.0"},
                 rerun="wschaos run scenarios/canned.yaml --seed 7", ack_type=ack_type)

    # -- generic -------------------------------------------------------------------------
    def add(self, t: float, kind: str, **fields: Any) -> "JournalBuilder":
        """One declared event; ValueError when the harness would never record it so."""
        self._events.append(declared.make(kind, t, **fields))
        return self

    def events(self) -> list[Event]:
        return sorted(copy.deepcopy(self._events), key=lambda e: e["t"])

    def run(self) -> RunView:
        return RunView(self.events())

    # -- runner --------------------------------------------------------------------------
    def step(self, t0: float, t1: float, name: str = "wait", status: str = "ok") -> "JournalBuilder":
        n = sum(1 for e in self._events if e["kind"] == "step.start")
        self.add(t0, "step.start", step=n, path=f"steps[{n}]", name=name, summary=name, params={})
        return self.add(t1, "step.end", step=n, path=f"steps[{n}]", name=name, status=status,
                        error=None if status == "ok" else f"{name} {status}", duration_s=t1 - t0)

    def steps_end(self, t: float) -> "JournalBuilder":
        """One step from t=0 to t: marks when the scenario's steps were over."""
        return self.step(0.0, t)

    def end(self, t: float, outcome: str = "passed") -> "JournalBuilder":
        return self.add(t, "run.end", outcome=outcome, error=None, reasons=[])

    def action(self, t: float, client: str, key: str, message_id: str | None = None,
               action: str = "add_ticket") -> "JournalBuilder":
        return self.add(t, "action", client=client, action=action, key=key, message_id=message_id,
                        detail={})

    # -- faults and processes ------------------------------------------------------------
    def fault(self, t: float, clients: list[str], fault: str = "down", revert_at: float | None = None,
              params: dict[str, Any] | None = None) -> "JournalBuilder":
        """`fault` applied at t (reverted at `revert_at`); `params` as the step records them
        (`{"latency": "300ms"}`), the step's defaults filled in, as the runner writes them."""
        self._faults += 1
        fid = f"f{self._faults}"
        recorded = fault_params(fault, params or {})
        self.add(t, "fault.apply", fault_id=fid, fault=fault, clients=list(clients),
                 proxies=[f"ws-{c}" for c in clients], stream=recorded.get("stream", "both"), params=recorded)
        if revert_at is not None:
            self.add(revert_at, "fault.revert", fault_id=fid, fault=fault, clients=list(clients),
                     note=_fault_class(fault).note)
        return self

    def proxy(self, t: float, client: str, listen: str = "127.0.0.1:41000",
              upstream: str = "127.0.0.1:8000") -> "JournalBuilder":
        """The client's Toxiproxy listener (`WS_URL` goes through 127.0.0.1:41000)."""
        return self.add(t, "proxy.create", proxy=f"ws-{client}", client=client, listen=listen,
                        upstream=upstream)

    def proc(self, t: float, what: str, name: str = "server", pid: int = 100, **fields: Any) -> "JournalBuilder":
        """`what` is start, ready, stop, pause, resume or exit."""
        defaults = {"start": {"argv": ["python", "-m", "app.server"]}, "ready": {"after_s": 0.3},
                    "stop": {"how": "graceful"}, "exit": {"returncode": 0}}
        return self.add(t, f"proc.{what}", name=name, pid=pid, **{**defaults.get(what, {}), **fields})

    def health(self, t: float, **data: Any) -> "JournalBuilder":
        return self.add(t, "server.health", data=data)

    def ledger(self, t: float, keys: Iterable[str], client_id: str = "cid-b0") -> "JournalBuilder":
        entries = [{"seq": i + 1, "key": k, "message_id": f"m-{i + 1}", "type": "ticket_notification",
                    "client_id": client_id, "deliveries": 1} for i, k in enumerate(keys)]
        return self.add(t, "server.ledger", entries=entries)

    # -- clients -------------------------------------------------------------------------
    def probe(self, t: float, client: str, **values: Any) -> "JournalBuilder":
        """A probe snapshot: the previous values of this client with `values` changed."""
        merged = {**self._probes.get(client, {}), **values}
        self._probes[client] = merged
        return self.add(t, "probe", client=client, values=dict(merged))

    def attempt(self, t: float, client: str, page_t: float | None = None) -> "JournalBuilder":
        return self.add(t, "ws.attempt", client=client, url=WS_URL, page_t=t if page_t is None else page_t)

    def ws_open(self, t: float, client: str, socket: str = "s1", url: str = WS_URL) -> "JournalBuilder":
        return self.add(t, "ws.open", client=client, socket=socket, url=url)

    def ws_close(self, t: float, client: str, socket: str = "s1", code: int | None = 1006,
                 page_t: float | None = None) -> "JournalBuilder":
        fields: dict[str, Any] = {"client": client, "socket": socket, "code": code, "reason": ""}
        if page_t is not None:
            fields["page_t"] = page_t
        return self.add(t, "ws.close", **fields)

    def frame(self, t: float, client: str, dir: str, type: str | None, id: str | None = None,
              socket: str = "s1", **data: Any) -> "JournalBuilder":
        body = {"type": type, **({"id": id} if id is not None else {}), **data}
        return self.add(t, "ws.frame", client=client, socket=socket, dir=dir, type=type, id=id, data=body)

    def browser(self, t: float, client: str, event: str) -> "JournalBuilder":
        return self.add(t, "browser.event", client=client, event=event)

    def page_error(self, t: float, client: str, message: str) -> "JournalBuilder":
        return self.add(t, "page.error", client=client, message=message)

    def lag(self, t: float, source: str, max_ms: float, window_s: float = 1.0,
            total_ms: float | None = None) -> "JournalBuilder":
        """A `lag` window ending at t: `source` ("harness" or a client) ran timers up to max_ms late,
        total_ms in all (default: max_ms, one stall)."""
        return self.add(t, "lag", source=source, since_t=round(t - window_s, 6), window_s=window_s, samples=10,
                        max_ms=max_ms, p95_ms=max_ms, total_ms=max_ms if total_ms is None else total_ms)

    # -- composites ----------------------------------------------------------------------
    def connect(self, t: float, client: str, socket: str = "s1", **probe: Any) -> "JournalBuilder":
        """An attempt that opens at once, and the probe showing `connected`."""
        return self.attempt(t, client).ws_open(t, client, socket).probe(t, client, state="connected", **probe)

    def drop(self, t: float, client: str, socket: str = "s1", code: int | None = 1006,
             state: str = "reconnecting") -> "JournalBuilder":
        """The open socket closes and the probe shows `state`."""
        return self.ws_close(t, client, socket, code, page_t=t).probe(t, client, state=state)
