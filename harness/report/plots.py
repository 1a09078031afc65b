"""Report figures drawn with matplotlib, returned as inline SVG text (no JS, no network).

The timeline shows, on one time axis, what was injected (fault lane: network and message
faults), what the server did (up/down/paused), what each client's connection was (coloured by
state, with a thin health strip), each reconnection attempt as a tick, markers for screenshots,
alert growth, queued/drained messages, each frame a message fault acted on, and the moments failed checks point at; latency samples, when the
journal has them, are a panel underneath on the same time axis. Colours are fixed per
meaning, different for every meaning, so every report reads the same way; a state the tables
do not know (an app's own `dead`) gets a colour of its own and a legend entry like the rest.
Drawn elements carry `class`/`data-*` attributes (`harness.report.svg.Tags`) that tests read.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from harness.analysis import FaultWindow, fault_windows, server_windows, state_timeline
from harness.connection import connection_of
from harness.journal import Event
from harness.metrics import latency_samples
from harness.report import charts, extract, messages
from harness.report.document import ScreenshotEntry
from harness.report.svg import Tags, svg_text

__all__ = ["timeline_svg", "svg_text", "STATE_COLORS", "SERVER_COLORS", "HEALTH_COLORS"]

STATE_COLORS = {
    "connected": "#2b9348", "connecting": "#90c2e7", "reconnecting": "#f3a712",
    "offline": "#8d99ae", "failed": "#c1121f", "disconnected": "#495057",
}
SERVER_COLORS = {"up": "#1d6fa5", "down": "#1b1b1b", "paused": "#b08968"}
HEALTH_COLORS = {"HEALTHY": "#b7e4c7", "DEGRADED": "#ffe066", "UNHEALTHY": "#f79d65",
                 "CRITICAL": "#b5179e"}
#: For values the tables above do not know (a custom state, health level or process state):
#: handed out in order of appearance, never one a known meaning already uses.
EXTRA_COLORS = ["#9c6644", "#00b4d8", "#ff8fab", "#606c38", "#3a0ca3", "#e9c46a", "#264653",
                "#f72585", "#8338ec", "#7f4f24"]
FAULT_COLORS = ["#6a4c93", "#1982c4", "#8ac926", "#ff595e", "#ffca3a", "#4d908e", "#577590"]
MARKERS = {  # name: (marker, colour, size, legend label)
    "screenshot": ("D", "#1d3557", 6, "screenshot"),
    "alert": ("*", "#d00000", 11, "alert raised"),
    "queued": ("^", "#7b2cbf", 7, "message queued"),
    "drained": ("v", "#0f766e", 7, "queue drained (its messages sent)"),
    "dropped": ("v", "#c1121f", 7, "queue emptied without sending"),
    # message faults (harness.report.messages): what the client's side of the socket lost or got
    "msg_dropped": ("x", "#c1121f", 7, "frame dropped"),
    "msg_delayed": (">", "#f77f00", 6, "frame delayed or reordered"),
    "msg_duplicated": ("d", "#3a86ff", 7, "frame duplicated"),
    "msg_injected": ("P", "#8338ec", 7, "frame injected"),
    "msg_closed": ("X", "#1b1b1b", 8, "socket closed after a frame"),
}
ATTEMPT = ("|", "#343a40", 8, "connection attempt")
FAILURE_COLOR = "#c1121f"
MAX_CLIENT_LANES = 12
#: Width of one character of a 7.5 pt failure label, as a share of the time axis (an 11 in
#: figure's axis is about 9.6 in wide; DejaVu Sans averages 0.6 em): enough to keep labels apart.
LABEL_CHAR_SHARE = 0.0075
TABLES = {"client": STATE_COLORS, "server": SERVER_COLORS, "health": HEALTH_COLORS}


class Palette:
    """The colour of each (lane kind, value) drawn, and the legend entries for exactly those."""

    def __init__(self) -> None:
        self.drawn: dict[str, str] = {}  # "client:connected" -> colour, in order of first use
        self.extra: dict[str, str] = {}

    def color(self, kind: str, value: str) -> str:
        key = f"{kind}:{value}"
        if key not in self.drawn:
            known = TABLES[kind].get(value)
            if known is None:
                known = self.extra.setdefault(key, EXTRA_COLORS[len(self.extra) % len(EXTRA_COLORS)])
            self.drawn[key] = known
        return self.drawn[key]

    def entries(self) -> list[tuple[str, str, str]]:
        """(key, colour, label) per drawn value: client states, then server, then health;
        known values in their table's order, custom ones after them."""
        def order(key: str) -> tuple[int, int, str]:
            kind, value = key.split(":", 1)
            table = list(TABLES[kind])
            return (list(TABLES).index(kind), table.index(value) if value in table else len(table), value)
        return [(k, self.drawn[k], f"{k.split(':', 1)[0]} {k.split(':', 1)[1]}") for k in sorted(self.drawn, key=order)]


