"""`resource_drift`: the server's memory and file descriptors, and the pages' JS heaps, do not
keep growing over a soak.

Reads the `resources` samples (harness/drivers/resources.py) after a warmup and fits a
least-squares line through each resource. A server restart starts a new process whose memory
starts over, so the server's samples are grouped by pid and the slope is fitted within each
process (one common slope, one intercept per process); each process has its own warmup.
Slopes are per hour of *app* time, so a soak compressed by the time scale and a real-time
night are judged against the same limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Optional

from harness.checks.base import Check, CheckResult, RunView, checks
from harness.checks.common import at, limit, plural
from harness.events import JSON, JSONObject
from harness.journal import Event
from harness.units import Duration, Range

MB = 1024.0 * 1024.0
MIN_SAMPLES = 3
Point = tuple[JSON, float, float]   # (group: the server's pid or the page, t, value)


def pooled_slope(points: list[Point]) -> Optional[float]:
    """Least-squares slope (value per second) with one intercept per group; None when the
    points do not determine one (fewer than two points at different times in any group)."""
    num = den = 0.0
    for group in dict.fromkeys(g for g, _, _ in points):
        ts = [(t, y) for g, t, y in points if g == group]
        t_mean = sum(t for t, _ in ts) / len(ts)
        y_mean = sum(y for _, y in ts) / len(ts)
        num += sum((t - t_mean) * (y - y_mean) for t, y in ts)
        den += sum((t - t_mean) ** 2 for t, _ in ts)
    return num / den if den > 0 else None


def after_warmup(points: list[Point], warm_s: float) -> list[Point]:
    """The points of each group taken `warm_s` or more after that group's first one."""
    first: dict[JSON, float] = {}
    for g, t, _ in points:
        first.setdefault(g, t)
    return [(g, t, y) for g, t, y in points if t - first[g] >= warm_s]


@dataclass(frozen=True)
class Series:
    """One resource's judged samples, its fitted trend and its limit."""

    label: str
    unit: str
    points: list[Point]
    limit: float
    per_hour: bool          # limit on the slope per app hour (else on the fitted total growth)
    slope_s: Optional[float] = None
    floor: float = 0.0      # a per-hour slope counts only once the fitted growth exceeds this

    def fitted_growth(self) -> Optional[float]:
        """The trend's growth over the judged span (same unit as the samples)."""
        if self.slope_s is None or len(self.points) < MIN_SAMPLES:
            return None
        return self.slope_s * (self.points[-1][1] - self.points[0][1])

    def growth(self, factor: float) -> Optional[float]:
        """Slope per app hour, or fitted growth over the judged span; None when not judged."""
        if self.slope_s is None or len(self.points) < MIN_SAMPLES:
            return None
        if self.per_hour:
            # real seconds are 1/factor app seconds: per app hour = per real second x 3600 x factor
            return self.slope_s * 3600.0 * factor
        return self.slope_s * (self.points[-1][1] - self.points[0][1])

    def line(self, factor: float) -> str:
        value = self.growth(factor)
        if value is None:
            return f"{self.label}: not judged ({plural(len(self.points), 'reading')} after warmup)"
        (_, t0, first), (_, t1, last) = self.points[0], self.points[-1]
        groups = len({g for g, _, _ in self.points})
        procs = f", {groups} processes" if groups > 1 else ""
        what = "slope" if self.per_hour else "fitted growth"
        per = f" {self.unit}/h" if self.per_hour else ""
        floor = f" once it grew {_num(self.floor)} {self.unit}" if self.per_hour and self.floor else ""
        return (f"{self.label}: {_num(first)}{self.unit and ' ' + self.unit} -> {_num(last)}"
                f"{self.unit and ' ' + self.unit} ({at(t0)}..{at(t1)}, {len(self.points)} samples{procs}), "
                f"{what} {value:+.1f}{per}, limit {_num(self.limit)}{per}{floor}")

    def over(self, factor: float) -> bool:
        value = self.growth(factor)
        if value is None or value <= self.limit:
            return False
        # A steep slope over a few megabytes is noise (a GC cycle, an allocator arena), not a leak:
        # extrapolated to an hour, a short soak would flag it.
        return not self.per_hour or (self.fitted_growth() or 0.0) > self.floor


def _num(value: float) -> str:
    return f"{value:.1f}" if isinstance(value, float) and not value.is_integer() else f"{value:g}"


