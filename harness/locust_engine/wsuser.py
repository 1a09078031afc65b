"""The locustfile wschaos hands to Locust: a WebSocket user speaking a target's protocol templates.

Runs ONLY inside `locust` processes (master and workers), which monkey-patch the standard library
with gevent: the harness never imports this module (it would turn the harness's asyncio and
Playwright into gevent's). It imports nothing of wschaos: a worker on another host needs only
`pip install locust websocket-client` and this one file.

What it reads: the load's description (`--wschaos-spec`, from the JSON file $WSCHAOS_LOCUST_SPEC
names on the master, written by `harness/locust_engine/engine.py`): the proxies' WebSocket URLs, the number of users, the message
template with its placeholders, the reply type, the rate. Each user connects through one of the
URLs (in turn), sends `messages` messages at `rate` per second, counts the replies of the awaited
type and id, measures each round trip, and waits up to `ack_timeout_s` for the last replies.
Every connect and reply is a Locust request (`WS connect`, `WS <template>`), so Locust's own
statistics and UI see them.

What it writes: workers add their counts since their last report (and the keyed messages they
sent) to Locust's regular report to the master (`report_to_master`, every second here instead of
Locust's 3 s); the master adds them up and appends one JSON line per interval to
$WSCHAOS_LOCUST_FEED, which the harness turns into journal events. When every user is done the
master writes the final line and quits the test (workers quit with it). Times in the feed are
this host's wall clock (`worker_time`), kept for reading only: the harness stamps each line
with its own clock when it reads it.
"""

from __future__ import annotations

import itertools
import json
import os
import time
import uuid
from collections import Counter
from typing import Any

import gevent
import gevent.event
import locust.runners
import websocket
from locust import User, events, task
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

locust.runners.WORKER_REPORT_INTERVAL = 1.0  # a finished load is seen within a second, not three

#: The load's description; filled from the `--wschaos-spec` option, which the master reads from the
#: file $WSCHAOS_LOCUST_SPEC names and Locust forwards to every worker with its spawn message (a
#: worker on another host needs neither the file nor this module: `locust -f - --worker` downloads it).
SPEC: dict[str, Any] = {}


@events.init_command_line_parser.add_listener
def _options(parser: Any, **_: Any) -> None:
    path = os.environ.get("WSCHAOS_LOCUST_SPEC")
    default = open(path, encoding="utf-8").read() if path else ""
    parser.add_argument("--wschaos-spec", default=default, include_in_web_ui=False,
                        help="wschaos: the load's description (JSON), sent to the workers by the master")


def spec_of(environment: Environment) -> dict[str, Any]:
    """The spec as this process last received it (a worker gets it with each spawn message)."""
    text = getattr(environment.parsed_options, "wschaos_spec", "") if environment.parsed_options else ""
    if text and not SPEC:
        SPEC.update(json.loads(text))
    return SPEC

COUNTS = ("connected", "failed_connects", "sent", "answered", "errors", "done")
_pending: Counter[str] = Counter()          # this worker's counts since its last report
_failures: Counter[str] = Counter()         # reason -> how many, since the last report
_actions: list[list[str]] = []              # [proxy client, key, message id] of keyed messages sent
_users = itertools.count()      # this worker's users, in spawn order
_numbers = itertools.count()    # this worker's messages (`{n}`)


def fill(template: str, values: dict[str, object]) -> str:
    """`{name}` placeholders replaced; unknown ones stay (harness.targets.placeholders.fill's rule)."""
    out = template
    for name, value in values.items():
        out = out.replace("{" + name + "}", str(value))
    return out


