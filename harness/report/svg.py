"""Matplotlib figures as inline SVG, with the drawn elements tagged for readers and tests.

A figure is saved once, as text; `Tags` lets the code that draws an artist say what it means
(`class="state" data-key="client:connected"`, `class="failure-marker" data-t="12.4"`): the
artist gets a placeholder gid, and `svg_text` rewrites the placeholder into those attributes.
A test in a real browser then reads the SVG's structure instead of guessing from pixels.
"""

from __future__ import annotations

import io
import re
from html import escape

import matplotlib
from matplotlib.artist import Artist
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure


class Tags:
    """Placeholder gid -> (class, data-* attributes) for one figure."""

    def __init__(self) -> None:
        self.attrs: dict[str, tuple[str, dict[str, str]]] = {}

    def tag(self, artist: Artist, cls: str, **data: object) -> Artist:
        """Mark `artist` with a class and data attributes (`t` becomes `data-t`)."""
        gid = f"wsc{len(self.attrs)}"
        artist.set_gid(gid)
        self.attrs[gid] = (cls, {k.replace("_", "-"): _attr(v) for k, v in data.items()})
        return artist


def _attr(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def svg_text(fig: Figure, salt: str, tags: Tags | None = None) -> str:
    """The figure as an inline <svg> element that scales to its container."""
    buf = io.StringIO()
    FigureCanvasSVG(fig)
    # A fixed salt per figure keeps ids stable (pure output) and unique within one page.
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    if tags:
        def attrs(m: re.Match[str]) -> str:
            cls, data = tags.attrs[m.group(1)]
            extra = "".join(f' data-{k}="{escape(v, quote=True)}"' for k, v in data.items())
            return f'id="{m.group(1)}" class="{cls}"{extra}'
        text = re.sub(r'id="(wsc\d+)"', attrs, text)
    # matplotlib numbers its element ids per figure (figure_1, patch_1...): prefix them so
    # several figures inline in one page keep valid, unique ids and their own references.
    text = re.sub(r'(\sid="|url\(#|href="#)', lambda m: m.group(1) + salt + "-", text)
    head, rest = text.split(">", 1)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    return head + ' class="plot" role="img" preserveAspectRatio="xMinYMin meet">' + rest
