"""The soak report (`soak.html` next to the night's journal), rendered from the night's index.

    write_soak_report(folder)      # folder: scenarios/<soak name>/, with soak.json and journal.jsonl

Made for hours: the drift of the whole night (server and page memory, file descriptors, open
sockets, acknowledgement latency per round, and wschaos's own memory), each with its trend line
and a plain sentence ("server RSS grew 41 MB/h, steady after round 12"); a table of every round
with what was injected and what held; the checks of the night; the seed and the command that
replays it. Everything comes from `index.NightIndex`, built by streaming the journal once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from harness.metrics import percentile
from harness.soak.drift import Point, Trend, intercept, trend
from harness.soak.files import read_night
from harness.soak.index import NightIndex, RoundStats, index_night

REPORT = "soak.html"
#: What counts as flat for each kind of reading: per hour of app time, and in all over the night.
FLOORS = {"MB": 2.0, "": 1.0, "ms": 5.0}
LEAST = {"MB": 4.0, "": 4.0, "ms": 20.0}


@dataclass(frozen=True)
class Series:
    """One resource to trend: its index key, its name in the report and its unit."""

    key: str
    name: str
    unit: str


def write_soak_report(folder: Path) -> Path:
    """Render soak.html in `folder` from soak.json and the streamed journal; its path."""
    from harness.report.html import pre_rendered, render
    from harness.report.results import write_atomically

    night = read_night(folder)
    night.setdefault("folder", str(folder))
    index = index_night(folder / "journal.jsonl", night)
    trends = night_trends(index)
    charts = [pre_rendered(svg) for svg in drift_charts(trends)]
    page = folder / REPORT
    write_atomically(page, render("soak.html", night=night, index=index, rows=round_rows(index),
                                  trends=trends, charts=charts, checks=index.checks, rounds_of=rounds_of))
    return page


def _hour(index: NightIndex, r: RoundStats) -> float | None:
    if r.start_t is None or index.steps_t0 is None:
        return None
    scale = float(index.start.get("time_scale") or 1.0)
    return (r.start_t - index.steps_t0) / scale / 3600.0


def series_of(index: NightIndex) -> list[Series]:
    """The resources the night has readings of: the server's, each page's heap, wschaos's own."""
    keys = {k for r in index.rounds for k in r.counts}
    out = [Series("server_rss_mb", "server RSS", "MB"), Series("server_fds", "server file descriptors", ""),
           Series("server_sockets", "server open sockets", "")]
    out += [Series(k, f"{k.split(':', 1)[1]} JS heap", "MB") for k in sorted(keys) if k.startswith("heap_mb:")]
    out.append(Series("harness_rss_mb", "wschaos RSS (the harness itself)", "MB"))
    return [s for s in out if s.key in keys]


def _segments(index: NightIndex) -> dict[int, int]:
    """Round -> the life of the server process it read (a new pid starts a new segment)."""
    out, segment, last = {}, 0, None
    for r in index.rounds:
        if r.server_pid is not None and last is not None and r.server_pid != last:
            segment += 1
        last = r.server_pid if r.server_pid is not None else last
        out[r.number] = segment
    return out


def _fresh(index: NightIndex, lives: dict[int, int]) -> set[int]:
    """The first round of each server life after a restart: its process was warming up."""
    return {r.number for prev, r in zip(index.rounds, index.rounds[1:]) if lives[r.number] != lives[prev.number]}


def night_trends(index: NightIndex) -> list[Trend]:
    """A trend per resource (the server's per process life, each life's first round left out as its
    warmup), and one for round-trip latency: p50 per round of the frames sent with no fault held
    (messages and heartbeats), when at least three rounds had some."""
    out = []
    lives = _segments(index)
    fresh = _fresh(index, lives)
    processes = len(set(lives.values()))
    for s in series_of(index):
        server = s.key.startswith("server_")
        points = [(r.number, h, v, lives[r.number] if server else 0) for r in index.rounds
                  if (h := _hour(index, r)) is not None and (v := r.mean(s.key)) is not None
                  and not (server and r.number in fresh)]
        note = f"; fitted within each of {processes} server processes" if server and processes > 1 else ""
        out.append(trend(points, s.name, s.unit, FLOORS[s.unit], LEAST[s.unit], note))
    calm = _latency_points(index, calm=True)
    if len(calm) >= 3:
        out.append(trend(calm, "round-trip latency p50", "ms", FLOORS["ms"], LEAST["ms"], ", with no fault held"))
    return out


