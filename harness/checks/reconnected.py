"""`reconnected` and `max_disconnection`: how long clients stayed disconnected.

Both read `harness.analysis.disconnections`: what the state probe showed merged with what the
sockets showed, so a reconnect faster than the probe interval is still judged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from harness.analysis import CONNECTED, DELIBERATE, Window, disconnections, fault_windows, scenario_end, state_timeline
from harness.disruptions import disruption_lifted, in_force
from harness.states import hint
from harness.checks.dead_link import dead_links
from harness.checks.base import Check, CheckResult, RecoveryLimit, RunView, checks
from harness.clients import ClientSelector
from harness.checks.common import at, capped, dur, limit, plural, select
from harness.events import JSONObject
from harness.units import Duration, Range


def _windows(run: RunView, names: list[str], end: float) -> list[tuple[str, Window]]:
    """Every disconnection of the clients (state probe and sockets merged) that began before the
    scenario's steps were over, leaving out a deliberate disconnect (`disconnected`, a closed
    page) that lasted to the end."""
    return [(c, w) for c in names for w in disconnections(run.events, c)
            if w.start <= end and not (w.end is None and w.label in DELIBERATE)]


def story(run: RunView, c: str, w: Window, end: float, word: str = "from") -> str:
    """Each state of a disconnection in sequence: `reconnecting t=9.5-24.4s, then failed from t=24.4s`
    (a window with one state reads `reconnecting from t=9.5s`)."""
    until = w.end if w.end is not None else end
    states = [(t, s) for t, s in state_timeline(run.events, c) if w.start <= t < until and s != CONNECTED]
    if len(states) <= 1:
        return f"{w.label} {word} {at(w.start)}"
    parts = [f"{s} t={t:.1f}-{states[i + 1][0]:.1f}s" for i, (t, s) in enumerate(states[:-1])]
    last_t, last = states[-1]
    tail = f"{last} t={last_t:.1f}-{w.end:.1f}s" if w.end is not None else f"{last} from {at(last_t)}"
    return ", then ".join(parts + [tail])


def never_lifted(run: RunView, c: str, end: float) -> str | None:
    """What still disrupted `c` when the scenario ended, in words, if the steps never lifted it
    (a timed `for:` due after the end counts as never)."""
    held = [d for d in in_force(run.events, c, end) if d.lifts_at is None or d.lifts_at > end]
    return "; ".join(d.what for d in held) or None


def _socket_only(c: str, w: Window, seconds: float) -> str:
    """A disconnection only the sockets saw: its length and what they showed (no probe state)."""
    return f"{c}: disconnected {dur(seconds)} ({w.note})"


@checks.register("reconnected")
@dataclass(frozen=True)
class Reconnected(Check):
    """After every disconnection each selected client is connected again within `within`.

    Timed from when the disruption was lifted (fault reverted, server ready, page online) if that
    came later than the disconnection itself."""

    primary: ClassVar[str] = "within"  # `- <check>: value` fills this field

    within: Duration = Duration(20.0)
    clients: ClientSelector = "all"

    def recovery_limits(self, run: RunView) -> list[RecoveryLimit]:
        names, bad = select(self, run, self.clients)
        return [] if bad else [RecoveryLimit(c, run.time.deadline(self.within)) for c in names]

    def judge(self, run: RunView) -> CheckResult:
        names, bad = select(self, run, self.clients)
        if bad:
            return bad
        end = scenario_end(run.all_events)
        windows = _windows(run, names, end)
        problems, marks, unjudged = self._problems(run, names, windows, end)
        times = [w.end - recovery_from(run, c, w, w.end) for c, w in windows if w.end is not None]
        metrics = {"disconnections": len(windows), "max_reconnect_s": max(times, default=0.0),
                   "limit_s": run.time.deadline(self.within)}
        lim = limit(run, self.within)
        if problems:
            return self.result(False, f"{plural(len(problems), 'problem')} reconnecting within {lim}",
                               capped(problems), metrics, marks)
        if unjudged:
            # Still open at the end and not late: whether it recovers was never seen. Not a pass.
            return self.not_judged(f"{plural(len(unjudged), 'disconnection')} still open when the scenario ended "
                                   "could not be judged", capped(unjudged), metrics)
        if not windows:
            return self._no_windows(run, names, metrics)
        lifted = any(recovery_from(run, c, w, w.end) > w.start for c, w in windows if w.end is not None)
        after = " after the disruption was lifted" if lifted else ""
        return self.result(True, f"{plural(len(times), 'disconnection')} of {', '.join(names)} all "
                           f"recovered within {lim} (longest {dur(max(times))}{after})",
                           capped([_recovered(run, c, w) for c, w in windows if w.end is not None]), metrics)

    def _no_windows(self, run: RunView, names: list[str], metrics: JSONObject) -> CheckResult:
        """No disconnection seen: unless a client sat on a dead link (a blackhole) without noticing."""
        dead = [d for c in names for d in dead_links(run.all_events, c) if d.noticed_t is None]
        if not dead:
            return self.result(True, f"no disconnection of {', '.join(names)}: nothing to recover from", [], metrics)
        lines = [f"{d.client}: said 'connected' on a dead link ({d.fault.fault} from {at(d.fault.start)}, "
                 f"socket {d.socket} received {plural(d.received, 'frame')}) for at least {dur(d.seconds)} and "
                 "never noticed, so it never reconnected (dead_link times this)" for d in dead]
        limit_s = run.time.deadline(self.within)
        return self.result(False, f"no disconnection seen, but {plural(len(dead), 'client')} sat on a dead link "
                           "without noticing", capped(lines), metrics, [d.marker(limit_s) for d in dead])

    def _problems(self, run: RunView, names: list[str], windows: list[tuple[str, Window]],
                  end: float) -> tuple[list[str], list[float], list[str]]:
        lim, limit_s = limit(run, self.within), run.time.deadline(self.within)
        problems = [f"{c}: never connected (states seen: {_states(run, c)}){hint([s for _, s in state_timeline(run.events, c)])}"
                    for c in names if not any(s == "connected" for _, s in state_timeline(run.events, c))]
        marks: list[float] = []
        unjudged: list[str] = []
        for c, w in windows:
            began = recovery_from(run, c, w, w.end if w.end is not None else end)
            held = f" (the disruption lasted until {at(began)})" if began > w.start else ""
            if w.end is None:
                cause = never_lifted(run, c, end)
                if cause is not None:
                    unjudged.append(f"{c}: disconnected since {at(w.start)} and the steps never lifted what "
                                    f"disconnected it ({cause}), so whether it reconnects was never seen: lift it "
                                    "before the scenario ends (e.g. `server: start`, or `for:` on the fault)")
                    continue
                if end - began <= limit_s:
                    unjudged.append(f"{c}: not connected again when the scenario ended at {at(end)}, only "
                                    f"{dur(end - began)} after the disruption was lifted, under the {lim} limit: "
                                    "the run could not watch it long enough (raise the scenario's `timeout:`)")
                    continue
                since = (f"disconnected since {at(w.start)} ({w.note})" if w.source == "socket"
                         else story(run, c, w, end, "since"))
                problems.append(f"{c}: {since}{held}, still not connected when the "
                                f"scenario ended at {at(end)}, {dur(end - began)} later; limit {lim}")
                marks.append(began + limit_s)  # the moment it became late
            elif w.end - began > limit_s:
                took = (_socket_only(c, w, w.end - w.start) if w.source == "socket" else
                        f"{c}: {story(run, c, w, end)}{held}, connected again at {at(w.end)} "
                        f"after {dur(w.end - began)}")
                problems.append(f"{took}, limit {lim}")
                marks.append(began + limit_s)
        return problems, marks, unjudged


def recovery_from(run: RunView, client: str, w: Window, until: float) -> float:
    """Where a reconnection is timed from: the disruption's end when the scenario held it (a fault
    reverted, the server ready, the page online again) during the window, else the window's start.
    A fault held by `during:` for as long as slow steps take must not count against the app."""
    lifted = disruption_lifted(run.events, client, w.start, until)
    return lifted if lifted is not None else w.start


def _recovered(run: RunView, c: str, w: Window) -> str:
    """`b0: reconnecting t=1.1s -> connected t=9.3s (8.22s)`; when the scenario held the disruption,
    both times: `(disconnected for 8.22s, connected 216ms after the fault was lifted at t=9.1s)`."""
    assert w.end is not None
    if w.source == "socket":
        return _socket_only(c, w, w.end - w.start)
    lifted = recovery_from(run, c, w, w.end)
    took = (f"disconnected for {dur(w.end - w.start)}, connected {dur(w.end - lifted)} after "
            f"{_lift(run, c, lifted)} at {at(lifted)}" if lifted > w.start else dur(w.end - w.start))
    return f"{c}: {w.label} {at(w.start)} -> connected {at(w.end)} ({took})"


def _lift(run: RunView, client: str, t: float) -> str:
    """What ended the disruption at `t` (what `disruption_lifted` found there), in words."""
    if any(f.end == t and f.hits(client) for f in fault_windows(run.events)):
        return "the fault was lifted"
    if any(e["t"] == t and e.get("name") == "server" for e in run.of_kind("proc.ready")):
        return "the server was ready again"
    return "the page came back"


def _states(run: RunView, client: str) -> str:
    return " -> ".join(s for _, s in state_timeline(run.events, client)) or "none"


@checks.register("max_disconnection")
@dataclass(frozen=True)
class MaxDisconnection(Check):
    """No selected client stays disconnected longer than `max` (`0s`: never disconnected)."""

    primary: ClassVar[str] = "max"  # `- <check>: value` fills this field

    max: Annotated[Duration, Range("0ms", "24h")]
    clients: ClientSelector = "all"

    def recovery_limits(self, run: RunView) -> list[RecoveryLimit]:
        names, bad = select(self, run, self.clients)
        return [] if bad else [RecoveryLimit(c, run.time.scaled(self.max), from_lift=False) for c in names]

    def judge(self, run: RunView) -> CheckResult:
        names, bad = select(self, run, self.clients)
        if bad:
            return bad
        end = scenario_end(run.all_events)
        limit_s = run.time.scaled(self.max)  # a bound on a measured interval: no min_wait floor
        lim = limit(run, self.max, deadline=False)
        windows = _windows(run, names, end)
        if not windows:
            return self.result(True, f"no disconnection of {', '.join(names)}", [],
                               {"max_disconnection_s": 0.0, "limit_s": limit_s})
        c, w = max(windows, key=lambda cw: cw[1].duration(end))
        longest = w.duration(end)
        until = f"connected again at {at(w.end)}" if w.end is not None else f"still {w.label} at the end {at(end)}"
        line = (_socket_only(c, w, longest) if w.source == "socket"
                else f"{c}: {story(run, c, w, end)}, {until}: {dur(longest)}")
        metrics = {"max_disconnection_s": longest, "limit_s": limit_s, "disconnections": len(windows)}
        if longest > limit_s:
            others = [_socket_only(c2, w2, w2.duration(end)) if w2.source == "socket" else
                      f"{c2}: {w2.label} from {at(w2.start)} for {dur(w2.duration(end))}"
                      for c2, w2 in windows if w2 is not w and w2.duration(end) > limit_s]
            over = f"exceeds {lim}" if self.max.seconds else "expected no disconnection"
            summary = (f"longest disconnection {dur(longest)} ({c}) {over}" if self.max.seconds
                       else f"{c} was disconnected for {dur(longest)}, {over}")
            return self.result(False, summary,
                               capped([f"{line}, {over}"] + others), metrics,
                               [w2.start + limit_s for _, w2 in windows if w2.duration(end) > limit_s])
        unlifted = [f"{c2}: still {w2.label} at the end {at(end)} after {dur(w2.duration(end))}, and the steps never "
                    f"lifted what disconnected it ({cause}), so how long it stays disconnected was never seen"
                    for c2, w2 in windows if w2.end is None and (cause := never_lifted(run, c2, end)) is not None]
        if unlifted:
            return self.not_judged(f"{plural(len(unlifted), 'disconnection')} still open when the scenario ended "
                                   "could not be judged", capped(unlifted), metrics)
        return self.result(True, f"longest disconnection {dur(longest)} ({c}) within {lim}", [line], metrics)
