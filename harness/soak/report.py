"""Placeholder: the soak report (replaced below)."""

from __future__ import annotations

from pathlib import Path


def write_soak_report(night: Path) -> Path:
    """Render soak.html for the night in `night`; its path."""
    return night / "soak.html"
