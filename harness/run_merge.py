"""One run report from the parts of a run that several processes shared (`pytest -n N`).

Each pytest-xdist worker runs its scenario items through a run owner of its own whose folder is
`<run>/workers/<worker id>/` and writes only its results.json there. When the session ends, the
controller merges them: every scenario entry (its paths made relative to `<run>`), the verdict
(`harness.verdict`, over every entry), then the same index.html, junit.xml and run index a
`wschaos run` writes, from the merged results.json and the journals (`render_run_dir`).
"""

from __future__ import annotations

from pathlib import Path

from harness import verdict
from harness.report import load_results, render_run_dir, run_document, update_index, write_results
from harness.report.document import RunDocument, RunMeta, ScenarioEntry

WORKERS = "workers"


def worker_dir(run_dir: Path, worker_id: str) -> Path:
    """Where one worker's run owner keeps its scenarios and its results.json."""
    return run_dir / WORKERS / worker_id


def _rebased(entry: ScenarioEntry, prefix: str) -> ScenarioEntry:
    """The entry with its paths relative to the whole run's folder instead of the worker's."""
    def under(path: str) -> str:
        return f"{prefix}/{path}" if path and not path.startswith("/") else path

    return {**entry, "journal": under(entry.get("journal", "")),
            "screenshots": [{**s, "path": under(s.get("path", ""))} for s in entry.get("screenshots", [])],
            "traces": [under(t) for t in entry.get("traces", [])]}


def merged_document(run_dir: Path, run_id: str, started_at: str, duration_s: float,
                    interrupted: bool = False) -> RunDocument | None:
    """The run's results.json document from its workers' (None when no worker ran a scenario)."""
    parts = [(d, load_results(d / "results.json")) for d in sorted((run_dir / WORKERS).glob("*"))
             if (d / "results.json").is_file()]
    if not parts:
        return None
    entries = [_rebased(s, d.relative_to(run_dir).as_posix()) for d, doc in parts for s in doc.get("scenarios", [])]
    entries.sort(key=lambda s: (s.get("file", ""), s.get("name", "")))
    errors = [f"{d.name}: {doc['infra_error']}" for d, doc in parts if doc.get("infra_error")]
    interrupted = interrupted or any(doc.get("outcome") == "interrupted" for _, doc in parts)
    named = [s["outcome"] for s in entries] + (["error"] if errors else [])
    meta: RunMeta = {
        "run_id": run_id, "started_at": started_at, "duration_s": duration_s,
        "outcome": verdict.run_outcome(named, interrupted), "versions": dict(parts[0][1].get("versions") or {}),
        "rerun": "\n".join(dict.fromkeys(s.get("rerun", "") for s in entries
                                         if s["outcome"] != "passed" and s.get("rerun"))),
        "interrupted": interrupted, "infra_error": "; ".join(errors) or None,
        "flaky": verdict.flaky((s["name"], s["outcome"]) for s in entries),
    }
    return run_document(entries, meta)


def write_merged(run_dir: Path, run_id: str, started_at: str, duration_s: float,
                 interrupted: bool = False) -> Path | None:
    """results.json, index.html and junit.xml of the whole run, and the run index of its reports
    folder; the HTML report's path, or None when no worker ran a scenario."""
    doc = merged_document(run_dir, run_id, started_at, duration_s, interrupted)
    if doc is None:
        return None
    write_results(run_dir / "results.json", doc)
    html = render_run_dir(run_dir)
    try:
        update_index(run_dir.parent)
    except OSError:
        pass  # the run's own report stands; the index of all runs is rebuilt by the next run
    return html
