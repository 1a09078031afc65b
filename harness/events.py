"""The journal's vocabulary: every event kind with its fields, declared once (Locust's `Events`).

Producers (`Journal.record`), readers and test builders all speak this vocabulary; the tables
in docs/journal.md are generated from it (`scripts/journal_doc.py`), a unit test scans the
harness source for `record("kind", field=...)` calls and compares them with it, and with
`WSCHAOS_STRICT_EVENTS=1` the runner validates every event of a scenario as it is recorded.

    problems = check_event({"t": 1.0, "kind": "ws.open", "client": "b0", "socket": "s1", "url": u})
    event = make("fault.apply", 2.0, fault_id="f1", fault="down", ...)   # ValueError if off-spec
    start = RunStart.from_events(events)                                  # typed run.start

A field's `type` is a JSON type name: `str`, `int`, `float` (an int is fine), `bool`, `list`,
`dict` or `any`; a trailing `?` allows null. Nested documents (`params`, `values`, `data`) are
free-form: their keys belong to the step, the target or the app, not to the journal.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Optional, get_args

from harness.clients import ClientSpec

#: Where JSON crosses into Python, named once: a journal line, a results.json entry, a check's
#: params and metrics, a frame's decoded payload, a page probe's answer. Their keys are declared
#: (the events below, docs/results.md) and tested; their values are whatever JSON holds, which
#: no static type states, so this is the one place the harness spells that as a type.
JSON = Any
JSONObject = dict[str, JSON]
Event = JSONObject

STRICT_ENV = "WSCHAOS_STRICT_EVENTS"


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


RUN, LAG, FAULT, PROC, CLIENT = "run", "lag", "faults", "processes", "clients"
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
        f("clients", "int", "how many"),
        f("sent", "int", "messages sent"),
        f("acked", "int", "messages acked"),
        f("errors", "int", "clients that failed"),
        f("failed_connects", "int", "connections that failed"),
        f("duration_s", "float", "real seconds"),
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
    EventKind("page.error", CLIENT, "an uncaught exception in the page", (CLIENT_F, f("message", "str", "its text"))),
    EventKind("page.console", CLIENT, "a console error or warning of the page", (
        CLIENT_F, f("level", "str", "severity", ("error", "warning")), f("text", "str", "the message"))),
)

BY_NAME: dict[str, EventKind] = {k.name: k for k in KINDS}
SECTIONS = {RUN: "Run and steps (runner)", LAG: "Machine lateness (lag monitor and pages)",
            FAULT: "Faults (Toxiproxy driver)", PROC: "Processes (process driver)",
            CLIENT: "Clients (browser and protocol drivers)"}

_TYPES: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,),
                                       "list": (list, tuple), "dict": (dict,), "any": (object,)}


def _type_ok(value: object, spec: Field) -> bool:
    if value is None:
        return spec.nullable or spec.type == "any"
    wanted = _TYPES[spec.type.rstrip("?")]
    if isinstance(value, bool) and bool not in wanted and object not in wanted:
        return False  # JSON true is not a number
    return isinstance(value, wanted)


def check_event(event: Event) -> list[str]:
    """Every way `event` departs from its declaration (empty: it is one the harness records)."""
    kind = event.get("kind")
    spec = BY_NAME.get(kind)  # type: ignore[arg-type]
    if spec is None:
        return [f"undeclared event kind {kind!r} (declare it in harness/events.py)"]
    problems = []
    if not isinstance(event.get("t"), (int, float)) or isinstance(event.get("t"), bool):
        problems.append(f"{kind}: `t` must be a number, got {event.get('t')!r}")
    for name, value in event.items():
        if name in ("t", "kind"):
            continue
        fs = spec.field(name)
        if fs is None:
            known = ", ".join(x.name for x in spec.fields) or "none"
            problems.append(f"{kind}: undeclared field {name!r} (declared: {known})")
        elif not _type_ok(value, fs):
            problems.append(f"{kind}.{name}: expected {fs.type}, got {type(value).__name__} {_short(value)}")
        elif fs.choices and value is not None and value not in fs.choices:
            problems.append(f"{kind}.{name}: {value!r} is not one of {', '.join(fs.choices)}")
    problems += [f"{kind}: missing field {x.name!r}" for x in spec.fields if x.required and x.name not in event]
    return problems


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def make(kind: str, t: float, **fields: JSON) -> Event:
    """A declared event, as `Journal.record` would write it; ValueError when it is off-spec."""
    event: Event = {"t": float(t), "kind": kind, **fields}
    problems = check_event(event)
    if problems:
        raise ValueError("; ".join(problems))
    return event


class StrictEvents:
    """A journal listener that collects every departure from the declaration (strict mode)."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    @classmethod
    def from_env(cls, env: Optional[dict[str, str]] = None) -> Optional["StrictEvents"]:
        """A validator when `WSCHAOS_STRICT_EVENTS=1`, else None."""
        return cls() if (os.environ if env is None else env).get(STRICT_ENV) == "1" else None

    def __call__(self, event: Event) -> None:
        for problem in check_event(event):
            if problem not in self.problems:
                self.problems.append(problem)

    def error(self) -> str:
        """One line for `harness.error` and the scenario's error."""
        return f"journal events departed from harness/events.py ({STRICT_ENV}=1): " + "; ".join(self.problems)


# -- typed readers --------------------------------------------------------------------------
@dataclass(frozen=True)
class RunStart:
    """`run.start` read once, typed; missing values (older or hand-made journals) get defaults."""

    scenario: str = ""
    scenario_file: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    target: str = ""
    seed: Optional[int] = None
    time_scale: float = 1.0
    min_wait_s: float = 5.0
    bugs: tuple[str, ...] = ()
    clients: tuple[ClientSpec, ...] = ()
    versions: JSONObject = field(default_factory=dict, hash=False, compare=False)
    rerun: str = ""
    ack_type: str = "ack"
    run_id: str = ""
    t: float = 0.0

    @classmethod
    def from_event(cls, event: Optional[Event]) -> "RunStart":
        e = event or {}
        clients = tuple(ClientSpec.from_dict(c) for c in e.get("clients") or () if isinstance(c, dict) and "name" in c)
        return cls(
            scenario=str(e.get("scenario") or ""), scenario_file=str(e.get("scenario_file") or ""),
            description=str(e.get("description") or ""), tags=tuple(e.get("tags") or ()),
            target=str(e.get("target") or ""), seed=e.get("seed"),
            time_scale=float(e.get("time_scale") or 1.0),
            min_wait_s=float(e["min_wait_s"]) if e.get("min_wait_s") is not None else 5.0,
            bugs=tuple(e.get("bugs") or ()), clients=clients, versions=dict(e.get("versions") or {}),
            rerun=str(e.get("rerun") or ""), ack_type=str(e.get("ack_type") or "ack"),
            run_id=str(e.get("run_id") or ""), t=float(e.get("t") or 0.0),
        )

    @classmethod
    def from_events(cls, events: Iterable[Event]) -> "RunStart":
        """The first `run.start` of a journal (defaults when there is none)."""
        return cls.from_event(next((e for e in events if e.get("kind") == "run.start"), None))

    def client_kinds(self) -> dict[str, str]:
        return {c.name: c.kind for c in self.clients}


def kinds_in(section: str) -> list[EventKind]:
    return [k for k in KINDS if k.section == section]


__all__ = ["Field", "EventKind", "KINDS", "BY_NAME", "SECTIONS", "STRICT_ENV", "check_event",
           "make", "StrictEvents", "RunStart", "kinds_in"]
