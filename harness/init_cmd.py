"""`wschaos init [DIR]`: a target and two starter scenarios for the user's app, asking only for
what it cannot find.

    wschaos init --server 'python app.py --port {port}'     the command is started once on a free
                                                              port, its page (/ unless --page) loaded
                                                              in Chromium, the socket it opens noted
    wschaos init --page http://127.0.0.1:8000/               the app is running: the process on
                                                              port 8000 gives the command, its page
                                                              the socket

Whatever is still missing is asked for on a terminal, else named with the option that gives it
(exit 2). The files written are validated as `wschaos validate` would, and the scenarios folder
is registered with pytest (`wschaos_scenarios`), so plain `pytest` runs them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sys
from pathlib import Path
from typing import Callable

from harness import discover, scaffold
from harness.errors import EXIT_PASSED, InvalidInput, WschaosError
from harness.scaffold import PORT, SCENARIOS, Answers
from harness.scenario.yamlpos import Problem

Ask = Callable[[str], str]


def add_init_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """`wschaos init`'s options."""
    p = sub.add_parser("init", help="write a target and two starter scenarios for your app (asks only what it "
                                    "cannot find)")
    p.add_argument("dir", nargs="?", type=Path, default=Path("."), help="your project's folder (default: here)")
    p.add_argument("--name", help="the target's name (default: the folder's name)")
    p.add_argument("--server", metavar="COMMAND",
                   help="the command that starts your server, with {port} where its port goes, e.g. "
                        "'python app.py --port {port}' (default: the process serving --page, if it runs)")
    p.add_argument("--page", metavar="URL", help="the page a browser opens, e.g. 'http://127.0.0.1:{port}/' "
                                                 "(default: / on the server's port)")
    p.add_argument("--websocket", metavar="URL_OR_PATH",
                   help="the socket URL the page dials, or its path ('/ws'); default: the one the page opens")
    p.add_argument("--force", action="store_true", help="overwrite files that exist")
    p.add_argument("--no-input", action="store_true", help="never ask, even on a terminal")


def cmd_init(args: argparse.Namespace, ask: Ask | None = None) -> int:
    """Gather the answers, write the files, validate them, say what to run next."""
    project = args.dir.resolve()
    if not project.is_dir():
        raise InvalidInput([Problem(str(args.dir), 0, 0, "", "no such folder: give your project's folder")])
    interactive = ask is not None or (sys.stdin.isatty() and not args.no_input)
    answers = gather(args, project, (ask or _prompt) if interactive else None)
    files = _files(project, answers)
    existing = [p for p in files if p.exists()]
    if existing and not args.force:
        raise InvalidInput([Problem(str(p.relative_to(project)), 0, 0, "", "exists already: pass --force to "
                                    "overwrite it, or --name for another target name") for p in existing])
    for note in answers.found:
        print(f"found: {note}")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(project)}")
    _register_with_pytest(project)
    _validate(project, answers.name)
    _next_steps(project)
    return EXIT_PASSED


def _files(project: Path, a: Answers) -> dict[Path, str]:
    files = {project / "targets" / f"{a.name}.yaml": scaffold.target_yaml(a)}
    files.update({project / SCENARIOS / name: text for name, text in scaffold.scenario_yamls(a).items()})
    return files


def gather(args: argparse.Namespace, project: Path, ask: Ask | None) -> Answers:
    """The answers from the options, what a running app or a trial start shows, then prompts."""
    name = scaffold.slug(args.name or project.name)
    server = tuple(shlex.split(args.server)) if args.server else None
    page, ws, cwd = args.page, args.websocket, project
    found: list[str] = []
    if page is None and server is None and ask is not None:
        page = ask("Page URL of your app, running now or with {port} (e.g. http://127.0.0.1:8000/): ") or None
    if page and "{port" not in page and discover.answers_http(page):
        server, cwd, ws = _from_running(page, server, cwd, ws, found)
    if server is None and ask is not None:
        server = tuple(shlex.split(ask("Command that starts your server, {port} where its port goes "
                                       "(e.g. python app.py --port {port}): ")))
    if not server:
        raise _missing("--server", "the command that starts your server, e.g. --server 'python app.py --port {port}'"
                       + (f" (nothing answers {page} now to learn it from)" if page else ""))
    if page is None:
        page = f"http://127.0.0.1:{PORT}/"
        found.append(f"page: {page} (the server's port; pass --page for another path)")
    page, argv, ws, fixed = scaffold.templatize(page, scaffold.interpreter(server), ws)
    if ws is None:
        ws = _trial_start(argv, cwd, page, found)
    if ws is None and ask is not None:
        ws = ask("WebSocket URL the page dials, or its path (e.g. /ws): ") or None
    if ws is None:
        why = [n.removeprefix("websocket: not found: ") for n in found if n.startswith("websocket: not found")]
        raise _missing("--websocket", "the socket URL the page dials, or its path, e.g. --websocket /ws"
                       + "".join(f" ({w})" for w in why))
    ws = scaffold.websocket_from(page, ws)
    return Answers(name, page, argv, os.path.relpath(cwd, project / "targets"), ws, fixed, tuple(found))


