"""What a run shows on the terminal: a live display of the running scenarios (one line per lane,
ticking: elapsed, the current step, the time left before the current `expect` or `idle` ends),
then one plain line per scenario verdict and a summary.

The live part is drawn with rich (a TTY only; `--quiet` or a pipe gets the plain lines alone,
which tools and tests parse: `PASS  name  (1.2s)`, `FAIL ...`, `SKIP ...`, `N passed in 3.1s`).
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from harness.disruptions import unexpected_exits

from harness.events import Event, Outcome
from harness.report.results import repeat_round
from harness.verdict import repeat_totals, total_text
from harness.units import Duration, TimeScale

if TYPE_CHECKING:
    from harness.run_record import RunResult
    from harness.conclude import ScenarioOutcome

MARKS = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "interrupted": "INTERRUPTED",
         "inconclusive": "INCONCLUSIVE", "skipped": "SKIP"}
REFRESH_PER_S = 4


@dataclass
class Lane:
    """One running scenario as the live display shows it."""

    index: int
    name: str
    started: float
    scale: TimeScale
    step: str = "starting"
    deadline: float | None = None   # monotonic time the current expect/idle/for ends
    deadline_what: str = ""

    def line(self, total: int, now: float) -> Text:
        text = Text(f"[{self.index}/{total}] ", style="dim")
        text.append(self.name, style="bold")
        text.append(f"  {now - self.started:5.1f}s  ", style="cyan")
        text.append(self.step)
        if self.deadline is not None:
            text.append(f"  ({max(0.0, self.deadline - now):.1f}s {self.deadline_what})", style="yellow")
        return text


def _seconds(text: str) -> float:
    """App seconds of a duration as `step.start` params spell it (`10s`, `1m30s`)."""
    parts = re.findall(r"\d+(?:\.\d+)?(?:ms|s|m|h)", text)
    if not parts or "".join(parts) != text.replace(" ", ""):
        raise ValueError(text)
    return sum(Duration.parse(part).seconds for part in parts)


def step_deadline(event: Event, scale: TimeScale) -> tuple[float | None, str]:
    """Real seconds until a step started by `event` ends by itself, and what that end is:
    an `expect` gives up after its (scaled, floored) `within`, an `idle` ends after its
    (scaled) duration, a fault held `for:` is undone after `for_s`."""
    params = event.get("params") or {}
    try:
        if event.get("name") == "expect":
            return scale.deadline(_seconds(str(params.get("within", "10s")))), "left"
        if event.get("name") == "idle" and params.get("duration") is not None:
            return scale.scaled(_seconds(str(params["duration"]))), "left"
    except ValueError:
        return None, ""
    if event.get("for_s") is not None:
        return float(event["for_s"]), "until undone"
    return None, ""


class Progress:
    """Journal listener and outcome listener of a run; `lane(name)` gives each scenario its own
    listener so scenarios running side by side (`-j`) keep their own lines."""

    def __init__(self, total: int, live: bool = True, out: TextIO = sys.stderr, rounds: int = 1) -> None:
        """`rounds`: the run's `--repeat`; each round's verdicts come under a separator line."""
        self.total, self.live, self.out, self.rounds = total, live, out, rounds
        self.round = 0          # the round whose separator was printed last
        self.index = 0
        self.started = time.monotonic()
        self.lanes: dict[str, Lane] = {}
        self._current = ""     # the last scenario started, for events that come without a lane
        self._display: Live | None = None
        self.console = Console(file=out, highlight=False, soft_wrap=True) if live else None

    # -- listeners --------------------------------------------------------------------------

    def lane(self, name: str) -> Callable[[Event], None]:
        """The journal listener of scenario `name`."""
        return lambda event: self._on_event(name, event)

    def on_event(self, event: Event) -> None:
        """A journal listener for one scenario at a time (no lanes)."""
        self._on_event(str(event.get("scenario") or self._current) if event.get("kind") == "run.start"
                       else self._current, event)

    __call__ = on_event

    def _on_event(self, name: str, event: Event) -> None:
        kind = event.get("kind")
        now = time.monotonic()
        if kind == "run.start":
            self.index += 1
            self._current = name = str(event.get("scenario") or name)
            scale = TimeScale(float(event.get("time_scale") or 1.0), float(event.get("min_wait_s") or 0.0))
            self.lanes[name] = Lane(self.index, name, now, scale)
            self._start_display()
            return
        lane = self.lanes.get(name)
        if lane is None:
            return
        if kind == "step.start":
            lane.step = f"{event.get('path') or 'step'}: {event.get('summary')}"  # the step's place in its file, as errors and the report name it
            seconds, lane.deadline_what = step_deadline(event, lane.scale)
            lane.deadline = None if seconds is None else now + seconds
        elif kind == "step.end":
            lane.deadline = None
        elif kind == "recovery.watch":
            clients = ", ".join(event.get("clients") or [])
            lane.step = f"recovery watch: {clients} still disconnected after the last step"
            lane.deadline = now + max(0.0, float(event.get("until") or 0.0) - float(event.get("t") or 0.0))
            lane.deadline_what = "the recovery limit"
        elif kind == "recovery.end":
            lane.deadline = None
        elif kind == "run.teardown":
            lane.step, lane.deadline = "tearing down", None

    def on_outcome(self, outcome: ScenarioOutcome) -> None:
        self.lanes.pop(outcome.name, None)
        mark = MARKS.get(outcome.outcome, outcome.outcome.upper())
        lines = self._separator(outcome)
        lines.append(f"{mark:<5} {outcome.name}  ({outcome.duration_s:.1f}s)")
        if outcome.outcome != "passed":
            lines += self._explain(outcome)
        self._print(lines)

    def _separator(self, outcome: ScenarioOutcome) -> list[str]:
        """`── round 2 of 3 ──` before the first verdict of each round of a `--repeat` run (each round
        runs in its own `repeat-N/` folder)."""
        at = repeat_round(f"{outcome.dir.as_posix()}/") if self.rounds > 1 else None
        if at is None or at == self.round:
            return []
        self.round = at
        return [f"── round {at} of {self.rounds} ──"]

    # -- output -----------------------------------------------------------------------------

    def _start_display(self) -> None:
        if self.console is not None and self._display is None:
            self._display = Live(console=self.console, get_renderable=self._render, transient=True,
                                 refresh_per_second=REFRESH_PER_S, redirect_stdout=False, redirect_stderr=False)
            self._display.start()

    def _render(self) -> Group:
        now = time.monotonic()
        lines = [lane.line(self.total, now) for lane in list(self.lanes.values())]
        return Group(*lines) if lines else Group(Text(f"{now - self.started:.1f}s", style="dim"))

    def _print(self, lines: list[str]) -> None:
        if self.console is not None:
            for line in lines:
                self.console.print(line, markup=False, highlight=False)
        else:
            self.out.write("".join(f"{line}\n" for line in lines))
            self.out.flush()

    def close(self) -> None:
        """Stop the live display (idempotent)."""
        if self._display is not None:
            self._display.stop()
            self._display = None

    def _totals(self, result: RunResult) -> list[str]:
        """Each scenario over the rounds of a `--repeat` run: `name: 3/3 passed`."""
        if self.rounds < 2:
            return []
        runs: list[tuple[str, Outcome]] = [(o.name, o.outcome) for o in result.outcomes] + [(p.scenario.name, "skipped") for p, _ in result.skipped]
        totals = repeat_totals(runs)
        return ["", f"per scenario over {self.rounds} rounds:"] + [f"  {n}: {total_text(t)}" for n, t in totals.items()]

    @staticmethod
    def _explain(outcome: ScenarioOutcome) -> list[str]:
        lines = [f"      {outcome.error}"] if outcome.error else []
        lines += [f"      {death.sentence()}" for death in unexpected_exits(outcome.events)]
        lines += [f"      inconclusive: {reason}" for reason in outcome.reasons]
        for check in outcome.checks:
            if not check.passed and check.status != "not_reached":
                lines.append(f"      check {check.name}: {check.summary}")
                lines += [f"        {line}" for line in check.evidence[:8]]
        unreached = [c.name for c in outcome.checks if c.status == "not_reached"]
        if unreached:
            lines.append(f"      not reached (the scenario stopped first): {', '.join(unreached)}")
        lines.append(f"      seed {outcome.plan.seed}; rerun: {outcome.plan.rerun}")
        return lines

    def final(self, result: RunResult, html: Path | str | None) -> None:
        """Skipped and flaky scenarios, the summary line and where the report is."""
        self.close()
        counts: dict[str, int] = {}
        for o in result.outcomes:
            counts[o.outcome] = counts.get(o.outcome, 0) + 1
        lines = []
        if result.skipped:
            counts["skipped"] = len(result.skipped)
            lines += [f"SKIP  {plan.scenario.name}  ({why})" for plan, why in result.skipped[:5]]
            if len(result.skipped) > 5:
                lines.append(f"      ... and {len(result.skipped) - 5} more skipped")
        lines += self._totals(result)
        lines += [f"FLAKY {name}: {', '.join(seen)}" for name, seen in result.flaky.items()]
        lines += [f"{'PASS' if t.passed else 'FAIL':<5} threshold {t.summary}" for t in result.thresholds]
        if result.infra_error:
            lines.append(f"ERROR {result.infra_error}")
        summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing ran"
        broken = sum(1 for t in result.thresholds if not t.passed)
        summary += f", {broken} run threshold{'s' if broken > 1 else ''} not held" if broken else ""
        took = time.monotonic() - self.started
        written = html is not None and Path(html).is_file()
        lines += ["", f"{summary} in {took:.1f}s" + (" (interrupted)" if result.interrupted else ""),
                  f"report: {html}" if written else f"report: not written; results: {result.run_dir / 'results.json'}"]
        self._print(lines)