def _segments(points: Sequence[tuple[float, object]], end_t: float) -> list[tuple[float, float, object]]:
    """(start, width, value) for a step series that holds until the next point or end_t."""
    out = []
    for i, (t, value) in enumerate(points):
        t_next = min(points[i + 1][0] if i + 1 < len(points) else end_t, end_t)  # teardown is not drawn
        if t_next > t:
            out.append((t, t_next - t, value))
    return out


def _fault_rows(faults: list[FaultWindow], end_t: float) -> list[int]:
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


def _param_text(fault: str, key: str, value: object) -> str:
    unit = next((u for u in UNIT_SUFFIXES if key.endswith(u)), "")
    name = key[: len(key) - len(unit)] if unit else key
    shown = f"{value}{unit.lstrip('_')}"
    return shown if key == fault else f"{name} {shown}"


def _fault_label(f: FaultWindow) -> str:
    """`latency 300ms, jitter 20ms → b0`, `blackhole → p0`, `bandwidth rate 64kbps → b0,b1`."""
    params = ", ".join(_param_text(f.fault, k, v) for k, v in (f.params or {}).items()
                       if k != "stream" and v not in UNSHOWN)
    who = ",".join(f.clients) if isinstance(f.clients, (list, tuple)) else str(f.clients or "")
    return f"{f.fault}{' ' + params if params else ''} → {who}"


def _draw_faults(ax: Axes, faults: list[FaultWindow], y: float, end_t: float) -> None:
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


def _draw_series(ax: Axes, tags: Tags, palette: Palette, kind: str, lane: str,
                 segs: list[tuple[float, float, object]], y: float, height: float) -> None:
    """One bar group per value of a lane, tagged `data-key="client:connected"`."""
    by_value: dict[str, list[tuple[float, float]]] = {}
    for start, width, value in segs:
        by_value.setdefault(str(value), []).append((start, width))
    for value, spans in by_value.items():
        bars = ax.broken_barh(spans, (y - height / 2, height), facecolors=palette.color(kind, value),
                              edgecolor="white", lw=0.4)
        tags.tag(bars, "state", key=f"{kind}:{value}", lane=lane)


def _draw_markers(ax: Axes, tags: Tags, events: list[Event], client: str, y: float,
                  shots: list[ScreenshotEntry]) -> set[str]:
    """Screenshot, alert, queue and attempt marks on one client's lane; returns the kinds drawn."""
    drawn: set[str] = set()

    def mark(name: str, xs: list[float], dy: float) -> None:
        if xs:
            marker, color, size, _ = ATTEMPT if name == "attempt" else MARKERS[name]
            line, = ax.plot(xs, [y + dy] * len(xs), ls="none", marker=marker, color=color,
                            markersize=size, markeredgecolor=color if name == "attempt" else "white",
                            markeredgewidth=1.2 if name == "attempt" else 0.6, zorder=5)
            tags.tag(line, "marker", key=f"marker:{name}", lane=client, times=" ".join(f"{x:.3f}" for x in xs))
            drawn.add(name)
    mark("screenshot", [s["t"] for s in shots if s.get("client") == client], 0.36)
    mark("alert", [t for t, _ in extract.alert_marks(events, client)], 0.36)
    mark("attempt", [e["t"] for e in connection_of(events, client, "ws.attempt")], 0.0)  # Socket.IO: handshakes
    queue = extract.queue_marks(events, client)
    for kind in ("queued", "drained", "dropped"):
        mark(kind, [t for t, _, _, k in queue if k == kind], 0.0)
    for name, times in messages.marks(events, client).items():
        mark(name, times, 0.2)
    return drawn


def _failure_groups(failed_at: Iterable[tuple[float, str]]) -> list[tuple[float, str]]:
    """One mark per distinct time (to the millisecond), naming every check that points there."""
    groups: dict[float, list[str]] = {}
    for t, what in sorted(failed_at):
        names = groups.setdefault(round(float(t), 3), [])
        if what not in names:
            names.append(what)
    return [(t, ", ".join(names)) for t, names in sorted(groups.items())]


