"""What a run has done so far, as its results: `RunResult` (the outcomes in memory, the run's
verdict and exit code) and `RunRecord` (the results.json document built from them, typed, with
the entries of scenarios that never ran or were running when the run ended).

The run owner (`harness.run.Run`) adds outcomes and asks for the document; it builds nothing
itself.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Sequence

from harness import verdict
from harness.conclude import ScenarioOutcome
from harness.events import JSONObject, Outcome
from harness.metrics import run_metrics
from harness.plan import Plan, RunOptions
from harness.report import results as docs
from harness.report.document import RunDocument, RunMeta, ScenarioEntry, ScenarioInfo
from harness.thresholds import Threshold, ThresholdResult, check_metrics


@dataclass
class RunResult:
    """Every scenario outcome of one run, what never ran, and where the reports are."""

    run_id: str
    run_dir: Path
    outcomes: list[ScenarioOutcome] = field(default_factory=list)
    skipped: list[tuple[Plan, str]] = field(default_factory=list)   # (plan, why it never ran)
    interrupted: bool = False
    infra_error: Optional[str] = None     # the shared infrastructure, or writing the reports, failed
    started_at: dt.datetime = field(default_factory=dt.datetime.now)
    duration_s: float = 0.0
    thresholds: list[ThresholdResult] = field(default_factory=list)   # run-level, judged once at the end

    @property
    def outcome(self) -> Outcome:
        """The run's verdict (harness.verdict decides)."""
        named: list[Outcome] = [o.outcome for o in self.outcomes] + (["error"] if self.infra_error else [])
        return verdict.run_outcome(named, self.interrupted, any(not t.passed for t in self.thresholds))

    @property
    def exit_code(self) -> int:
        return verdict.exit_code(self.outcome)

    @property
    def flaky(self) -> dict[str, list[str]]:
        """Scenarios whose repeated runs (`--repeat`) disagreed, with every verdict."""
        return verdict.flaky((o.name, o.outcome) for o in self.outcomes)

    @property
    def passed(self) -> bool:
        return bool(self.outcomes) and self.outcome == "passed"


def new_run_id(now: Optional[dt.datetime] = None) -> str:
    now = now or dt.datetime.now()
    return now.strftime("%Y%m%d-%H%M%S-") + f"{random.randrange(16**4):04x}"


