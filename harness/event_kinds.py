"""The declaration of every journal event kind and its fields (`KINDS`), by section; the one
list producers, readers, test builders and docs/journal.md follow. `harness.events` re-exports it
and checks events against it.

A field's `type` is a JSON type name: `str`, `int`, `float` (an int is fine), `bool`, `list`,
`dict` or `any`; a trailing `?` allows null.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal, Optional, get_args


@dataclass(frozen=True)
class Field:
    """One field of an event kind."""

    name: str
    type: str
    doc: str
    required: bool = True
    choices: tuple[str, ...] = ()

    @property
    def nullable(self) -> bool:
        return self.type.endswith("?")


@dataclass(frozen=True)
class EventKind:
    """One event kind: its name, where it comes from (the docs section), its fields and meaning."""

    name: str
    section: str
    doc: str
    fields: tuple[Field, ...] = ()

    def field(self, name: str) -> Optional[Field]:
        return next((f for f in self.fields if f.name == name), None)


def f(name: str, type: str, doc: str, choices: Iterable[str] = ()) -> Field:
    """A field every event of the kind carries."""
    return Field(name, type, doc, True, tuple(choices))


def opt(name: str, type: str, doc: str, choices: Iterable[str] = ()) -> Field:
    """A field only some events of the kind carry."""
    return Field(name, type, doc, False, tuple(choices))


RUN, LAG, FAULT, PROC, CLIENT, EIO = "run", "lag", "faults", "processes", "clients", "engineio"
MSG = "messages"
CLIENT_F = f("client", "str", "the simulated user (`b0`, `p0`, or the scenario's name for it)")
PID = f("pid", "int", "process id (also its process group)")
PROC_NAME = f("name", "str", "`server`, `static` or `toxiproxy`")
#: How a scenario (or a run) ended, declared once: `harness.verdict` decides it (see its docstring).
Outcome = Literal["passed", "inconclusive", "failed", "error", "interrupted", "skipped"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)

KINDS: tuple[EventKind, ...] = (
    # -- run and steps (runner) -----------------------------------------------------------
    EventKind("run.start", RUN, "the scenario begins; everything the run was asked to do", (
        f("run_id", "str", "the run's id (its report folder)"),
        f("scenario", "str", "scenario name"),
        f("scenario_file", "str", "the YAML it came from"),
        f("description", "str", "the scenario's description"),
        f("tags", "list", "the scenario's tags"),
        f("target", "str", "the target's name"),
        f("seed", "int", "random seed of the run"),
        f("time_scale", "float", "app timers and scenario durations are multiplied by it"),
        f("min_wait_s", "float", "deadline floor, real seconds"),
        f("bugs", "list", "bugs switched on in the target"),
        f("clients", "list", "`{name, kind, groups}` per declared client"),
        f("versions", "dict", "`{python, playwright, chromium, toxiproxy, wschaos}`"),
        f("rerun", "str", "the exact command that reruns this scenario"),
        f("ack_type", "str", "the target's `protocol.ack_type`: which frames are acks (`ack` when absent)"),
    )),
    EventKind("run.teardown", RUN, "the steps are over and the server's ledger and health were read; "
              "what follows is teardown, which checks ignore"),
    EventKind("run.end", RUN, "the scenario's verdict, decided once (`harness.conclude`); the journal's last event", (
        f("outcome", "str", "how it ended", OUTCOMES),
        f("error", "str?", "what ended it early, or null"),
        f("reasons", "list", "why inconclusive (evidence lines)"),
    )),
    EventKind("recovery.watch", RUN, "the steps are over but clients are still disconnected: the run keeps "
              "everything up until they are connected again or their recovery check's limit passes", (
        f("clients", "list", "the clients watched"),
        f("until", "float", "journal time the watch ends at the latest"),
    )),
    EventKind("recovery.end", RUN, "the recovery watch is over", (
        f("clients", "list", "the clients watched"),
        f("recovered", "list", "those connected again"),
        f("still_disconnected", "list", "those still disconnected (late, or the watch ran out of time)"),
    )),
    EventKind("harness.restarted", RUN, "a part of the shared infrastructure died and was started again "
              "before the next scenario (infra.jsonl)", (
        f("parts", "list", "`Chromium`, `toxiproxy-server`"),)),
    EventKind("step.start", RUN, "a step begins (written ahead)", (
        f("step", "int", "order of execution"),
        f("path", "str", "where it stands in the scenario: `steps[3]`, `steps[2].parallel[1]`"),
        f("name", "str", "step type"),
        f("summary", "str", "one human line"),
        f("params", "dict", "the step's parameters: durations as text (`300ms`), counts as numbers"),
        opt("for_s", "float", "real seconds after which a `for:` undoes it"),
    )),
    EventKind("step.end", RUN, "the step is over", (
        f("step", "int", "as in its step.start"),
        f("path", "str", "as in its step.start"),
        f("name", "str", "as in its step.start"),
        f("status", "str", "how it ended", ("ok", "failed", "error", "cancelled")),
        f("error", "str?", "why it failed, or null"),
        f("duration_s", "float", "real seconds it took"),
    )),
    EventKind("expect", RUN, "an inline expectation's verdict", (
        f("step", "int?", "the step number (null: the expect step does not know it)"),
        f("condition", "str", "human text"),
        f("clients", "list", "the clients it looked at"),
        f("passed", "bool", "whether it held in time"),
        f("observed", "dict", "what was last seen, per client"),
        f("within_s", "float", "the deadline, real seconds"),
        f("waited_s", "float", "how long it waited"),
    )),
    EventKind("screenshot", RUN, "a PNG of one page", (
        f("label", "str", "the step's label"),
        CLIENT_F,
        f("path", "str", "relative to the scenario directory (`screenshots/<label>-<client>.png`)"),
    )),
    EventKind("action", RUN, "the scenario made a client do something the server ledger will show", (
        CLIENT_F,
        f("action", "str", "`add_ticket`, `trigger_workflow`, `send`, ..."),
        f("key", "str", "the logical key the server ledger will show, e.g. `ticket:T-3`"),
        opt("message_id", "str?", "the message's id when the harness built it"),
        f("detail", "dict", "`{title}` or `{message}` (the template's name)"),
    )),
    EventKind("metrics", RUN, "a streamed journal's numbers (reconnects, messages, latency), computed from its "
              "file, which alone holds its traffic (harness.judging)", (
        f("values", "dict", "what `metrics.scenario_metrics` gives over every event"),
        opt("judged", "dict", "`{where: worker|in-process, events, seconds, rss_kb}`: what judging the file took "
            "(`rss_kb`: the worker's peak)"),
    )),
    EventKind("check", RUN, "a check's verdict", (
        f("name", "str", "the check"),
        f("passed", "bool", "whether it held"),
        f("summary", "str", "one line"),
        f("evidence", "list", "lines"),
        f("metrics", "dict", "numbers for the report"),
        f("params", "dict", "the check's parameters"),
        f("at", "list", "journal times the report marks on the timeline and shows the server log around: where each failure is explained"),
        f("inconclusive", "bool", "failed, but the machine can explain it"),
        f("status", "str", "`not_judged`: it could not see enough (not a pass); `not_reached`: a failed "
          "step ended the scenario first", ("passed", "failed", "inconclusive", "not_judged", "not_reached")),
    )),
    EventKind("trace", RUN, "a saved Playwright trace", (
        CLIENT_F, f("path", "str", "relative to the scenario directory"))),
    EventKind("harness.error", RUN, "something the harness could not do (read the ledger, sample, ...)", (
        f("error", "str", "what went wrong"),)),
    EventKind("harness.reaped", RUN, "leftovers of a killed earlier run were killed (infra.jsonl)", (
        f("processes", "int", "how many process groups"),
        f("marks", "list", "the run marks they carried"))),
    EventKind("load.summary", RUN, "one load step's totals", (
        f("group", "str", "the clients (names, or `N clients`)"),
        f("clients", "int", "how many (connections)"),
        f("sent", "int", "messages sent"),
        f("acked", "int", "messages acked"),
        f("errors", "int", "clients that failed"),
        f("failed_connects", "int", "connections that failed"),
        f("duration_s", "float", "real seconds"),
        opt("engine", "str", "what generated it", ("inprocess", "locust")),
        opt("rtt_p50_ms", "float?", "median round trip (send to reply)"),
        opt("rtt_p95_ms", "float?", "its p95"),
        opt("rtt_max_ms", "float?", "the slowest"),
    )),
    EventKind("load.interval", RUN, "a Locust master's totals so far, each second, stamped on arrival", (
        f("group", "str", "as in load.summary"), f("final", "bool", "the last"), f("users", "int", "running"),
        f("worker_time", "float", "the master's clock (never compared)"), f("workers", "int", "connected"),
        f("connected", "int", "connections"), f("failed_connects", "int", "refused"), f("sent", "int", "messages"),
        f("answered", "int", "replies"), f("errors", "int", "users short of replies"), f("failures", "dict", "why"),
        f("rtt_p50_ms", "float?", "median round trip"), f("rtt_p95_ms", "float?", "p95"), f("duration_s", "float", "so far"),
    )),
    EventKind("resources", RUN, "one resource sample (`wschaos soak`, `RunOptions.sample_resources_s`); "
              "a value it cannot read is null", (
        f("server_pid", "int?", "the system under test; null while it is stopped"),
        f("server_rss_kb", "int?", "VmRSS of /proc/<pid>/status"),
        f("server_fds", "int?", "entries of /proc/<pid>/fd"),
        opt("server_sockets", "int?", "those of them that are sockets: its listeners and open connections"),
        opt("harness_rss_kb", "int?", "VmRSS of wschaos itself: a long run must not grow it without bound"),
        f("pages", "dict", "`{b0: used JS heap bytes}`; null for a page asleep, closed or silent"),
        f("interval_s", "float", "real seconds between samples"),
    )),
    # -- machine lateness (lag monitor and pages) -------------------------------------------
    EventKind("lag", LAG, "a window of about 1 s whose timer overshoots added up to 50 ms or more; "
              "recorded at the end of the window (`t`)", (
        f("source", "str", "`harness`, or the client name for a page"),
        f("since_t", "float", "journal time the window began (a page: arrival minus the window)"),
        f("window_s", "float", "length of the window"),
        f("samples", "int", "timer wake-ups in the window"),
        f("max_ms", "float", "worst overshoot"),
        f("p95_ms", "float", "95th percentile overshoot"),
        f("total_ms", "float", "sum of the overshoots: how long the loop could not run"),
        opt("page_t", "float?", "pages only: the page's clock at the report"),
    )),
    EventKind("lag.summary", LAG, "per source over the whole run, when the monitor closes; checks ignore it", (
        f("sources", "dict", "`harness`: `{samples, max_ms, p95_ms, total_ms, notable_windows}`; "
          "a page: `{max_ms, total_ms, notable_windows}`"),)),
    # -- faults (Toxiproxy driver) ----------------------------------------------------------
    EventKind("toxiproxy.start", FAULT, "the shared Toxiproxy is up (infra.jsonl)", (
        PID, f("api", "str", "`host:port`"), f("version", "str", "toxiproxy-server's version"))),
    EventKind("toxiproxy.attach", FAULT, "an existing toxiproxy-server is used (`--toxiproxy`; infra.jsonl)", (
        f("api", "str", "`host:port`"), f("version", "str", "its version"), f("prefix", "str", "of this run's proxies"))),
    EventKind("proxy.create", FAULT, "one client's proxy", (
        f("proxy", "str", "proxy name"),
        f("client", "str?", "the client it carries"),
        f("listen", "str", "`host:port`"),
        f("upstream", "str", "`host:port`"),
    )),
    EventKind("fault.apply", FAULT, "a network fault begins (before it touches anything)", (
        f("fault_id", "str", "`f<n>`, pairs it with its revert"),
        f("fault", "str", "the fault's step name (a registered network fault: `down`, `latency`, ...; never "
          "Toxiproxy's toxic name)"),
        f("clients", "list", "client names"),
        f("proxies", "list", "their proxy names"),
        f("stream", "str", "direction", ("upstream", "downstream", "both")),
        f("params", "dict", "the step's parameters as step.start records them (`{latency: 300ms, "
          "jitter: 0ms, stream: downstream}`)"),
    )),
    EventKind("fault.revert", FAULT, "the fault is undone", (
        f("fault_id", "str", "as in its fault.apply"),
        f("fault", "str", "as in its fault.apply"),
        f("clients", "list", "as in its fault.apply"),
        f("note", "str", "what really happened (a blackhole's end closes the connections it held)"),
    )),
    EventKind("toxiproxy.verify", FAULT, "what Toxiproxy still held after the run", (
        f("proxies", "int", "proxies left"),
        f("toxics", "int", "toxics left; must be 0"),
        f("disabled", "int", "proxies still disabled"),
    )),
    # -- message faults (harness.messages, the page router and protocol clients) ------------
    EventKind("message.rule", MSG, "a message fault begins on the selected clients (before any frame is touched)", (
        f("fault_id", "str", "`m<n>`, pairs it with its message.rule_end and message.fault events"),
        f("fault", "str", "the step: `drop`, `delay`, `duplicate`, `reorder`, `close_after`"),
        f("clients", "list", "client names"),
        f("dir", "str", "which frames: `sent` (client to server), `received`, or both", ("sent", "received", "both")),
        f("match", "str", "what it matches, in words (`ack`, `trigger (type trigger_workflow)`, `status running`)"),
        f("params", "dict", "the step's parameters as step.start records them"),
    )),
    EventKind("message.rule_end", MSG, "a message fault stops acting on one client", (
        f("fault_id", "str", "as in its message.rule"),
        f("fault", "str", "as in its message.rule"),
        CLIENT_F,
        f("why", "str", "`reverted` (its `for:`, `during:`, `restore` or the end of the run) or `spent` "
          "(it acted on as many frames as it was asked to)", ("reverted", "spent")),
    )),
    EventKind("message.fault", MSG, "one frame a message fault acted on; `ws.frame` shows the wire, this "
              "what the receiving side got", (
        CLIENT_F,
        f("fault_id", "str", "as in its message.rule (`inject`: its own)"),
        f("fault", "str", "the step"),
        f("action", "str", "what happened to the frame: `held` then `released` (reorder), `lost` (held when "
          "the socket closed), `closed` (the socket closed right after it)",
          ("dropped", "delayed", "duplicated", "held", "released", "lost", "closed", "injected")),
        f("dir", "str", "direction", ("sent", "received")),
        f("type", "any", "the frame's type field (`protocol.type_field`), null when it has none"),
        f("id", "any", "the frame's id field (`protocol.id_field`), null when it has none"),
        f("data", "any", "the frame: parsed JSON, or text cut to 2000 characters"),
        f("delivered", "bool", "whether the receiving side gets this frame (at all: a delayed one does)"),
        opt("socket", "str?", "protocol clients: the socket (as in ws.open)"),
        opt("delay_s", "float", "delay: how late it is handed on"),
        opt("copies", "int", "duplicate: extra copies handed on"),
        opt("code", "int", "close_after: the close code the client was given"),
    )),
    # -- processes (process driver) ---------------------------------------------------------
    EventKind("proc.start", PROC, "a process was started", (PROC_NAME, PID, f("argv", "list", "its command line"))),
    EventKind("proc.ready", PROC, "its readiness probe answered", (
        PROC_NAME, PID, f("after_s", "float", "seconds after its start"))),
    EventKind("proc.log", PROC, "one line of its output", (
        PROC_NAME, f("stream", "str", "which output", ("stdout", "stderr")), f("line", "str", "the line"))),
    EventKind("proc.stop", PROC, "the harness stops it", (
        PROC_NAME, PID, f("how", "str", "`graceful` = SIGTERM then SIGKILL after grace, `kill` = SIGKILL, "
                          "`crash` = SIGKILL during a restart", ("graceful", "kill", "crash")))),
    EventKind("proc.pause", PROC, "SIGSTOP", (PROC_NAME, PID)),
    EventKind("proc.resume", PROC, "SIGCONT", (PROC_NAME, PID)),
    EventKind("proc.exit", PROC, "it exited", (PROC_NAME, PID, f("returncode", "int?", "its exit status"))),
    EventKind("server.health", PROC, "the target's health document, read after the steps", (
        f("data", "any", "as the target serves it"),)),
    EventKind("server.ledger", PROC, "the target's ledger, read after the steps", (
        f("entries", "list", "`{key, message_id, type, client_id, deliveries, ...}` as the target reports them"),)),
    # -- clients (browser and protocol drivers) ---------------------------------------------
    EventKind("client.open", CLIENT, "a client starts", (
        CLIENT_F,
        f("client_kind", "str", "which driver", ("browser", "protocol")),
        f("proxy", "str?", "its proxy"),
        f("url", "str", "the page (browser) or WebSocket (protocol) URL"),
        opt("page_random", "str", "browsers: whether `--seed` replays the page's own randomness (its backoff "
            "jitter): `seeded` (the target's `seed_random` seeds `Math.random`), `seed_in_url` (the page URL "
            "hands the app `{seed}`), `unseeded`", ("seeded", "seed_in_url", "unseeded")),
        opt("browser", "str", "browsers: where the page runs: `local`, or a browser server's ws:// address"),
    )),
    EventKind("client.close", CLIENT, "a client is closed", (CLIENT_F,)),
    EventKind("ws.attempt", CLIENT, "the client tries to connect", (
        CLIENT_F, f("url", "str?", "the WebSocket URL"),
        f("page_t", "float?", "seconds on the client's own clock (backoff analysis)"))),
    EventKind("ws.open", CLIENT, "a socket opened", (
        CLIENT_F, f("socket", "str", "`s1`, `s2`, ... unique per client"), f("url", "str?", "the WebSocket URL"))),
    EventKind("ws.frame", CLIENT, "one frame", (
        CLIENT_F, f("socket", "str?", "as in its ws.open"),
        f("dir", "str", "direction", ("sent", "received")),
        opt("type", "str?", "the field `protocol.type_field` names (`type`); absent for raw text sent"),
        opt("id", "any", "the field `protocol.id_field` names (`id`); absent for raw text sent"),
        f("data", "any", "parsed JSON, or text cut to 2000 characters"),
        opt("page_t", "float?", "the page's clock, where the frame stands for an Engine.IO heartbeat "
            "(`harness.connection`; never in a journal file)"),
    )),
    EventKind("ws.sent_at", CLIENT, "a page's app called `send` on an open socket: its own clock then "
              "(Playwright may journal the frame late on a busy machine); pages only", (
        CLIENT_F, f("socket", "str", "as in its ws.open"),
        f("n", "int", "1, 2, ...: the n-th send on the socket, stamping its n-th `ws.frame` `dir: sent`"),
        f("page_t", "float", "the page's clock (epoch seconds) when the app called `send`"))),
    EventKind("ws.closing", CLIENT, "the page's app called close() on an open socket: it gave the socket up "
              "(on a dead link the close event may come minutes later, when the browser gives up the closing "
              "handshake)", (
        CLIENT_F, f("socket", "str?", "as in its ws.open (null: a socket the tracker had not seen open)"),
        opt("code", "int?", "the close code the app asked for"), opt("reason", "str?", "its reason"),
        opt("page_t", "float?", "the page's clock"))),
    EventKind("ws.close", CLIENT, "a socket closed", (
        CLIENT_F, f("socket", "str", "as in its ws.open"),
        opt("code", "int?", "close code"), opt("reason", "str?", "close reason"),
        opt("page_t", "float?", "the page's clock"))),
    EventKind("ws.ignored", CLIENT, "a socket of the page that is not the app's (its URL does not match the "
              "target's `websocket`, e.g. a dev server's hot-reload socket): never counted", (
        CLIENT_F, f("url", "str", "the URL it dialled"))),
    EventKind("client.setup", CLIENT, "one try of the target's page `setup:` (or its reuse of a stored state)", (
        CLIENT_F, f("attempt", "int", "1, 2, ...; 0 when the stored state of an earlier client was reused"),
        f("passed", "bool", "whether the set-up ops all succeeded"),
        opt("error", "str?", "why a try failed"),
        opt("reused", "bool", "the page started with the browser state another client's set-up stored"))),
    EventKind("probe", CLIENT, "the target's probes, when any value changed", (
        CLIENT_F, f("values", "dict", "e.g. `{state, attempt, queue_length, health, alerts, connection_id, "
                    "server_instance_id}`"))),
    EventKind("browser.event", CLIENT, "something the harness did to a page", (
        CLIENT_F, f("event", "str", "what", ("offline", "online", "hidden", "visible", "sleep", "wake",
                                             "reload", "close", "open")))),
    # -- Engine.IO sessions (harness/engineio.py, from the page's reports) ---------------------
    EventKind("eio.attempt", EIO, "a Socket.IO/Engine.IO connection attempt: a handshake began (a polling GET "
              "without sid, or a WebSocket without sid); every reconnection makes one", (
        CLIENT_F, f("transport", "str", "the handshake's transport", ("polling", "websocket")),
        f("url", "str", "the handshake URL"), f("page_t", "float?", "the page's clock"))),
    EventKind("eio.fail", EIO, "a handshake failed: refused, an HTTP error, no open packet", (
        CLIENT_F, f("transport", "str", "the handshake's transport", ("polling", "websocket")),
        f("error", "str", "why, in words"), f("attempt", "int", "1, 2, ...: the page's n-th failed handshake"),
        f("page_t", "float?", "the page's clock when it failed (the next backoff delay starts here)"))),
    EventKind("eio.open", EIO, "the server opened a session", (
        CLIENT_F, f("session", "str", "the Engine.IO sid"),
        f("transport", "str", "the transport it opened on", ("polling", "websocket")),
        f("url", "str", "the handshake URL"), f("page_t", "float?", "the page's clock"),
        f("ping_interval_s", "float?", "the server's ping interval"),
        f("ping_timeout_s", "float?", "how long the client waits for a ping past the interval"),
        f("upgrades", "list", "transports the session may move to (`websocket`)"))),
    EventKind("eio.upgrade", EIO, "the session moved to a WebSocket (the client sent the upgrade packet)", (
        CLIENT_F, f("session", "str", "as in its eio.open"), f("transport", "str", "the new transport", ("websocket",)),
        f("page_t", "float?", "the page's clock"))),
    EventKind("eio.heartbeat", EIO, "a ping the server sent arrived, or the client's pong went out", (
        CLIENT_F, f("session", "str", "as in its eio.open"), f("packet", "str", "which", ("ping", "pong")),
        f("dir", "str", "as the client saw it", ("sent", "received")),
        f("transport", "str", "the session's transport then", ("polling", "websocket")),
        f("page_t", "float?", "the page's clock"))),
    EventKind("eio.close", EIO, "the session ended; for a client that gave a dead link up, the moment it did", (
        CLIENT_F, f("session", "str", "as in its eio.open"),
        f("transport", "str", "the session's transport then", ("polling", "websocket")),
        f("reason", "str", "`the server closed the session`, `the client closed the session`, `the client closed "
          "its transport` (a ping timeout), `the server does not know the session (HTTP 400)`, `transport "
          "error (...)`, `transport closed (code ...)`, `the page unloaded`"),
        f("page_t", "float?", "the page's clock"))),
    EventKind("page.resource", CLIENT, "a request of the page answered from a local file (the target's `resources`)", (
        CLIENT_F, f("url", "str", "the URL the page asked for"), f("file", "str", "the file that answered it"))),
    EventKind("page.error", CLIENT, "an uncaught exception in the page", (CLIENT_F, f("message", "str", "its text"))),
    EventKind("page.console", CLIENT, "a console error or warning of the page", (
        CLIENT_F, f("level", "str", "severity", ("error", "warning")), f("text", "str", "the message"))),
)

BY_NAME: dict[str, EventKind] = {k.name: k for k in KINDS}
SECTIONS = {RUN: "Run and steps (runner)", LAG: "Machine lateness (lag monitor and pages)",
            FAULT: "Faults (Toxiproxy driver)", PROC: "Processes (process driver)",
            CLIENT: "Clients (browser and protocol drivers)",
            EIO: "Engine.IO sessions (Socket.IO pages: harness/engineio.py)",
            MSG: "Message faults (page router and protocol clients)"}


def kinds_in(section: str) -> list[EventKind]:
    return [k for k in KINDS if k.section == section]
