"""Report figures drawn with matplotlib, returned as inline SVG text (no JS, no network).

The timeline shows, on one time axis, what was injected (fault lane), what the server did
(up/down/paused), what each client's connection was (coloured by state, with a thin health
strip), and markers for screenshots, alert growth, queued/drained messages and the times
failed checks point at. Colours are fixed per state so every report reads the same way.
"""

from __future__ import annotations

import io
import re
from typing import Any, Iterable

import matplotlib
from matplotlib.artist import Artist
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from harness.analysis import fault_windows, server_windows, state_timeline
from harness.journal import Event
from harness.report import extract

STATE_COLORS = {
    "connected": "#2b9348", "connecting": "#90c2e7", "reconnecting": "#f3a712",
    "offline": "#8d99ae", "failed": "#c1121f", "disconnected": "#495057",
}
SERVER_COLORS = {"up": "#2b9348", "down": "#c1121f", "paused": "#f3a712"}
HEALTH_COLORS = {"HEALTHY": "#b7e4c7", "DEGRADED": "#ffe066", "UNHEALTHY": "#f79d65",
                 "CRITICAL": "#c1121f"}
FAULT_COLORS = ["#6a4c93", "#1982c4", "#8ac926", "#ff595e", "#ffca3a", "#4d908e", "#577590"]
UNKNOWN = "#ced4da"
MARKERS = {  # name: (marker, colour, size, legend label)
    "screenshot": ("D", "#1d3557", 6, "screenshot"),
    "alert": ("*", "#d00000", 11, "alert raised"),
    "queued": ("^", "#7b2cbf", 7, "message queued"),
    "drained": ("v", "#0f766e", 7, "queue drained"),
}
MAX_CLIENT_LANES = 12


def svg_text(fig: Figure, salt: str) -> str:
    """The figure as an inline <svg> element that scales to its container."""
    buf = io.StringIO()
    FigureCanvasSVG(fig)
    # A fixed salt per figure keeps ids stable (pure output) and unique within one page.
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    # matplotlib numbers its element ids per figure (figure_1, patch_1...): prefix them so
    # several figures inline in one page keep valid, unique ids and their own references.
    text = re.sub(r'(\sid="|url\(#|href="#)', lambda m: m.group(1) + salt + "-", text)
    head, rest = text.split(">", 1)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    return head + ' class="plot" role="img" preserveAspectRatio="xMinYMin meet">' + rest


def _segments(points: list[tuple[float, Any]], end_t: float) -> list[tuple[float, float, Any]]:
    """(start, width, value) for a step series that holds until the next point or end_t."""
    out = []
    for i, (t, value) in enumerate(points):
        t_next = points[i + 1][0] if i + 1 < len(points) else end_t
        if t_next > t:
            out.append((t, t_next - t, value))
    return out


def _fault_rows(faults: list[Any], end_t: float) -> list[int]:
    """Sub-row per fault so overlapping windows do not hide each other."""
    row_ends: list[float] = []
    rows = []
    for f in faults:
        end = f.end if f.end is not None else end_t
        row = next((i for i, e in enumerate(row_ends) if e <= f.start), len(row_ends))
        if row == len(row_ends):
            row_ends.append(end)
        row_ends[row] = end
        rows.append(row)
    return rows


#: `fault.apply` params are the fault step's own (`Step.params()`): durations already as text
#: (`300ms`), a unit only in a name (`rate_kbps`), and `stream`, which the label leaves out.
UNIT_SUFFIXES = ("_kbps",)
UNSHOWN = (None, False, "", "0ms")  # a default that says "none": no jitter, no timeout


def _param_text(fault: str, key: str, value: Any) -> str:
    unit = next((u for u in UNIT_SUFFIXES if key.endswith(u)), "")
    name = key[: len(key) - len(unit)] if unit else key
    shown = f"{value}{unit.lstrip('_')}"
    return shown if key == fault else f"{name} {shown}"


def _fault_label(f: Any) -> str:
    """`latency 300ms, jitter 20ms → b0`, `blackhole → p0`, `bandwidth rate 64kbps → b0,b1`."""
    params = ", ".join(_param_text(f.fault, k, v) for k, v in (f.params or {}).items()
                       if k != "stream" and v not in UNSHOWN)
    who = ",".join(f.clients) if isinstance(f.clients, (list, tuple)) else str(f.clients or "")
    return f"{f.fault}{' ' + params if params else ''} → {who}"


def _draw_faults(ax, faults, y: float, end_t: float) -> set[str]:
    kinds: dict[str, str] = {}
    rows = _fault_rows(faults, end_t)
    n_rows = max(rows, default=0) + 1
    for f, row in zip(faults, rows):
        color = kinds.setdefault(f.fault, FAULT_COLORS[len(kinds) % len(FAULT_COLORS)])
        end = f.end if f.end is not None else end_t
        h = 0.8 / n_rows
        y0 = y + 0.4 - (row + 1) * h
        ax.broken_barh([(f.start, end - f.start)], (y0, h * 0.9), facecolors=color, alpha=0.85)
        ax.text(f.start + 0.05, y0 + h * 0.45, _fault_label(f), va="center", ha="left",
                fontsize=7.5, color="#111", clip_on=True,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7})
        ax.axvspan(f.start, end, color=color, alpha=0.07, lw=0)
    return set(kinds)


def _draw_series(ax, segs, y: float, height: float, colors: dict[str, str]) -> None:
    for start, width, value in segs:
        ax.broken_barh([(start, width)], (y - height / 2, height),
                       facecolors=colors.get(str(value), UNKNOWN), edgecolor="white", lw=0.4)