#: A check marking more moments than this gets one label with the count (a soak that lost 29
#: messages drew 29 overlapping labels into an unreadable block); every moment keeps its line.
GROUP_LABELS_FROM = 4


def _failure_labels(failed_at: Iterable[tuple[float, str]]) -> list[tuple[float, str]]:
    """(time, text) of each label: one per distinct moment naming every check there, except that
    a check with many moments gets one label at its first, with the count and the span."""
    by_check: dict[str, list[float]] = {}
    for t, what in failed_at:
        by_check.setdefault(what, []).append(round(float(t), 3))
    single = [(t, what) for what, ts in by_check.items() if len(set(ts)) < GROUP_LABELS_FROM for t in ts]
    grouped = [(min(ts), f"{what} ×{len(set(ts))} (t={min(ts):.1f}–{max(ts):.1f}s)")
               for what, ts in by_check.items() if len(set(ts)) >= GROUP_LABELS_FROM]
    return sorted(_failure_groups(single) + grouped)


def _draw_failures(ax: Axes, tags: Tags, failed_at: Iterable[tuple[float, str]], y: float, end_t: float) -> int:
    """A dashed line at each failure time; labels go into the first row where they overlap no
    other label (a label near the right edge extends to the left of its line)."""
    failed_at = list(failed_at)
    for t, what in _failure_groups(failed_at):
        tags.tag(ax.axvline(t, color=FAILURE_COLOR, ls="--", lw=1.2, zorder=6),
                 "failure-marker", key="failure", t=t, check=what)
    rows: list[list[tuple[float, float]]] = []
    for t, what in _failure_labels(failed_at):
        text = f"✗ {what}"
        width = (len(text) + 2) * LABEL_CHAR_SHARE * end_t
        left = t + width > end_t
        span = (t - width, t) if left else (t, t + width)
        row = next((i for i, spans in enumerate(rows) if all(span[1] < a or span[0] > b for a, b in spans)),
                   len(rows))
        if row == len(rows):
            rows.append([])
        rows[row].append(span)
        label = ax.text(t, y + 0.3 * row, f" {text} " if not left else f"{text} ", color=FAILURE_COLOR,
                        fontsize=7.5, va="bottom", ha="right" if left else "left", zorder=7,
                        bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85})
        tags.tag(label, "failure-label", t=t, check=what, row=row)
    return len(rows)


def _legend(fig: Figure, tags: Tags, palette: Palette, markers: set[str], failures: bool) -> None:
    """Exactly what was drawn: every state, level and marker kind, tagged with its key."""
    keyed: list[tuple[str, Artist]] = [(key, Patch(color=color, label=label))
                                       for key, color, label in palette.entries()]
    for name, (marker, color, size, label) in {**MARKERS, "attempt": ATTEMPT}.items():
        if name in markers:
            keyed.append((f"marker:{name}", Line2D([], [], ls="none", marker=marker, color=color,
                                                   markersize=size, label=label)))
    if failures:
        keyed.append(("failure", Line2D([], [], color=FAILURE_COLOR, ls="--", lw=1.2, label="failure")))
    if not keyed:
        return
    legend = fig.legend(handles=[h for _, h in keyed], loc="outside lower center", ncol=6, fontsize=8,
                        frameon=False)
    for (key, _), handle, text in zip(keyed, legend.legend_handles, legend.get_texts()):
        if handle is not None:
            tags.tag(handle, "legend-swatch", key=key)
        tags.tag(text, "legend-entry", key=key)


def _draw_clients(ax: Axes, tags: Tags, palette: Palette, events: list[Event], shown: list[str],
                  ys: dict[str, float], shots: list[ScreenshotEntry], end_t: float) -> set[str]:
    """State bars, health strips and markers per client; returns the marker kinds drawn."""
    markers: set[str] = set()
    for name in shown:
        _draw_series(ax, tags, palette, "client", name, _segments(state_timeline(events, name), end_t),
                     ys[name], 0.42)
        _draw_series(ax, tags, palette, "health", name,
                     _segments(extract.health_series(events, name), end_t), ys[name] - 0.3, 0.1)
        markers |= _draw_markers(ax, tags, events, name, ys[name], shots)
    return markers


