"""Small metric figures (reconnect times), the latency panel the timeline draws under its lanes
(same time axis), and the run-index trends, as SVG."""

from __future__ import annotations

from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from harness.analysis import percentile, reconnect_times
from harness.journal import Event
from harness.report import extract
from harness.report.svg import svg_text

CLIENT_COLORS = ["#1d3557", "#e76f51", "#2a9d8f", "#9d4edd", "#f4a261", "#457b9d", "#e63946",
                 "#6a994e"]


def client_color(events: list[Event], client: str) -> str:
    """The same colour for a client in every small chart of a scenario."""
    names = extract.client_names(events)
    return CLIENT_COLORS[(names.index(client) if client in names else 0) % len(CLIENT_COLORS)]


def _small(title: str, xlabel: str) -> tuple[Figure, Any]:
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
        ax.axvline(value, color="#495057", ls=style, lw=1, label=f"p{p} {value:.2f}s")
    ax.set_yticks(range(len(clients)), clients)
    ax.set_ylim(-0.7, len(clients) - 0.3)
    ax.set_xlim(0, max(everything) * 1.15)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    return svg_text(fig, salt)


def draw_latency(ax: Axes, events: list[Event], samples: list[tuple[float, str, float]]) -> None:
    """Latency samples (t, client, ms) over time, one colour per client, on the timeline's axis."""
    clients = sorted({c for _, c, _ in samples})
    for client in clients:
        pts = [(t, ms) for t, c, ms in samples if c == client]
        ax.plot([t for t, _ in pts], [ms for _, ms in pts], "o", markersize=4.5, alpha=0.85,
                color=client_color(events, client), label=client)
    ax.set_ylabel("latency ms\n(ping → pong)", fontsize=9)
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", color="#e9ecef", lw=0.6)
    ax.legend(fontsize=8, frameon=False, ncol=min(6, len(clients)), loc="upper right")


def pass_rate(run: dict[str, Any]) -> float | None:
    """Share of a run's scenarios that passed, in percent; None for an empty run."""
    total = sum(run.get("counts", {}).values())
    return 100.0 * run.get("counts", {}).get("passed", 0) / total if total else None


def trend_svg(runs: list[dict[str, Any]], salt: str = "trend") -> str | None:
    """Pass rate and reconnect p95 over runs, oldest left; None with fewer than one run."""
    if not runs:
        return None
    fig = Figure(figsize=(11, 3), layout="constrained")
    ax = fig.add_subplot()
    xs = list(range(len(runs)))
    rates = [pass_rate(r) for r in runs]
    ax.plot(xs, [r if r is not None else float("nan") for r in rates], "o-", color="#2b9348",
            label="pass rate %")
    ax.set_ylim(-5, 105)
    ax.set_ylabel("pass rate %", color="#2b9348")
    right = ax.twinx()
    p95 = [(r.get("metrics") or {}).get("reconnect_p95_s") for r in runs]
    right.plot(xs, [v if v is not None else float("nan") for v in p95], "s--", color="#1d3557",
               label="reconnect p95 s")
    right.set_ylabel("reconnect p95 (s)", color="#1d3557")
    right.set_ylim(bottom=0)
    ax.set_xticks(xs, [str(r.get("run_id", "")) for r in runs], rotation=30, ha="right",
                  fontsize=7)
    ax.set_xlabel("run (oldest → newest)")
    ax.grid(color="#e9ecef", lw=0.6)
    fig.legend(loc="outside upper right", ncol=2, fontsize=8, frameon=False)
    return svg_text(fig, salt)
