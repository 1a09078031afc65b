"""The suite's own layout: pytest imports test modules by their base name (the folders are not
packages), so two test files with one name stop the whole suite at collection."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_no_two_test_modules_share_a_name():
    """Every tests/**/test_*.py has a base name of its own."""
    names = Counter(p.name for p in TESTS.rglob("test_*.py") if "fixtures" not in p.parts)
    assert [n for n, count in names.items() if count > 1] == []