def _style_axes(ax: Axes, tags: Tags, end_t: float, panel: str, bottom: bool) -> None:
    ax.set_xlim(0, end_t)
    if bottom:
        ax.set_xlabel("seconds since run start")
    else:
        ax.tick_params(axis="x", labelbottom=False)
    ax.grid(axis="x", color="#e9ecef", lw=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    # The plotting area spans exactly 0..end_t: a reader maps x to time from it.
    tags.tag(ax.patch, "time-axis", panel=panel, x0=0.0, x1=float(end_t))


def _end(events: list[Event]) -> float:
    """The scenario ends at run.teardown: stopping the server and closing pages is not behaviour."""
    teardown = next((e["t"] for e in events if e.get("kind") == "run.teardown"), None)
    return float(teardown or max((e["t"] for e in events), default=1.0) or 1.0)


def _draw_watch(ax: Axes, events: list[Event], y: float) -> None:
    """The recovery watch (after the last step, clients still disconnected were watched until
    they reconnected or their limit passed): a hatched band over every lane, labelled."""
    starts = [e for e in events if e.get("kind") == "recovery.watch"]
    ends = [e for e in events if e.get("kind") == "recovery.end"]
    for start, end in zip(starts, ends + [None] * (len(starts) - len(ends))):
        t1 = float(end["t"]) if end is not None else float(start.get("until") or start["t"])
        ax.axvspan(float(start["t"]), t1, facecolor="none", edgecolor="#8d99ae", hatch="///", lw=0, alpha=0.5)
        who = ", ".join(start.get("clients") or [])
        ax.text(float(start["t"]) + 0.05, y, f"recovery watch ({who})", va="center", ha="left", fontsize=7.5,
                color="#495057", clip_on=True, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                                                       "alpha": 0.8})


def timeline_svg(events: list[Event], shots: list[ScreenshotEntry], failed_at: Iterable[tuple[float, str]],
                 salt: str = "timeline") -> str:
    """The scenario timeline as inline SVG; `failed_at` is (time, check name) pairs."""
    end_t = _end(events)
    clients = extract.client_names(events)
    shown = clients[:MAX_CLIENT_LANES]
    kinds = extract.client_kinds(events)
    lanes = ["faults", "server"] + shown
    latency = [s for s in latency_samples(events) if s[0] <= end_t]
    lanes_h = 1.5 + 0.55 * len(lanes)
    fig = Figure(figsize=(11, lanes_h + (1.9 if latency else 0)), layout="constrained")
    axes = fig.subplots(2 if latency else 1, 1, sharex=True, squeeze=False,
                        height_ratios=[lanes_h, 1.9] if latency else [1])[:, 0]
    ax, tags, palette = axes[0], Tags(), Palette()
    ys = {name: float(len(lanes) - 1 - i) for i, name in enumerate(lanes)}
    _draw_faults(ax, sorted(fault_windows(events) + messages.windows(events), key=lambda f: f.start),
                 ys["faults"], end_t)
    # Stopping the server at teardown is after end_t: not drawn, so not in the legend either.
    _draw_series(ax, tags, palette, "server", "server",
                 [(w.start, min(w.end if w.end is not None else end_t, end_t) - w.start, w.label)
                  for w in server_windows(events) if w.start < end_t], ys["server"], 0.5)
    markers = _draw_clients(ax, tags, palette, events, shown, ys, shots, end_t)
    _draw_watch(ax, events, ys["server"])
    failed = list(failed_at)
    label_rows = _draw_failures(ax, tags, failed, len(lanes) - 0.45, end_t)
    labels = {"faults": "faults", "server": "server"}
    labels.update({n: f"{n} ({kinds[n]})" if kinds.get(n) else n for n in shown})
    ax.set_yticks([ys[n] for n in lanes], [labels[n] for n in lanes])
    ax.set_ylim(-0.6, len(lanes) - 0.2 + 0.3 * label_rows)
    _style_axes(ax, tags, end_t, "timeline", bottom=not latency)
    if latency:
        charts.draw_latency(axes[1], events, latency)
        for t, _ in _failure_groups(failed):
            axes[1].axvline(t, color=FAILURE_COLOR, ls="--", lw=1.0, zorder=6)
        _style_axes(axes[1], tags, end_t, "latency", bottom=True)
    hidden = len(clients) - len(shown)
    if hidden:
        ax.set_title(f"{hidden} more clients not drawn", loc="left", fontsize=9)
    _legend(fig, tags, palette, markers, bool(failed))
    return svg_text(fig, salt, tags)