@checks.register("resource_drift")
@dataclass(frozen=True)
class ResourceDrift(Check):
    """Server memory and file descriptors and page JS heaps do not keep growing after `warmup`."""

    server_rss_growth_mb_per_h: float = 50.0
    server_fds_growth: int = 20
    page_heap_growth_mb_per_h: float = 100.0
    warmup: Annotated[Duration, Range("0ms", "24h")] = Duration(60.0)
    min_growth_mb: float = 16.0   # memory must also have grown this much in all to count as drift

    def judge(self, run: RunView) -> CheckResult:
        samples = run.of_kind("resources")
        warm_s = run.time.scaled(self.warmup)
        judged = [e for e in samples if e["t"] - samples[0]["t"] >= warm_s] if samples else []
        if len(judged) < MIN_SAMPLES:
            return self._too_short(run, samples, judged)
        series = self._series(samples, warm_s)
        factor = run.time.factor
        lines = [s.line(factor) for s in series]
        lines.append(f"slopes per hour of app time; warmup {limit(run, self.warmup, deadline=False)} "
                     "excluded (after each server start too)")
        metrics = _metrics(series, factor, len(judged))
        drifting = [s for s in series if s.over(factor)]
        if drifting:
            return self.result(False, "resource drift: " + "; ".join(_short(s, factor) for s in drifting),
                               lines, metrics, [s.points[0][1] for s in drifting])
        if all(s.growth(factor) is None for s in series):
            return self.result(False, f"no resource was readable in {plural(len(judged), 'sample')} "
                               "after warmup: nothing to judge drift on", lines, metrics)
        return self.result(True, f"no resource drift over {plural(len(judged), 'sample')} after warmup: "
                           + ", ".join(_short(s, factor) for s in series if s.growth(factor) is not None),
                           lines, metrics)

    def _too_short(self, run: RunView, samples: list[Event], judged: list[Event]) -> CheckResult:
        warm = limit(run, self.warmup, deadline=False)
        if not samples:
            return self.result(False, "no resources samples in the journal: the soak was too short to "
                               "judge drift, or ran without sampling",
                               ["`wschaos soak` samples every 5s (--sample); a plan samples when "
                                "RunOptions.sample_resources_s is set"], {"samples": 0})
        every = samples[0].get("interval_s")
        taken = f", taken every {every:g}s" if isinstance(every, (int, float)) else ""
        return self.result(False, f"only {plural(len(judged), 'resources sample')} after the {warm} warmup: "
                           f"the soak was too short to judge drift (need at least {MIN_SAMPLES})",
                           [f"{plural(len(samples), 'sample')} in all{taken}; run a longer --duration "
                            "or sample more often (--sample)"], {"samples": len(judged)})

    def _series(self, samples: list[Event], warm_s: float) -> list[Series]:
        rss = [(e.get("server_pid"), e["t"], e["server_rss_kb"] / 1024.0) for e in samples
               if e.get("server_rss_kb") is not None]
        fds = [(e.get("server_pid"), e["t"], float(e["server_fds"])) for e in samples
               if e.get("server_fds") is not None]
        out = [_fit("server RSS", "MB", rss, warm_s, self.server_rss_growth_mb_per_h, True, self.min_growth_mb),
               _fit("server fds", "", fds, warm_s, float(self.server_fds_growth), False)]
        pages = sorted({name for e in samples for name in (e.get("pages") or {})})
        for page in pages:
            heap = [(page, e["t"], e["pages"][page] / MB) for e in samples
                    if (e.get("pages") or {}).get(page) is not None]
            out.append(_fit(f"{page} JS heap", "MB", heap, warm_s, self.page_heap_growth_mb_per_h, True,
                            self.min_growth_mb))
        return out


def _fit(label: str, unit: str, points: list[Point], warm_s: float, lim: float, per_hour: bool,
         floor: float = 0.0) -> Series:
    kept = after_warmup(points, warm_s)
    return Series(label, unit, kept, lim, per_hour, pooled_slope(kept), floor)


def _short(s: Series, factor: float) -> str:
    value = s.growth(factor)
    per = f" {s.unit}/h" if s.per_hour else ""
    over = f" (limit {_num(s.limit)}{per})" if s.over(factor) else ""
    return f"{s.label} {value:+.1f}{per}{over}"


def _metrics(series: list[Series], factor: float, samples: int) -> JSONObject:
    value = {s.label: None if (g := s.growth(factor)) is None else round(g, 3) for s in series}
    return {"samples": samples,
            "server_rss_mb_per_h": value.get("server RSS"),
            "server_fds_growth": value.get("server fds"),
            "page_heap_mb_per_h": {s.label.split()[0]: v for s in series[2:]
                                   if (v := value[s.label]) is not None}}
