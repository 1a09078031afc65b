"""The docs' tables of steps, faults and checks list exactly what the registries hold.

The registries are the only list: a step, fault or check that is registered but not documented,
or documented but not registered (renamed, removed, misspelt), fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import harness.checks  # noqa: F401  (registers the checks)
import harness.steps  # noqa: F401  (registers the steps and faults)
from harness.checks.base import checks
from harness.steps.base import steps
from harness.steps.faults.base import ProxyFault

DOCS = Path(__file__).resolve().parents[2] / "docs"
ROW = re.compile(r"^\| \[`([a-z_]+)`\]\(#([a-z_]+)\) \|", re.M)


def _section(text: str, heading: str) -> str:
    """The text from `heading` to the next heading of the same level."""
    level = heading.split(" ", 1)[0]
    start = text.index(f"\n{heading}\n")
    end = text.find(f"\n{level} ", start + len(heading) + 2)
    return text[start:] if end < 0 else text[start:end]


def _table(text: str) -> list[str]:
    rows = ROW.findall(text)
    assert all(name == anchor for name, anchor in rows), "a row links to another name's section"
    return [name for name, _ in rows]


def test_step_reference_table_lists_every_registered_step():
    """docs/scenarios.md's step reference table names each registered step once, and nothing else."""
    table = _table(_section((DOCS / "scenarios.md").read_text(encoding="utf-8"), "## Step reference"))
    assert sorted(table) == steps.names()
    assert len(table) == len(set(table))


def test_every_step_has_its_own_section():
    """Each registered step has a `###`/`####` section the table's link points at."""
    text = (DOCS / "scenarios.md").read_text(encoding="utf-8")
    missing = [n for n in steps.names() if not re.search(rf"^#{{3,4}} {n}$", text, re.M)]
    assert missing == []


def test_network_faults_are_the_registered_proxy_faults():
    """The faults documented under 'Network faults' (and `down`) are the registered proxy faults."""
    text = (DOCS / "scenarios.md").read_text(encoding="utf-8")
    documented = re.findall(r"^#### ([a-z_]+)$", _section(text, "### Network faults"), re.M)
    registered = sorted(n for n in steps.names() if issubclass(steps.get(n), ProxyFault))
    assert sorted(documented + ["down"]) == registered


def test_checks_index_and_sections_list_every_registered_check():
    """docs/checks.md's index and its `## name` sections are exactly the registered checks."""
    text = (DOCS / "checks.md").read_text(encoding="utf-8")
    assert sorted(_table(_section(text, "## Index"))) == checks.names()
    sections = re.findall(r"^## ([a-z_]+)$", text, re.M)
    assert sorted(sections) == checks.names()
