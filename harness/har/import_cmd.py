"""`wschaos import har FILE.har`: a scenario that replays a recorded socket and its disconnects.

Reads the file (at most `reader.MAX_BYTES`), picks the app's socket (`--socket`, else the
target's socket path), writes the scenario (`-o`, else stdout), loads what it wrote as `run`
would, and says on stderr what it did. Every problem with the recording is invalid input
(exit 2) with what to do; a scenario it wrote that does not load would be wschaos's own bug
(exit 3).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

from harness.errors import EXIT_PASSED, InvalidInput, WschaosError
from harness.har.reader import app_sockets, check_size, read_har
from harness.scenario.yamlpos import Problem
from harness.har.replay import Protocol, replay
from harness.har.scenario import Header, scenario_text
from harness.target import Target, find_target, load_target
from harness.tools import repo_root


def add_import_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """`import har FILE [--socket PATTERN] [--target T] [-o OUT]`."""
    imp = sub.add_parser("import", help="turn a recording into a scenario (import har FILE.har)")
    kinds = imp.add_subparsers(dest="kind", required=True)
    har = kinds.add_parser("har", help="a scenario replaying a HAR's WebSocket (Chromium DevTools or Playwright) "
                                       "with its disconnects reproduced by the closest faults")
    har.add_argument("file", type=Path, help="the HAR file")
    har.add_argument("--socket", help="the app's socket: a part of its URL, or a glob with * (default: the "
                                      "sockets dialling the target's socket path)")
    har.add_argument("--target", help="target name in targets/ or a target YAML path (default: the target in "
                                      "targets/ whose socket path the recording dialled)")
    har.add_argument("-o", "--out", type=Path, help="write the scenario here (default: stdout)")
    har.add_argument("--name", help="the scenario's name (default: har-<file name>)")


def cmd_import(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        raise InvalidInput([Problem(str(path), 0, 0, "", "no such file: give the HAR file's path")])
    check_size(path.stat().st_size, str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput([Problem(str(path), 0, 0, "", f"not UTF-8 text (byte {exc.start}): a HAR file is JSON "
                                    "text; is this the right file?")]) from None
    recording = read_har(text, str(path))
    target_file, target = _target(args.target, recording.sockets[0].url if recording.sockets else "", path)
    sockets = app_sockets(recording, args.socket, urlsplit(target.websocket).path)
    proto = target.protocol
    plan = replay(sockets, Protocol(proto.type_field, proto.id_field, proto.messages, frozenset(proto.keys),
                                    proto.ack_type))
    out: Optional[Path] = args.out
    name = args.name or "har-" + "".join(c if c.isalnum() else "-" for c in path.stem).strip("-").lower()
    header = Header(name, str(path), recording.creator, _target_ref(target_file, out), sockets[0].url.split("?")[0])
    scenario = scenario_text(header, plan)
    _check_loads(scenario, out, target_file)
    if out is None:
        sys.stdout.write(scenario)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(scenario)
    print(f"{out or 'stdout'}: {plan.sends} client frame(s) from {plan.sockets} socket(s) "
          f"({plan.templated} templated), {len(plan.disconnects)} disconnect(s), {len(plan.gaps)} gap(s) noted; "
          f"target {target.name}", file=sys.stderr)
    return EXIT_PASSED


def _target(asked: Optional[str], url: str, har: Path) -> tuple[Path, Target]:
    """The target named, else the one in targets/ whose socket path the recording dialled."""
    dirs = [Path("targets"), repo_root() / "targets"]
    if asked:
        found = find_target(asked, dirs)
        return found, load_target(found)
    path = urlsplit(url).path
    fits = []
    for folder in dict.fromkeys(d.resolve() for d in dirs if d.is_dir()):
        for file in sorted(folder.glob("*.y*ml")):
            try:
                target = load_target(file)
            except InvalidInput:
                continue
            if urlsplit(target.websocket).path == path:
                fits.append((file, target))
    if len(fits) != 1:
        which = ", ".join(t.name for _, t in fits) or "none"
        raise InvalidInput([Problem(str(har), 0, 0, "", f"the recording dialled {path or 'no socket'}; targets in "
                                    f"targets/ for that path: {which}: name the app's target with --target (a name "
                                    "in targets/ or a YAML path)")])
    return fits[0]


def _target_ref(target_file: Path, out: Optional[Path]) -> str:
    """How the scenario's `target:` names the target: its name when `run` finds it from there, else a path."""
    here = (out.parent if out is not None else Path.cwd()).resolve()
    name = target_file.stem
    try:
        if find_target(name, [here, here.parent / "targets", Path("targets"), repo_root() / "targets"]).resolve() \
                == target_file.resolve():
            return name
    except InvalidInput:
        pass
    return os.path.relpath(target_file.resolve(), here)


def _check_loads(scenario: str, out: Optional[Path], target_file: Path) -> None:
    """Load the scenario as `run` will (next to where it goes): one that does not is wschaos's bug."""
    from harness.plan import target_fit_problems
    from harness.scenario.load import load_scenario

    folder = (out.parent if out is not None else Path.cwd())
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", dir=folder, delete=False) as f:
        f.write(scenario)
    try:
        loaded = load_scenario(f.name)
        problems = target_fit_problems(loaded, load_target(target_file))
    except InvalidInput as exc:
        problems = list(exc.problems)
    finally:
        os.unlink(f.name)
    if problems:
        raise WschaosError("the scenario written from the recording does not load (a wschaos bug, please report "
                           f"it with the HAR): {problems[0]}")
