"""The README's example scenario is a real one: it loads (a wrong key in it would mislead every new user)."""

from __future__ import annotations

import re
from pathlib import Path

from harness.scenario.load import load_scenario

README = Path(__file__).parents[2] / "README.md"


def test_readme_scenario_example_loads(tmp_path):
    """The YAML block after 'A scenario:' validates with no problem."""
    block = re.search(r"A scenario:\n\n```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert block, "README.md lost its example scenario"
    path = tmp_path / "readme-example.yaml"
    path.write_text(block.group(1), encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.name == "restart-then-trigger-while-down"