def _latency_points(index: NightIndex, calm: bool) -> list[Point]:
    return [(r.number, h, p, 0) for r in index.rounds
            if (h := _hour(index, r)) is not None
            and (p := percentile(r.calm_latencies_ms if calm else r.latencies_ms, 50)) is not None]


def round_rows(index: NightIndex) -> list[dict[str, object]]:
    """One row per round for the table."""
    rows: list[dict[str, object]] = []
    for r in index.rounds:
        hour = _hour(index, r)
        p50, p95 = percentile(r.latencies_ms, 50), percentile(r.latencies_ms, 95)
        rss = r.mean("server_rss_mb")
        rows.append({
            "round": r.number, "at": None if hour is None else _clock(hour), "injected": r.label,
            "work": ", ".join(r.work) or "none", "disconnects": r.disconnects, "recovered_s": r.recovered_s,
            "gates": [f"{g.get('condition')}: {'held' if g.get('passed') else 'did not hold'}"
                      + (f" ({float(g['waited_s']):.1f}s)" if g.get("waited_s") is not None else "") for g in r.gates],
            "failed": r.failed, "page_errors": r.page_errors, "held": r.held, "ran": r.start_t is not None,
            "latency": None if p50 is None or p95 is None else f"{p50:.0f} / {p95:.0f} ms ({len(r.latencies_ms)})",
            "server_rss": None if rss is None else f"{rss:.1f} MB",
        })
    return rows


def rounds_of(index: NightIndex, times: object) -> str:
    """The rounds a check's failure marks fall in: `4, 7` (`before the rounds` for set-up)."""
    found: list[str] = []
    for t in times if isinstance(times, list) else []:
        r = index.round_at(float(t))
        word = str(r.number) if r is not None else "before the rounds"
        if word not in found:
            found.append(word)
    return ", ".join(found[:6]) + (", …" if len(found) > 6 else "")


def _clock(hours: float) -> str:
    """App time as h:mm:ss."""
    seconds = int(round(hours * 3600))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def drift_charts(trends: Sequence[Trend]) -> list[str]:
    """One small SVG per trend: the reading per round and its fitted line."""
    from matplotlib.figure import Figure

    from harness.report.svg import svg_text

    out = []
    for i, t in enumerate(trends):
        if len(t.points) < 2:
            continue
        fig = Figure(figsize=(5.4, 2.3), layout="constrained")
        ax = fig.add_subplot()
        ax.set_title(t.name, loc="left", fontsize=10)
        ax.set_xlabel("hours of app time")
        ax.set_ylabel(t.unit or "count")
        ax.grid(color="#e9ecef", lw=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        xs, ys = [p[1] for p in t.points], [p[2] for p in t.points]
        ax.plot(xs, ys, "o-", color="#1d3557", markersize=3, lw=0.8)
        if t.per_hour is not None:
            for n, segment in enumerate(sorted({p[3] for p in t.points})):
                mine = [p[1] for p in t.points if p[3] == segment]
                b = intercept(t.points, t.per_hour, segment)
                ax.plot([mine[0], mine[-1]], [b + t.per_hour * mine[0], b + t.per_hour * mine[-1]], "--",
                        color="#e76f51", lw=1.2, label=f"trend {t.per_hour:+.1f} {t.unit}/h" if n == 0 else None)
            ax.legend(fontsize=8, frameon=False, loc="best")
        out.append(svg_text(fig, f"soak-drift-{i}"))
    return out


def points_of(trend_: Trend) -> list[Point]:
    """A trend's points (for tests and tools)."""
    return list(trend_.points)