def _from_running(page: str, server: tuple[str, ...] | None, cwd: Path, ws: str | None,
                  found: list[str]) -> tuple[tuple[str, ...] | None, Path, str | None]:
    """The running app at `page`: the process listening on its port gives the command and folder,
    the page the socket."""
    port = scaffold.url_port(page)
    if server is None and port is not None:
        listener = discover.listening_process(port)
        if listener is not None:
            server, cwd = listener.argv, listener.cwd
            found.append(f"server: {shlex.join(server)} (pid {listener.pid}, listening on port {port}, in {cwd})")
    if ws is None:
        sockets = asyncio.run(discover.page_websockets(page))
        if sockets:
            ws = sockets[0]
            found.append(f"websocket: {ws} (opened by {page})" + _others(sockets))
    return server, cwd, ws


def _trial_start(argv: tuple[str, ...], cwd: Path, page: str, found: list[str]) -> str | None:
    """Start the server once on a free port, load its page, note the socket it opens (templated)."""
    if PORT not in page:
        return None  # a fixed port: starting it might collide with the user's running copy
    try:
        sockets, port = asyncio.run(discover.websockets_of_command(argv, cwd, page))
    except WschaosError as exc:
        found.append(f"websocket: not found: the trial start failed: {discover.describe_failure(exc)}")
        return None
    if not sockets:
        found.append(f"websocket: not found: the page opened no WebSocket within {discover.SOCKET_WAIT_S:g}s")
        return None
    ws = scaffold.with_port(sockets[0], port)
    found.append(f"websocket: {ws} (opened by the page when the server ran on port {port})" + _others(sockets))
    return ws


def _others(sockets: list[str]) -> str:
    return f"; also opened, not the app's: {', '.join(sockets[1:])}" if len(sockets) > 1 else ""


def _missing(option: str, what: str) -> InvalidInput:
    return InvalidInput([Problem(option, 0, 0, "", f"not given and not found: {what}")])


def _prompt(question: str) -> str:
    return input(question).strip()


def _register_with_pytest(project: Path) -> None:
    import importlib.util

    path, text = scaffold.pytest_setting(project, asyncio=importlib.util.find_spec("pytest_asyncio") is not None)
    if text is None:
        print(f"pytest: {path.name} already lists the scenarios folder")
        return
    path.write_text(text, encoding="utf-8")
    print(f"pytest: {path.name}: {scaffold.SETTING} = {SCENARIOS} (plain `pytest` runs the scenarios)")


def _validate(project: Path, name: str) -> None:
    """The files written are checked as `wschaos validate` checks them (InvalidInput otherwise)."""
    from harness.plan import target_fit_problems
    from harness.scenario.collect import collect
    from harness.target import load_target

    target = load_target(project / "targets" / f"{name}.yaml")
    scenarios = [sc for sc in collect([project / SCENARIOS]) if sc.target == name]
    problems = [p for sc in scenarios for p in target_fit_problems(sc, target)]
    if problems:
        raise InvalidInput(problems)
    print(f"valid: target {name} and {len(scenarios)} scenarios")


def _next_steps(project: Path) -> None:
    from harness.invocation import command

    here = Path.cwd()
    where = "" if project == here else f"cd {shlex.quote(os.path.relpath(project, here))} && "
    print(f"next: {where}{shlex.join(command(cwd=project))} run {SCENARIOS}/     (or: {where}pytest)")
