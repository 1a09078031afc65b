"""Small metric figures (reconnect times), the latency panel the timeline draws under its lanes
(same time axis), and the run-index trends, as SVG."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from harness.analysis import reconnect_times
from harness.metrics import percentile
from harness.journal import Event
from harness.report import extract
from harness.report.document import RunDocument
from harness.report.svg import Tags, svg_text

CLIENT_COLORS = ["#1d3557", "#e76f51", "#2a9d8f", "#9d4edd", "#f4a261", "#457b9d", "#e63946",
                 "#6a994e"]


def client_color(events: list[Event], client: str) -> str:
    """The same colour for a client in every small chart of a scenario."""
    names = extract.client_names(events)
    return CLIENT_COLORS[(names.index(client) if client in names else 0) % len(CLIENT_COLORS)]


def _small(title: str, xlabel: str) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(5.4, 2.5), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title, loc="left", fontsize=10)
    ax.set_xlabel(xlabel)
    ax.grid(color="#e9ecef", lw=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


def reconnect_svg(events: list[Event], salt: str) -> str | None:
    """Dot plot of every reconnect time per client, with p50 and p95 lines; None if none."""
    clients = [c for c in extract.client_names(events) if reconnect_times(events, [c])]
    if not clients:
        return None
    fig, ax = _small("reconnect time per client", "seconds from disconnect to connected")
    everything: list[float] = []
    for i, client in enumerate(clients):
        times = [float(x) for x in reconnect_times(events, [client])]
        everything += times
        ax.plot(times, [i] * len(times), "o", color=client_color(events, client),
                markersize=6, alpha=0.85)
    for p, style in ((50, ":"), (95, "--")):
        value = percentile(everything, p)
        if value is None:  # not reached: every client drawn has a reconnect time
            continue
        ax.axvline(value, color="#495057", ls=style, lw=1, label=f"p{p} {value:.2f}s")
    ax.set_yticks(range(len(clients)), clients)
    ax.set_ylim(-0.7, len(clients) - 0.3)
    ax.set_xlim(0, max(everything) * 1.15)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    return svg_text(fig, salt)


#: Clients the latency panel draws in colours of their own; the rest share one grey series.
MAX_LATENCY_SERIES = len(CLIENT_COLORS)
OTHERS_COLOR = "#adb5bd"
#: A series with more samples than this is drawn as a band per time bin (min..max, median line):
#: ten thousand SVG dots took a second to write and still more to show, and read as a smear.
MAX_DOTS = 400
BINS = 200


def _binned(pts: list[tuple[float, float]]) -> tuple[list[float], list[float], list[float], list[float]]:
    """(bin centre, min, median, max) of the samples per time bin, for the non-empty bins."""
    lo_t, hi_t = min(t for t, _ in pts), max(t for t, _ in pts)
    width = (hi_t - lo_t) / BINS or 1.0
    bins: dict[int, list[float]] = {}
    for t, ms in pts:
        bins.setdefault(min(int((t - lo_t) / width), BINS - 1), []).append(ms)
    xs, lows, mids, highs = [], [], [], []
    for i in sorted(bins):
        values = sorted(bins[i])
        xs.append(lo_t + (i + 0.5) * width)
        lows.append(values[0])
        mids.append(values[len(values) // 2])
        highs.append(values[-1])
    return xs, lows, mids, highs


def _series(ax: Axes, pts: list[tuple[float, float]], color: str, label: str, size: float, alpha: float) -> None:
    if len(pts) <= MAX_DOTS:
        ax.plot([t for t, _ in pts], [ms for _, ms in pts], "o", markersize=size, alpha=alpha, color=color,
                label=label)
        return
    xs, lows, mids, highs = _binned(pts)
    ax.fill_between(xs, lows, highs, color=color, alpha=0.25, lw=0, step="mid")
    ax.plot(xs, mids, "-", color=color, lw=1.2, alpha=0.9, label=f"{label} (median, min..max per bin)")


def draw_latency(ax: Axes, events: list[Event], samples: list[tuple[float, str, float]]) -> None:
    """Latency samples (t, client, ms) over time, one colour per client, on the timeline's axis.

    Beyond `MAX_LATENCY_SERIES` clients (a load scenario's hundreds) the others are one grey
    series, and a series of more than `MAX_DOTS` samples is a band per time bin: a legend entry
    per client and a dot per sample cost more than the rest of the report."""
    by_client: dict[str, list[tuple[float, float]]] = {}
    for t, client, ms in samples:
        by_client.setdefault(client, []).append((t, ms))
    order = {name: i for i, name in enumerate(extract.client_names(events))}  # the timeline's lane order
    clients = sorted(by_client, key=lambda c: (order.get(c, len(order)), c))
    own, others = clients[:MAX_LATENCY_SERIES], clients[MAX_LATENCY_SERIES:]
    for client in own:
        _series(ax, by_client[client], client_color(events, client), client, 4.5, 0.85)
    if others:
        pts = sorted(p for client in others for p in by_client[client])
        _series(ax, pts, OTHERS_COLOR, f"{len(others)} more clients", 3, 0.5)
    ax.set_ylabel("latency ms\n(ping → pong)", fontsize=9)
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", color="#e9ecef", lw=0.6)
    ax.legend(fontsize=8, frameon=False, ncol=min(6, len(own) + bool(others)), loc="upper right")


def pass_rate(run: RunDocument) -> float | None:
    """Share of a run's scenarios that passed, in percent; None for an empty run."""
    total = sum(run.get("counts", {}).values())
    return 100.0 * run.get("counts", {}).get("passed", 0) / total if total else None


def run_kind(run: RunDocument) -> str:
    """`soak` for a nightly soak (its one scenario is tagged `soak`), else `suite`: an hour of
    faults and a CI suite do not belong on one trend line."""
    scenarios = run.get("scenarios") or []
    return "soak" if scenarios and all("soak" in (s.get("tags") or []) for s in scenarios) else "suite"


def series_of(run: RunDocument) -> str:
    """What a run's numbers can be compared with: its kind (suite or soak), its target and its
    seeded-bug set."""
    bugs = ", ".join(sorted(str(b) for b in run.get("bugs") or [])) or "no bugs"
    return f"{run_kind(run)} · {run.get('target') or 'unknown target'} · {bugs}"


def trend_svg(runs: list[RunDocument], salt: str = "trend") -> str | None:
    """Pass rate and reconnect p95 over runs (oldest left), one line per target and seeded-bug
    set: a run with `--bugs legacy` failing says nothing about a clean run getting worse."""
    if not runs:
        return None
    fig = Figure(figsize=(11, 4.6), layout="constrained")
    rate_ax, p95_ax = fig.subplots(2, 1, sharex=True)
    tags = Tags()
    names = list(dict.fromkeys(series_of(r) for r in runs))
    for i, name in enumerate(names):
        xs = [x for x, r in enumerate(runs) if series_of(r) == name]
        color = CLIENT_COLORS[i % len(CLIENT_COLORS)]
        rates = [pass_rate(runs[x]) for x in xs]
        p95 = [(runs[x].get("metrics") or {}).get("reconnect_p95_s") for x in xs]
        line, = rate_ax.plot(xs, [nan(v) for v in rates], "o-", color=color, label=name)
        tags.tag(line, "trend", series=name, metric="pass_rate")
        line, = p95_ax.plot(xs, [nan(v) for v in p95], "s--", color=color)
        tags.tag(line, "trend", series=name, metric="reconnect_p95_s")
    rate_ax.set_ylim(-5, 105)
    rate_ax.set_ylabel("pass rate %")
    p95_ax.set_ylabel("reconnect p95 (s)")
    p95_ax.set_ylim(bottom=0)
    p95_ax.set_xticks(range(len(runs)), [str(r.get("run_id", "")) for r in runs], rotation=30,
                      ha="right", fontsize=7)
    p95_ax.set_xlabel("run (oldest → newest)")
    for ax in (rate_ax, p95_ax):
        ax.grid(color="#e9ecef", lw=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.legend(loc="outside upper center", ncol=min(4, len(names)), fontsize=8, frameon=False,
               title="target · seeded bugs", title_fontsize=8)
    return svg_text(fig, salt, tags)


def nan(value: float | None) -> float:
    """A gap in a line for a run without the value."""
    return float("nan") if value is None else float(value)
