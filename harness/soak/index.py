"""The night by round: one pass over the soak's journal, streamed, into a small index. Pure.

    index = NightIndex(night)                  # soak.json: the rounds and their steps
    for event in stream(journal_path): index.feed(event)
    rows = index.rounds                        # what was injected, what held, the numbers

The journal is read line by line and never held: the index keeps a few numbers per round
(the gates' verdicts and waits, disconnections, page errors, round-trip latencies, the
mean resource readings), so a week-long soak is indexed in the memory of its rounds. The soak
report is rendered from this index.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping

from harness.events import JSONObject
from harness.journal import Event

_TOP = re.compile(r"^[^.\[]*\[(\d+)\]")
#: The readings of the server process (a restart starts them again).
SERVER_READINGS = ("server_rss_mb", "server_fds", "server_sockets")
#: Sent frames still waiting for their ack are forgotten after this long (journal seconds).
ACK_HORIZON_S = 600.0


@dataclass
class RoundStats:
    """One round: what the schedule injected and what the run saw."""

    number: int
    kind: str
    label: str
    work: list[str]
    first: int
    last: int
    start_t: float | None = None
    end_t: float | None = None
    gates: list[JSONObject] = field(default_factory=list)       # {condition, passed, waited_s}
    failed: list[str] = field(default_factory=list)             # steps that failed, with why
    disconnects: int = 0
    page_errors: int = 0
    actions: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    calm_latencies_ms: list[float] = field(default_factory=list)  # of messages sent with no fault held
    sums: dict[str, float] = field(default_factory=dict)        # resource -> sum of readings
    counts: dict[str, int] = field(default_factory=dict)        # resource -> readings
    server_pid: int | None = None                               # the server process last read in the round

    def mean(self, resource: str) -> float | None:
        n = self.counts.get(resource, 0)
        return self.sums[resource] / n if n else None

    @property
    def held(self) -> bool:
        return not self.failed and all(g.get("passed") for g in self.gates)

    @property
    def recovered_s(self) -> float | None:
        """How long the round's connected gate waited for every page (real seconds)."""
        waits = [float(g["waited_s"]) for g in self.gates if "connected" in str(g.get("condition"))
                 and g.get("waited_s") is not None]
        return max(waits) if waits else None


