"""Every check is registered, documented in docs/checks.md, and its documented examples load."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from harness.checks import checks
from harness.checks.base import Check
from harness.scenario.convert import build
from harness.scenario.yamlpos import load_with_positions

DOCS = Path(__file__).resolve().parents[2] / "docs" / "checks.md"
EXPECTED = ["alerts_persisted", "backoff", "close_codes", "dead_link", "delivered_exactly_once", "frames_seen",
            "gives_up", "health_alert", "heartbeat", "load_replies", "max_disconnection", "no_page_errors",
            "reconnected", "resource_drift", "restart_detected", "server_health", "server_restarts", "states_shown"]


def yaml_examples() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)


def test_every_check_is_registered():
    """Importing harness.checks registers the sixteen checks by their scenario names."""
    assert checks.names() == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_check_is_a_documented_frozen_dataclass(name):
    """Frozen dataclass, one-line docstring, and a section in docs/checks.md."""
    cls = checks.get(name)
    assert issubclass(cls, Check) and dataclasses.is_dataclass(cls)
    assert cls.__dataclass_params__.frozen
    assert cls.__doc__ and cls.__doc__.strip().splitlines()[0].endswith(".")
    assert f"\n## {name}\n" in DOCS.read_text(encoding="utf-8")


@pytest.mark.parametrize("example", yaml_examples())
def test_documented_examples_load(example):
    """Each YAML example in docs/checks.md builds its check without a problem."""
    data, pos = load_with_positions(example, "docs/checks.md")
    items = data if isinstance(data, list) else data["checks"]
    for item in items:
        name, params = (item, {}) if isinstance(item, str) else next(iter(item.items()))
        if name not in checks:  # the generic `- reconnected: 20s` illustration is covered too
            continue
        problems: list = []
        check = build(checks.get(name), params, ("checks", 0, name), pos, problems)
        assert problems == [] and check is not None, [str(p) for p in problems]


def test_every_check_is_in_a_documented_example():
    """docs/checks.md shows each check in at least one YAML example."""
    text = "".join(yaml_examples())
    assert [n for n in EXPECTED if f"- {n}" not in text] == []