def _draw_markers(ax, events: list[Event], client: str, y: float, shots: list[dict]) -> None:
    def mark(name: str, xs: list[float], dy: float) -> None:
        if xs:
            marker, color, size, _ = MARKERS[name]
            ax.plot(xs, [y + dy] * len(xs), ls="none", marker=marker, color=color,
                    markersize=size, markeredgecolor="white", markeredgewidth=0.6, zorder=5)
    mark("screenshot", [s["t"] for s in shots if s.get("client") == client], 0.36)
    mark("alert", [t for t, _ in extract.alert_marks(events, client)], 0.36)
    queue = extract.queue_marks(events, client)
    mark("queued", [t for t, delta, _ in queue if delta > 0], 0.0)
    mark("drained", [t for t, delta, _ in queue if delta < 0], 0.0)


def _draw_failures(ax, failed_at: list[tuple[float, str]], y: float, end_t: float) -> int:
    """Dashed lines at failure times; labels stagger into rows so close ones stay legible."""
    row_last: list[float] = []
    for t, check in failed_at:
        ax.axvline(t, color="#c1121f", ls="--", lw=1.2, zorder=6)
        row = next((i for i, last in enumerate(row_last) if t - last > end_t * 0.16), len(row_last))
        if row == len(row_last):
            row_last.append(t)
        row_last[row] = t
        ax.text(t, y + 0.3 * row, f" ✗ {check}", color="#c1121f", fontsize=7.5, va="bottom",
                bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8})
    return len(row_last)


def _legend(fig, states: set[str], server: set[str], health: set[str], faults: set[str]) -> None:
    handles: list[Artist] = [Patch(color=STATE_COLORS.get(s, UNKNOWN), label=f"client {s}") for s in
               STATE_COLORS if s in states]
    handles += [Patch(color=SERVER_COLORS[s], label=f"server {s}", hatch="")
                for s in SERVER_COLORS if s in server and f"client {s}" not in STATE_COLORS]
    handles += [Patch(color=HEALTH_COLORS[h], label=f"health {h}") for h in HEALTH_COLORS if h in health]
    handles += [Line2D([], [], ls="none", marker=m, color=c, markersize=s, label=lab)
                for m, c, s, lab in MARKERS.values()]
    handles.append(Line2D([], [], color="#c1121f", ls="--", lw=1.2, label="failed check"))
    fig.legend(handles=handles, loc="outside lower center", ncol=6, fontsize=8, frameon=False)


def _draw_clients(ax, events, shown, ys, shots, end_t) -> tuple[set[str], set[str]]:
    """State bars, health strips and markers per client; returns the states and levels seen."""
    states: set[str] = set()
    health_seen: set[str] = set()
    for name in shown:
        timeline = state_timeline(events, name)
        states.update(s for _, s in timeline)
        _draw_series(ax, _segments(timeline, end_t), ys[name], 0.42, STATE_COLORS)
        health = extract.health_series(events, name)
        health_seen.update(h for _, h in health)
        _draw_series(ax, _segments(health, end_t), ys[name] - 0.3, 0.1, HEALTH_COLORS)
        _draw_markers(ax, events, name, ys[name], shots)
    return states, health_seen


def _style_axes(ax, end_t: float) -> None:
    ax.set_xlim(0, end_t)
    ax.set_xlabel("seconds since run start")
    ax.grid(axis="x", color="#e9ecef", lw=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def timeline_svg(events: list[Event], shots: list[dict[str, Any]], failed_at: Iterable[tuple[float, str]],
                 salt: str = "timeline") -> str:
    """The scenario timeline as inline SVG; `failed_at` is (time, check name) pairs."""
    # The scenario ends at run.teardown: stopping the server and closing pages afterwards is not behaviour.
    teardown = next((e["t"] for e in events if e.get("kind") == "run.teardown"), None)
    end_t = teardown or max((e["t"] for e in events), default=1.0) or 1.0
    clients = extract.client_names(events)
    shown = clients[:MAX_CLIENT_LANES]
    kinds = extract.client_kinds(events)
    lanes = ["faults", "server"] + shown
    fig = Figure(figsize=(11, 1.5 + 0.55 * len(lanes)), layout="constrained")
    ax = fig.add_subplot()
    ys = {name: len(lanes) - 1 - i for i, name in enumerate(lanes)}
    faults = sorted(fault_windows(events), key=lambda f: f.start)
    fault_kinds = _draw_faults(ax, faults, ys["faults"], end_t)
    server = server_windows(events)
    _draw_series(ax, [(w.start, (w.end if w.end is not None else end_t) - w.start, w.label)
                      for w in server], ys["server"], 0.5, SERVER_COLORS)
    states, health_seen = _draw_clients(ax, events, shown, ys, shots, end_t)
    label_rows = _draw_failures(ax, sorted(failed_at), len(lanes) - 0.45, end_t)
    labels = {"faults": "faults", "server": "server"}
    labels.update({n: f"{n} ({kinds[n]})" if kinds.get(n) else n for n in shown})
    ax.set_yticks([ys[n] for n in lanes], [labels[n] for n in lanes])
    ax.set_ylim(-0.6, len(lanes) - 0.2 + 0.3 * label_rows)
    _style_axes(ax, end_t)
    hidden = len(clients) - len(shown)
    if hidden:
        ax.set_title(f"{hidden} more clients not drawn", loc="left", fontsize=9)
    _legend(fig, states, {w.label for w in server}, health_seen, fault_kinds)
    return svg_text(fig, salt)