class NightIndex:
    """Feeds on the journal's events, one at a time, and keeps the night by round."""

    def __init__(self, night: Mapping[str, object]) -> None:
        raw = night.get("rounds")
        self.rounds = [RoundStats(int(r["round"]), str(r["kind"]), str(r["label"]), list(r.get("work") or []),
                                  int(r["first"]), int(r["last"])) for r in raw if isinstance(r, dict)] \
            if isinstance(raw, list) else []
        self._round_of = {i: r for r in self.rounds for i in range(r.first, r.last + 1)}
        self.current: RoundStats | None = None
        self.start: JSONObject = {}
        self.end: JSONObject = {}
        self.checks: list[JSONObject] = []
        self.steps_t0: float | None = None
        self.samples = 0
        self._sent: dict[str, tuple[float, bool]] = {}
        self._calm = False   # a gate passed and no fault began since
        self._browsers: set[str] = set()

    def feed(self, e: Event) -> None:
        """Take one event into the index."""
        kind = e.get("kind")
        handler = _HANDLERS.get(str(kind))
        if handler is not None:
            handler(self, e)

    def _run_start(self, e: Event) -> None:
        self.start = {k: e.get(k) for k in ("scenario", "seed", "time_scale", "target", "rerun", "bugs")}
        self._browsers = {str(c["name"]) for c in e.get("clients") or [] if isinstance(c, dict)
                          and c.get("kind") == "browser"}

    def _step_start(self, e: Event) -> None:
        t = float(e["t"])
        if self.steps_t0 is None:
            self.steps_t0 = t
        path = str(e.get("path", ""))
        if path.endswith(".during") or e.get("name") == "server":
            self._calm = False  # a held fault, or a server restart or crash
        found = _TOP.match(path)
        r = self._round_of.get(int(found.group(1))) if found else None
        if r is not None and r is not self.current:
            if self.current is not None and self.current.end_t is None:
                self.current.end_t = t
            r.start_t = t
        if found is not None and r is None and self.current is not None and self.current.end_t is None:
            self.current.end_t = t  # a step after the last round (the night's last work)
        self.current = r if r is not None else self.current if found is None else None

    def _step_end(self, e: Event) -> None:
        if self.current is not None and e.get("status") == "failed":
            self.current.failed.append(f"{e.get('path')} ({e.get('name')}): {e.get('error')}")

    def _expect(self, e: Event) -> None:
        self._calm = bool(e.get("passed"))
        if self.current is not None:
            self.current.gates.append({"condition": e.get("condition"), "passed": e.get("passed"),
                                       "waited_s": e.get("waited_s")})

    def _ws_close(self, e: Event) -> None:
        if self.current is not None and e.get("client") in self._browsers:
            self.current.disconnects += 1

    def _page_error(self, e: Event) -> None:
        if self.current is not None:
            self.current.page_errors += 1

    def _action(self, e: Event) -> None:
        if self.current is not None:
            self.current.actions += 1

    def _frame(self, e: Event) -> None:
        """Round-trip latency: a sent frame with an id, to the first received frame with that id
        (its ack, or the pong of a ping)."""
        mid = e.get("id")
        if mid is None:
            return
        t = float(e["t"])
        if e.get("dir") == "sent":
            self._sent.setdefault(str(mid), (t, self._calm))
        elif e.get("dir") == "received":
            sent = self._sent.pop(str(mid), None)
            if sent is not None and self.current is not None:
                self.current.latencies_ms.append((t - sent[0]) * 1000.0)
                if sent[1]:
                    self.current.calm_latencies_ms.append((t - sent[0]) * 1000.0)
        if len(self._sent) > 10_000:  # acks that never came: forget the oldest
            horizon = t - ACK_HORIZON_S
            self._sent = {k: v for k, v in self._sent.items() if v[0] >= horizon}

    def _resources(self, e: Event) -> None:
        self.samples += 1
        if self.current is None:
            return
        r = self.current
        pid = e.get("server_pid")
        if isinstance(pid, int) and pid != r.server_pid:  # a new server process: the round reads that one
            for name in SERVER_READINGS:
                r.sums.pop(name, None)
                r.counts.pop(name, None)
            r.server_pid = pid
        readings = {"server_rss_mb": _mb(e.get("server_rss_kb")), "server_fds": e.get("server_fds"),
                    "server_sockets": e.get("server_sockets"), "harness_rss_mb": _mb(e.get("harness_rss_kb"))}
        pages = e.get("pages")
        if isinstance(pages, dict):
            for page, heap in pages.items():
                readings[f"heap_mb:{page}"] = _mb(heap, 1024 * 1024)
        for name, value in readings.items():
            if isinstance(value, (int, float)):
                self.current.sums[name] = self.current.sums.get(name, 0.0) + float(value)
                self.current.counts[name] = self.current.counts.get(name, 0) + 1

    def _check(self, e: Event) -> None:
        self.checks.append({k: e.get(k) for k in ("name", "status", "summary", "evidence", "at")})

    def _run_end(self, e: Event) -> None:
        self.end = {"outcome": e.get("outcome"), "error": e.get("error"), "t": e.get("t")}
        if self.current is not None and self.current.end_t is None:
            self.current.end_t = float(e["t"])

    def round_at(self, t: float) -> RoundStats | None:
        """The round under way at journal time `t`."""
        under = [r for r in self.rounds if r.start_t is not None and r.start_t <= t]
        return under[-1] if under else None


def _mb(value: object, per: float = 1024.0) -> float | None:
    return float(value) / per if isinstance(value, (int, float)) and not isinstance(value, bool) else None


_HANDLERS = {
    "run.start": NightIndex._run_start, "step.start": NightIndex._step_start, "step.end": NightIndex._step_end,
    "expect": NightIndex._expect, "ws.close": NightIndex._ws_close, "page.error": NightIndex._page_error,
    "action": NightIndex._action, "ws.frame": NightIndex._frame, "resources": NightIndex._resources,
    "check": NightIndex._check, "run.end": NightIndex._run_end,
}


def stream(path: Path) -> Iterator[Event]:
    """The journal's events one at a time (a truncated last line ends it)."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                return


def index_night(journal: Path, night: Mapping[str, object]) -> NightIndex:
    """The night's index, streamed from its journal."""
    index = NightIndex(night)
    for event in stream(journal):
        index.feed(event)
    return index
