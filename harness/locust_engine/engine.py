"""The harness side of a `load` step on Locust: a master and worker processes, their feed journaled.

    summary = await LocustLoad(spec, journal, folder, workers=2).run()

Locust monkey-patches the standard library with gevent, which does not mix with asyncio or
Playwright, so it runs only as subprocesses (`python -m locust -f wsuser.py`), each a
`ManagedProcess` (own process group, output drained, stopped by SIGTERM then SIGKILL, registered
with the reaper, carrying the run's watchdog mark: they die with the run even if it is killed).
The master binds 127.0.0.1, or every interface when `remote_workers` are expected from other hosts
(`locust -f wsuser.py --worker --master-host THIS_HOST`); it starts the test once all workers
are in and writes one line per second to the feed; every line becomes a `load.interval` event
(stamped with the harness's clock on arrival; the master's own `worker_time` is kept as read),
keyed messages become `action` events of the client whose proxy carried them, and the final line
becomes the step's `load.summary`, the same event the in-process generator records.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from harness.aio import within
from harness.drivers.process import ManagedProcess
from harness.drivers.protocol import LoadSummary
from harness.errors import InfrastructureError, SetupError
from harness.events import JSONObject
from harness.journal import Journal
from harness.tools import free_port

LOCUSTFILE = Path(__file__).with_name("wsuser.py")
#: Seconds between two lines of the master's feed (and the harness's reads of it).
FEED_INTERVAL_S = 1.0
#: Seconds the master may take beyond the load's own length (spawning, the last replies, quitting).
SLACK_S = 60.0
#: Locust's own default master port: what workers on other hosts dial unless told otherwise.
DEFAULT_MASTER_PORT = 5557


@dataclass(frozen=True)
class LocustSpec:
    """What every Locust user does: the JSON `wsuser.py` reads (field names are its keys)."""

    users: int
    messages: int
    rate: float
    template_name: str
    template: JSONObject          # the target's message, harness placeholders already filled
    key: str | None               # the ledger key template of a keyed message
    type_field: str
    id_field: str
    reply_type: str
    ack_timeout_s: float
    urls: dict[str, str]          # scenario client -> its proxy's URL, `{client}` left for the user's name
    clients: list[str] = field(default_factory=list)
    spawn_rate: float = 500.0     # users started per second, all workers together (Locust's --spawn-rate)
    connect_timeout_s: float = 10.0
    interval_s: float = FEED_INTERVAL_S

    def expected_s(self) -> float:
        """How long the load may take: spawning every user, the sends at the rate, the last replies."""
        sending = (self.messages - 1) / self.rate if self.rate > 0 else 0.0
        return self.users / self.spawn_rate + sending + self.ack_timeout_s + self.connect_timeout_s


def require_locust() -> None:
    """SetupError unless Locust and websocket-client can be run (they are an optional extra)."""
    missing = [m for m in ("locust", "websocket") if importlib.util.find_spec(m) is None]
    if missing:
        raise SetupError(f"`load: {{engine: locust}}` needs {' and '.join(missing)} installed next to wschaos: "
                         "pip install 'wschaos[locust]'")


class LocustLoad:
    """One load step on a Locust master and `workers` local worker processes."""

    def __init__(self, spec: LocustSpec, journal: Journal, folder: Path, *, group: str, workers: int = 2,
                 remote_workers: int = 0, master_port: int | None = None, bind_host: str = "127.0.0.1") -> None:
        """`master_port`: where workers connect (default: Locust's 5557 when `remote_workers` come
        from other hosts, who must know it; else a free port)."""
        self.spec = spec
        self.journal = journal
        self.folder = folder
        self.group = group
        self.workers = workers
        self.remote_workers = remote_workers
        self.bind_host = "0.0.0.0" if remote_workers else bind_host
        self.master_port = master_port or (DEFAULT_MASTER_PORT if remote_workers else None)
        self.summary = LoadSummary(group=group, clients=spec.users)
        self.processes: list[ManagedProcess] = []
        self._read = 0      # bytes of the feed already journaled
        self._final: JSONObject | None = None

    async def run(self) -> LoadSummary:
        """Run the load to its end (or its time bound); records `load.interval`s, `action`s and `load.summary`."""
        require_locust()
        self.folder.mkdir(parents=True, exist_ok=True)
        spec_path, feed = self.folder / "locust-spec.json", self.folder / "locust-feed.jsonl"
        spec_path.write_text(json.dumps(asdict(self.spec)), encoding="utf-8")
        feed.write_text("", encoding="utf-8")
        env = {"WSCHAOS_LOCUST_SPEC": str(spec_path), "WSCHAOS_LOCUST_FEED": str(feed)}
        started = self.journal.now()
        try:
            master = await self._start(env)
            # Past the master's own --run-time, so its final line (written as it quits) is read.
            await within(self.spec.expected_s() + SLACK_S + 15.0, self._follow(master, feed))
        except asyncio.TimeoutError:
            raise InfrastructureError(f"the Locust master did not finish the load within its time bound; "
                                      f"its last output: {self._tail()}") from None
        finally:
            await self._stop_all()
            self._journal_lines(feed)
            self._record_summary(self.journal.now() - started)
        return self.summary

    async def _start(self, env: dict[str, str]) -> ManagedProcess:
        port = self.master_port or free_port()
        locust = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--loglevel", "WARNING"]
        run_time = int(self.spec.expected_s() + SLACK_S)
        master = ManagedProcess("locust-master", [
            *locust, "--master", "--headless", "--users", str(self.spec.users),
            "--spawn-rate", f"{self.spec.spawn_rate:g}", "--expect-workers", str(self.workers + self.remote_workers),
            "--master-bind-host", self.bind_host, "--master-bind-port", str(port), "--run-time", f"{run_time}s",
            "--stop-timeout", "5", "--exit-code-on-error", "0", "--only-summary"],
            journal=self.journal, env=env, stop_grace_s=10.0)
        self.processes.append(master)
        await master.start()
        for i in range(self.workers):
            worker = ManagedProcess(f"locust-worker-{i + 1}", [
                *locust, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)],
                journal=self.journal, env=env, stop_grace_s=10.0)
            self.processes.append(worker)
            await worker.start()
        return master

    async def _follow(self, master: ManagedProcess, feed: Path) -> None:
        """Journal the feed as it grows, until the master exits."""
        while master.running:
            self._journal_lines(feed)
            try:
                await within(self.spec.interval_s / 2, master.wait())
            except asyncio.TimeoutError:
                continue
        if self._final is None:
            raise InfrastructureError(f"the Locust master exited ({master.returncode}) before the load ended: "
                                      f"{self._tail()}")

    def _journal_lines(self, feed: Path) -> None:
        with feed.open("rb") as fh:
            fh.seek(self._read)
            chunk = fh.read()
        complete = chunk[:chunk.rfind(b"\n") + 1]
        self._read += len(complete)
        for raw in complete.splitlines():
            line = json.loads(raw)
            for via, key, message_id in line.pop("actions", []):
                self.journal.record("action", client=via, action="send", key=key, message_id=message_id,
                                    detail={"message": self.spec.template_name})
            self.journal.record("load.interval", group=self.group, final=line["kind"] == "final",
                                worker_time=line["worker_time"], users=line["users"], workers=line["workers"],
                                connected=line["connected"], failed_connects=line["failed_connects"],
                                sent=line["sent"], answered=line["answered"], errors=line["errors"],
                                failures=line["failures"], rtt_p50_ms=line["rtt_p50_ms"],
                                rtt_p95_ms=line["rtt_p95_ms"], duration_s=line["duration_s"])
            if line["kind"] == "final":
                self._final = line

    def _record_summary(self, duration_s: float) -> None:
        final = self._final or {}
        s = self.summary
        s.sent, s.acked = int(final.get("sent") or 0), int(final.get("answered") or 0)
        s.errors, s.failed_connects = int(final.get("errors") or 0), int(final.get("failed_connects") or 0)
        s.duration_s = round(duration_s, 3)
        # Users that never reported (a worker died, the bound was hit) count as failed connections.
        s.failed_connects += max(0, self.spec.users - int(final.get("done") or 0))
        self.journal.record("load.summary", group=s.group, clients=s.clients, sent=s.sent, acked=s.acked,
                            errors=s.errors, failed_connects=s.failed_connects, duration_s=s.duration_s,
                            engine="locust", rtt_p50_ms=final.get("rtt_p50_ms"), rtt_p95_ms=final.get("rtt_p95_ms"),
                            rtt_max_ms=final.get("rtt_max_ms"))

    async def _stop_all(self) -> None:
        await asyncio.gather(*(p.stop() for p in reversed(self.processes)), return_exceptions=True)

    def _tail(self) -> str:
        lines = [f"{p.name}: {line}" for p in self.processes for line in list(p.tail)[-3:]]
        return " | ".join(lines) or "(no output)"
