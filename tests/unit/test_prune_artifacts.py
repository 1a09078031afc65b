"""The keep-artifacts policy, applied to real files after the report is rendered."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from harness.run_record import prune_artifacts

FILES = ["journal.jsonl", "screenshots/b0-up.png", "traces/b0.zip", "ledger.sqlite3", "ledger.sqlite3-wal"]


def run_with(tmp_path: Path, outcomes: dict[str, str]) -> SimpleNamespace:
    """A finished run: one scenario folder per name, each with every kind of artifact."""
    scenarios = []
    for name, outcome in outcomes.items():
        for rel in FILES:
            (tmp_path / name / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name / rel).write_bytes(b"x")
        scenarios.append(SimpleNamespace(name=name, outcome=outcome, dir=tmp_path / name))
    return SimpleNamespace(outcomes=scenarios)


def kept(tmp_path: Path, name: str) -> list[str]:
    return sorted(str(p.relative_to(tmp_path / name)) for p in (tmp_path / name).rglob("*") if p.is_file())


@pytest.mark.parametrize("policy, passing, failing", [
    ("always", FILES, FILES),
    ("on-failure", ["journal.jsonl", "screenshots/b0-up.png"], FILES),
    ("never", ["journal.jsonl"], ["journal.jsonl"]),
])
def test_policy_keeps_what_it_promises(tmp_path, policy, passing, failing):
    """Screenshots go only under `never`; traces and ledger copies stay only where the policy keeps them."""
    prune_artifacts(run_with(tmp_path, {"ok": "passed", "bad": "failed"}), policy)
    assert kept(tmp_path, "ok") == sorted(passing)
    assert kept(tmp_path, "bad") == sorted(failing)