class RunRecord:
    """The results.json document of one run, built from its `RunResult` as things stand."""

    def __init__(self, result: RunResult, planned: Sequence[Plan], options: RunOptions,
                 thresholds: Sequence[Threshold] = ()) -> None:
        self.result, self.planned, self.options = result, list(planned), options
        self.thresholds = tuple(thresholds)
        self.running: list[Plan] = []          # more than one with lanes (-j)
        self.versions: JSONObject = {}
        self._entries: dict[int, ScenarioEntry] = {}   # id(outcome) -> its entry, built once

    def entry(self, outcome: ScenarioOutcome) -> ScenarioEntry:
        """The outcome's results.json entry (paths relative to the run folder)."""
        if id(outcome) not in self._entries:
            run_dir, sdir = self.result.run_dir, outcome.dir
            rel = sdir.relative_to(run_dir).as_posix() if sdir.is_relative_to(run_dir) else str(sdir)
            self._entries[id(outcome)] = docs.scenario_entry(outcome.events, outcome.checks, rel)
        return self._entries[id(outcome)]

    def accounted(self, plan: Plan) -> bool:
        """Whether the plan ran, or was listed as skipped."""
        return any(o.plan is plan for o in self.result.outcomes) or any(p is plan for p, _ in self.result.skipped)

    def final(self) -> RunDocument:
        """The finished run's document; the run's thresholds are judged here, once."""
        if self.thresholds and not self.result.thresholds:
            entries = [self.entry(o) for o in self.result.outcomes]
            self.result.thresholds = [judge_in_run(t, entries) for t in self.thresholds]
        return self.document(final=True)

    def document(self, final: bool) -> RunDocument:
        """results.json: while the run goes on (`final` False) the running scenarios read as
        interrupted and the rest as skipped, so a killed run leaves a readable one."""
        result = self.result
        entries = [self.entry(o) for o in sorted(result.outcomes, key=self._order)]
        entries += [docs.not_run_entry(_info(p), "interrupted", "the run ended while it was running") for p in self.running]
        entries += [docs.not_run_entry(_info(p), "skipped", why) for p, why in result.skipped]
        if not final:
            entries += [docs.not_run_entry(_info(p), "skipped", "not started yet") for p in self.planned
                        if not self.accounted(p) and all(p is not r for r in self.running)]
        first = self.planned[0] if self.planned else (result.outcomes[0].plan if result.outcomes else None)
        meta: RunMeta = {
            "run_id": result.run_id, "started_at": result.started_at.isoformat(timespec="seconds"),
            "duration_s": round(result.duration_s, 3), "outcome": result.outcome if final else "interrupted",
            "target": first.target.name if first else None, "seed": self._seed(), "bugs": list(self.options.bugs),
            "versions": self.versions,
            # one line per scenario: the rounds of a `--repeat` run share their command
            "rerun": "\n".join(dict.fromkeys(o.plan.rerun for o in result.outcomes if o.outcome != "passed")),
            "interrupted": result.interrupted or not final, "infra_error": result.infra_error,
            "flaky": result.flaky, "thresholds": [t.to_dict() for t in result.thresholds],
        }
        return docs.run_document(entries, meta)

    def _order(self, outcome: ScenarioOutcome) -> int:
        """Plan order, so lanes finishing out of order still report in a stable order."""
        return next((i for i, p in enumerate(self.planned) if p is outcome.plan), len(self.planned))

    def _seed(self) -> int | None:
        """The run's seed: `--seed`, else the one seed every scenario ran with, else None (per scenario)."""
        if self.options.seed is not None:
            return self.options.seed
        seeds = {p.seed for p in self.planned} or {o.plan.seed for o in self.result.outcomes}
        return seeds.pop() if len(seeds) == 1 else None


def judge_in_run(threshold: Threshold, entries: Sequence[ScenarioEntry]) -> ThresholdResult:
    """One run threshold over the scenarios its scope selects: a report metric pooled over them
    (`run_metrics`), a check's metric in each of them that reports it."""
    chosen = [e for e in entries if threshold.selects(e["name"], e.get("tags") or [])]
    if not threshold.of_check:
        return threshold.judge(run_metrics([e.get("metrics") or {} for e in chosen]))
    values = []
    for entry in chosen:
        measured = check_metrics(CheckEntryView(c["name"], c.get("metrics") or {}) for c in entry.get("checks", []))
        if threshold.metric in measured:
            values.append(measured[threshold.metric])
    return threshold.judge_each(values)


@dataclass(frozen=True)
class CheckEntryView:
    """A results.json check entry as `thresholds.check_metrics` reads it."""

    name: str
    metrics: Mapping[str, object]


def _info(plan: Plan) -> ScenarioInfo:
    sc = plan.scenario
    return ScenarioInfo(sc.name, sc.file, sc.description, tuple(sc.tags), plan.seed, plan.rerun,
                        plan.target.name, tuple(plan.bugs))


def prune_artifacts(result: RunResult, policy: str) -> None:
    """The keep-artifacts policy: after the report is rendered (screenshots are embedded in it),
    drop the traces and ledger copies of scenarios the policy does not keep. Screenshot files
    are small and let `wschaos report` re-render a run, so only `never` drops them."""
    if policy == "always":
        return
    for outcome in result.outcomes:
        if policy == "on-failure" and outcome.outcome != "passed":
            continue
        for name in ("screenshots", "traces") if policy == "never" else ("traces",):
            shutil.rmtree(outcome.dir / name, ignore_errors=True)
        for ledger in outcome.dir.glob("ledger.sqlite3*"):
            ledger.unlink(missing_ok=True)
