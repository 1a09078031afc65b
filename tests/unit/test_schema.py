"""The JSON Schema for editors is generated from the registries and accepts every bundled scenario."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from harness.scenario.schema import scenario_schema

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_is_current():
    """docs/scenario.schema.json is what `wschaos schema` prints now (regenerate it if this fails)."""
    committed = json.loads((ROOT / "docs" / "scenario.schema.json").read_text())
    assert committed == scenario_schema(), "run: .venv/bin/wschaos schema > docs/scenario.schema.json"


def test_bundled_scenarios_match_the_schema():
    """Every scenario in scenarios/ is valid against the schema."""
    validator = jsonschema.Draft202012Validator(scenario_schema())
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text()))]
        assert errors == [], f"{path.name}: {errors}"


def test_schema_rejects_an_unknown_step_and_a_bad_duration():
    """An unknown step type and a malformed duration are schema errors too."""
    validator = jsonschema.Draft202012Validator(scenario_schema())
    assert not validator.is_valid({"steps": [{"nap": "1s"}]})
    assert not validator.is_valid({"steps": [{"idle": "soon"}]})
    assert validator.is_valid({"steps": [{"idle": "5m"}, "restore", {"down": {}, "for": "2s", "clients": "b0"}]})


def test_schema_knows_during_blocks():
    """A during block holds one fault that can be undone, with its steps; `for:` inside is refused."""
    validator = jsonschema.Draft202012Validator(scenario_schema())
    held = {"down": {}, "clients": "b0", "steps": [{"idle": "1s"}]}
    assert validator.is_valid({"steps": [{"during": held, "after": "1s"}]})
    assert not validator.is_valid({"steps": [{"during": {"idle": "1s", "steps": [{"idle": "1s"}]}}]})
    assert not validator.is_valid({"steps": [{"during": {**held, "for": "5s"}}]})
    assert not validator.is_valid({"steps": [{"during": {"down": {}}}]})


def test_schema_knows_fault_names_and_number_ranges():
    """A dead_link fault name outside the faults, a seed past 64 bits and a zero time scale are schema errors."""
    validator = jsonschema.Draft202012Validator(scenario_schema())
    steps = [{"idle": "1s"}]
    assert validator.is_valid({"steps": steps, "checks": [{"dead_link": {"faults": ["blackhole", "latency"]}}]})
    assert not validator.is_valid({"steps": steps, "checks": [{"dead_link": {"faults": ["blackhol"]}}]})
    assert not validator.is_valid({"steps": steps, "seed": 2**63})
    assert not validator.is_valid({"steps": steps, "time_scale": 0})
    assert not validator.is_valid({"steps": [{"add_tickets": {"count": 0}}]})
