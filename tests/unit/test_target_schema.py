"""The JSON Schema of target files is generated from the target model and accepts every bundled target."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from harness.cli import main
from harness.targets.model import Ready
from harness.targets.parse import REQUIRED, TOP_KEYS
from harness.targets.schema import target_schema

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted([ROOT / "targets" / "kanban.yaml", *(ROOT / "examples").glob("*/targets/*.yaml")])
MINIMAL = {"name": "app", "server": {"command": ["app"], "ready": {"tcp": "127.0.0.1:{port.server}"}},
           "page": "http://127.0.0.1:{port.server}/", "websocket": "ws://127.0.0.1:{port.server}/ws"}


def test_committed_target_schema_is_current():
    """docs/target.schema.json is what `wschaos schema --target` prints now (regenerate it if this fails)."""
    committed = json.loads((ROOT / "docs" / "target.schema.json").read_text())
    assert committed == target_schema(), "run: .venv/bin/wschaos schema --target > docs/target.schema.json"


def test_schema_command_prints_the_target_schema(capsys):
    """`wschaos schema --target` prints the target schema; plain `schema` still prints the scenario one."""
    assert main(["schema", "--target"]) == 0
    assert json.loads(capsys.readouterr().out) == target_schema()
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "wschaos scenario"


@pytest.mark.parametrize("path", BUNDLED, ids=[p.name for p in BUNDLED])
def test_bundled_targets_match_the_schema(path):
    """Every bundled target (targets/, examples/*/targets/) is valid against the schema."""
    validator = jsonschema.Draft202012Validator(target_schema())
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(yaml.safe_load(path.read_text()))]
    assert errors == []


def test_schema_covers_exactly_the_keys_the_loader_knows():
    """Top-level keys, required keys and `ready`'s forms are those of the loader."""
    schema = target_schema()
    assert list(schema["properties"]) == TOP_KEYS and schema["required"] == REQUIRED
    ready = schema["properties"]["server"]["properties"]["ready"]["properties"]
    assert set(ready) == {f.name for f in dataclasses.fields(Ready)}


@pytest.mark.parametrize("change", [
    {"nmae": "typo"}, {"time_scale": 0}, {"time_scale": 5000}, {"upstream": "127.0.0.1:port"},
    {"upstream": "::1:8000"}, {"ports": [{"dev": 0}]}, {"probe_interval": "soon"},
    {"actions": {"go": {"ops": [{"hover": "#x"}]}}}, {"actions": {"go": {"ops": [{"fill": {"selector": "#x"}}]}}},
    {"server": {"command": "app --port 1", "ready": {"tcp": "127.0.0.1:1"}}},
    {"server": {"command": ["app"], "ready": {"tcp": "127.0.0.1:1", "log": "up"}}},
    {"setup": {"ops": [], "attempts": 3}},
])
def test_schema_refuses_what_the_loader_refuses(change):
    """Unknown keys, out-of-range numbers, bad host:port forms, unknown ops and missing op fields are schema errors."""
    validator = jsonschema.Draft202012Validator(target_schema())
    assert validator.is_valid(MINIMAL)
    assert not validator.is_valid({**MINIMAL, **change})


@pytest.mark.parametrize("change", [
    {"upstream": "[::1]:8000"}, {"ports": ["server", {"dev": 5173}]},
    {"actions": {"go": {"ops": [{"click": "#go"}, {"read": {"selector": "#t", "as": "t"}}, {"evaluate": "v.t"}]}}},
])
def test_schema_accepts_the_forms_the_docs_show(change):
    """IPv6 in brackets, fixed ports and each op's short and long forms are valid."""
    assert jsonschema.Draft202012Validator(target_schema()).is_valid({**MINIMAL, **change})
