"""The reference client on full jitter (examples/full-jitter: the same app, `?jitter=full` in its
page URL) passes `backoff` declared with `jitter: full`, and the check says it saw full jitter.

A correct full-jitter client failed the check 7 times in 8 when it knew only equal jitter
(issue 17). The scenario runs at time_scale 0.25: a 10 s outage, about 12 s in all.
"""

from __future__ import annotations

import json
import re

import pytest

from cli_process import only_run_dir, run_cli

pytestmark = pytest.mark.e2e

SCENARIO = "examples/full-jitter/scenarios/network-drop-full-jitter.yaml"


def test_the_full_jitter_client_passes_backoff_with_the_full_model(tmp_path):
    """Exit 0; `backoff` reports full jitter; the journal says the page's jitter follows --seed."""
    result = run_cli("run", SCENARIO, "--report", str(tmp_path), timeout=120)
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path)
    (scenario,) = json.loads((run_dir / "results.json").read_text())["scenarios"]
    backoff = next(c for c in scenario["checks"] if c["name"] == "backoff")
    assert re.fullmatch(r"\d+ reconnection delays of b0 fit full jitter: min\(30s, 1s x 2\^\(n-1\)\) x 0\.\.1",
                        backoff["summary"]), backoff
    assert backoff["metrics"]["model"] == "full" and backoff["metrics"]["intervals"] >= 5
    lines = (run_dir / "scenarios" / "full-jitter-network-drop" / "journal.jsonl").read_text().splitlines()
    opened = [json.loads(line) for line in lines if '"client.open"' in line]
    assert [e["page_random"] for e in opened] == ["seed_in_url"]
