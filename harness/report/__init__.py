"""Reports of a run: results.json, junit.xml and a self-contained index.html, all rendered
purely from journals and check results (docs/reports.md, docs/results-schema.md).

    render_run_dir(run_dir)                 re-render a run directory (`wschaos report <dir>`)
    render_from_journal(journal, out_dir)   render one bare journal
    scenario_entry / not_run_entry / run_document / write_results / load_results   (results.py;
        the shapes are TypedDicts in document.py)
    render_junit (junit.py), render_run_html (html.py), render_index / update_index (index.py)

Only this module and `write_results`/`load_results`/`update_index` touch the disk.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Mapping

from harness.journal import Event, read_journal
from harness.report.html import data_uri, render_run_html
from harness.report.index import render_index, update_index
from harness.report.junit import render_junit
from harness.report.document import RunDocument, RunMeta
from harness.report.results import (SCHEMA, load_results, not_run_entry, run_document, scenario_entry,
                                    write_atomically, write_results)

__all__ = ["render_run", "SCHEMA", "load_results", "write_results", "run_document", "scenario_entry",
           "not_run_entry",
           "render_junit", "render_run_html", "render_index", "update_index", "render_run_dir",
           "render_from_journal", "load_images"]

_MIMES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}


def load_images(paths: Iterable[str], bases: Iterable[Path]) -> dict[str, str]:
    """Screenshot path -> data: URI, looking each path up under the first base that has it."""
    bases = list(bases)
    images: dict[str, str] = {}
    for rel in paths:
        for base in bases:
            candidate = Path(rel) if os.path.isabs(rel) else base / rel
            if candidate.is_file():
                mime = _MIMES.get(candidate.suffix.lower(), "application/octet-stream")
                images[rel] = data_uri(candidate.read_bytes(), mime)
                break
    return images


def _write_outputs(run_dir: Path, doc: RunDocument, events: dict[str, list[Event]],
                   bases: list[Path], prerendered: Mapping[str, Mapping[str, str | None]] | None = None) -> Path:
    shots = [s["path"] for sc in doc.get("scenarios", []) for s in sc.get("screenshots", [])]
    write_atomically(run_dir / "junit.xml", render_junit(doc))
    out = run_dir / "index.html"
    write_atomically(out, render_run_html(doc, events, load_images(shots, bases), prerendered))
    return out


def render_run(run_dir: Path, doc: RunDocument, events: dict[str, list[Event]],
               prerendered: Mapping[str, Mapping[str, str | None]] | None = None) -> Path:
    """junit.xml and index.html of a run from its document and the events in memory (the run
    owner's path: nothing is read back from disk but the screenshots it embeds); `prerendered`:
    charts drawn while the run went on (`prerender.Prerenderer.collect`)."""
    return _write_outputs(Path(run_dir), doc, events, [Path(run_dir)], prerendered)


def render_run_dir(run_dir: Path) -> Path:
    """Re-render `index.html` and `junit.xml` of a run from its results.json and journals.

    A run whose results.json is missing (killed before it wrote one) is rebuilt from its
    journals; a scenario whose journal ends without `run.end` reads as interrupted."""
    run_dir = Path(run_dir)
    if (run_dir / "results.json").is_file():
        doc = load_results(run_dir / "results.json")
    else:
        doc = _rebuild_results(run_dir)
    events: dict[str, list[Event]] = {}
    for i, scenario in enumerate(doc.get("scenarios", [])):
        journal = run_dir / scenario.get("journal", "")
        if scenario.get("journal") and journal.is_file():
            events[scenario["journal"]] = read_journal(journal)
            if scenario.get("outcome") == "interrupted":  # written while it ran: its journal knows more
                rel = Path(scenario["journal"]).parent.as_posix()
                doc["scenarios"][i] = scenario_entry(events[scenario["journal"]], None, rel)
    return _write_outputs(run_dir, doc, events, [run_dir])


def _rebuild_results(run_dir: Path) -> RunDocument:
    journals = sorted(run_dir.glob("**/scenarios/*/journal.jsonl"))
    if not journals:
        raise FileNotFoundError(f"{run_dir} has neither results.json nor scenario journals: "
                                "is it a wschaos run folder (reports/<run-id>)?")
    scenarios = [scenario_entry(read_journal(j), None, j.parent.relative_to(run_dir).as_posix())
                 for j in journals]
    doc = run_document(scenarios, {"run_id": run_dir.name, "rerun": ""})
    write_results(run_dir / "results.json", doc)
    return doc


def render_from_journal(journal_path: Path, out_dir: Path, run_meta: RunMeta | None = None) -> Path:
    """Render results.json, junit.xml and index.html for one bare journal into `out_dir`.

    Check verdicts come from the journal's `check` events (re-judging is the runner's job)."""
    journal_path, out_dir = Path(journal_path).resolve(), Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    events = read_journal(journal_path)
    rel = Path(os.path.relpath(journal_path.parent, out_dir)).as_posix()
    scenario = scenario_entry(events, None, rel)
    start = next((e for e in events if e.get("kind") == "run.start"), {})
    meta: RunMeta = {"run_id": start.get("run_id", journal_path.parent.name),
                     "versions": start.get("versions", {}), "rerun": start.get("rerun", "")}
    meta.update(run_meta or {})
    doc = run_document([scenario], meta)
    write_results(out_dir / "results.json", doc)
    bases = [out_dir, journal_path.parent, *journal_path.parents]
    return _write_outputs(out_dir, doc, {scenario["journal"]: events}, bases[:6])