def deep_fill(template: object, values: dict[str, object]) -> object:
    if isinstance(template, str):
        return fill(template, values)
    if isinstance(template, dict):
        return {k: deep_fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [deep_fill(v, values) for v in template]
    return template


class WschaosUser(User):
    """One WebSocket connection that sends its share of the load step's messages, then idles."""

    def on_start(self) -> None:
        spec = spec_of(self.environment)
        runner = self.environment.runner
        worker = runner.worker_index if isinstance(runner, WorkerRunner) else 0
        k = next(_users)
        self.via = spec["clients"][(k + worker) % len(spec["clients"])]
        self.client_name = f"{self.via}-w{worker}u{k}"   # unique across workers: `{client}` in templates
        url = fill(spec["urls"][self.via], {"client": self.client_name})
        self.waiting: dict[tuple[object, object], float] = {}
        self.ws: websocket.WebSocket | None = None
        self.answered = gevent.event.Event()   # set when nothing is awaited after the last send, or on close
        self.sending = True
        started = time.perf_counter()
        try:
            self.ws = websocket.create_connection(url, timeout=spec["connect_timeout_s"], enable_multithread=True)
        except Exception as exc:  # noqa: BLE001 - refused, reset, timed out: a failed connect
            _pending["failed_connects"] += 1
            _failures[f"connect: {type(exc).__name__}"] += 1
            self._request("connect", started, exc)
            _pending["done"] += 1
            return
        self.ws.settimeout(None)
        self._request("connect", started)
        _pending["connected"] += 1
        self.reader = gevent.spawn(self._read)
        self._burst()
        _pending["done"] += 1

    def _burst(self) -> None:
        spec = SPEC
        assert self.ws is not None
        interval = 1.0 / spec["rate"] if spec["rate"] > 0 else 0.0
        for i in range(spec["messages"]):
            n = next(_numbers)
            values = {"client": self.client_name, "id": uuid.uuid4().hex, "n": n, "title": f"{self.client_name}-msg-{n}"}
            message = deep_fill(spec["template"], values)
            assert isinstance(message, dict)
            self.waiting[(spec["reply_type"], message.get(spec["id_field"]))] = time.perf_counter()
            try:
                self.ws.send(json.dumps(message))
            except Exception as exc:  # noqa: BLE001 - the connection is gone
                _pending["errors"] += 1
                _failures[f"send: {type(exc).__name__}"] += 1
                return
            _pending["sent"] += 1
            if spec.get("key"):
                _actions.append([self.via, fill(spec["key"], values), str(message.get(spec["id_field"]))])
            if interval and i + 1 < spec["messages"]:
                gevent.sleep(interval)
        self.sending = False
        if self.waiting and not self.reader.dead:
            self.answered.wait(spec["ack_timeout_s"])
        if self.waiting:
            _pending["errors"] += 1
            why = "connection closed before every reply" if self.reader.dead else "no reply within ack_within"
            _failures[why] += 1
            for _ in self.waiting:
                self._request(spec["template_name"], time.perf_counter(), TimeoutError(why))

    def _read(self) -> None:
        spec = SPEC
        assert self.ws is not None
        type_field, id_field = spec["type_field"], spec["id_field"]
        while True:
            try:
                raw = self.ws.recv()
            except Exception:  # noqa: BLE001 - closed: the burst sees `reader.dead`
                self.answered.set()
                return
            try:
                frame = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(frame, dict):
                continue
            sent = self.waiting.pop((frame.get(type_field), frame.get(id_field)), None)
            if sent is not None:
                _pending["answered"] += 1
                self._request(spec["template_name"], sent)
                if not self.waiting and not self.sending:
                    self.answered.set()

    def _request(self, name: str, started: float, exc: Exception | None = None) -> None:
        events.request.fire(request_type="WS", name=name, response_time=(time.perf_counter() - started) * 1000,
                            response_length=0, exception=exc, context={})

    @task
    def idle(self) -> None:
        gevent.sleep(1.0)

    def on_stop(self) -> None:
        if self.ws is not None:
            try:
                self.ws.close()
            except Exception:  # noqa: BLE001 - closing a broken socket
                pass


@events.report_to_master.add_listener
def _report(client_id: str, data: dict[str, Any], **_: Any) -> None:
    data["wschaos"] = {"counts": dict(_pending), "failures": dict(_failures), "actions": list(_actions)}
    _pending.clear()
    _failures.clear()
    _actions.clear()


class Feed:
    """The master's sums, appended to $WSCHAOS_LOCUST_FEED one JSON line at a time."""

    def __init__(self, environment: Environment) -> None:
        self.environment = environment
        self.totals: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.actions: list[list[str]] = []
        self.started = time.time()
        self.finished = False

    def add(self, data: dict[str, Any]) -> None:
        part = data.get("wschaos") or {}
        self.totals.update(part.get("counts") or {})
        self.failures.update(part.get("failures") or {})
        self.actions.extend(part.get("actions") or [])

    def write(self, kind: str) -> None:
        runner = self.environment.runner
        assert runner is not None
        stats = self.environment.stats.get(SPEC["template_name"], "WS")
        line: dict[str, Any] = {
            "kind": kind, "worker_time": time.time(), "users": runner.user_count,
            "workers": len(getattr(runner, "clients", {}) or {}),
            **{k: self.totals.get(k, 0) for k in COUNTS}, "failures": dict(self.failures),
            "rtt_p50_ms": stats.get_response_time_percentile(0.5) if stats.num_requests else None,
            "rtt_p95_ms": stats.get_response_time_percentile(0.95) if stats.num_requests else None,
            "rtt_max_ms": stats.max_response_time if stats.num_requests else None,
            "duration_s": round(time.time() - self.started, 3), "actions": self.actions,
        }
        self.actions = []
        with open(os.environ["WSCHAOS_LOCUST_FEED"], "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")

    def run(self) -> None:
        """Write a line every interval; the final one, and quit, once every user is done."""
        spec_of(self.environment)
        while not self.finished:
            gevent.sleep(SPEC.get("interval_s", 1.0))
            if self.totals.get("done", 0) >= SPEC["users"]:
                self.finish(quit_test=True)
            else:
                self.write("interval")

    def finish(self, quit_test: bool) -> None:
        """The final line (once); `quit_test` ends the test (not while Locust is already quitting)."""
        if self.finished:
            return
        self.finished = True
        self.write("final")
        if quit_test and self.environment.runner is not None:
            self.environment.runner.quit()


@events.init.add_listener
def _on_init(environment: Environment, **_: Any) -> None:
    if not isinstance(environment.runner, MasterRunner) or not os.environ.get("WSCHAOS_LOCUST_FEED"):
        return
    feed = Feed(environment)
    environment.events.worker_report.add_listener(lambda client_id, data, **_: feed.add(data))
    environment.events.test_start.add_listener(lambda **_: gevent.spawn(feed.run))
    environment.events.quitting.add_listener(lambda **_: feed.finish(quit_test=False))
