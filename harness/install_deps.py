"""`wschaos install-deps`: the two programs wschaos drives that pip cannot install.

    Chromium           Debian's `chromium` package (Playwright cannot download its own browser
                       everywhere): `apt-get install -y chromium`, run when root with apt-get,
                       else printed for the user to run with sudo.
    toxiproxy-server   built from its Go module at a pinned version (TOXIPROXY_VERSION) into
                       `<tools>/bin` (`tools.tools_dir()`: `.tools` of a checkout, else
                       `~/.local/share/wschaos`), stamped with its version as `make setup` does.

`scripts/bootstrap` (`make setup`) runs this same code for a checkout, so the README's setup and
an installation in another project get the same Chromium and the same Toxiproxy build.
`--dry-run` prints the commands without running them; `wschaos doctor` names the command.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TextIO

from harness import tools
from harness.errors import EXIT_HARNESS, EXIT_PASSED, SetupError

TOXIPROXY_VERSION = os.environ.get("TOXIPROXY_VERSION", "v2.12.0")
TOXIPROXY_MODULE = "github.com/Shopify/toxiproxy/v2"
STAMP = ".toxiproxy-build"   # next to the binary: the version it was built at
INSTALL_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class Need:
    """One program: where it was found, or the commands that install it and why they cannot run here."""

    name: str
    found: str | None = None
    commands: tuple[tuple[str, ...], ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    blocked: str | None = None            # why the commands cannot run here (not root, no Go)
    after: Callable[[], None] | None = None   # once the commands ran: move the build into place

    def shell(self) -> str:
        """The commands as one line a user can paste."""
        prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items())
        return " && ".join(f"{prefix} {shlex.join(c)}".strip() for c in self.commands)


def chromium_need() -> Need:
    """Chromium, or `apt-get install -y chromium` (root with apt-get runs it; anyone else gets sudo)."""
    try:
        return Need("Chromium", found=str(tools.find_chromium()))
    except SetupError:
        pass
    commands = (("apt-get", "update", "-qq"), ("apt-get", "install", "-y", "-qq", "chromium"))
    if shutil.which("apt-get") is None:
        return Need("Chromium", commands=commands, blocked="no apt-get here: install Chromium or Chrome with "
                    f"your system's package manager, or set {tools.CHROMIUM_ENV}=/path/to/chromium")
    if os.geteuid() != 0:
        sudo = tuple(("sudo", *c) for c in commands)
        return Need("Chromium", commands=sudo, blocked="installing a system package needs root: run "
                    f"`{Need('', commands=sudo).shell()}`, or set {tools.CHROMIUM_ENV}=/path/to/chromium")
    return Need("Chromium", commands=commands, env={"DEBIAN_FRONTEND": "noninteractive"})


def toxiproxy_need(tools_dir: Path, version: str = TOXIPROXY_VERSION) -> Need:
    """toxiproxy-server ($WSCHAOS_TOXIPROXY, PATH, or a build of `version` in `tools_dir/bin`),
    or the `go install` that builds it there."""
    given = os.environ.get(tools.TOXIPROXY_ENV)
    if given:
        if not (Path(given).is_file() and os.access(given, os.X_OK)):
            return Need("toxiproxy-server", blocked=f"{tools.TOXIPROXY_ENV}={given} is not an executable file")
        return Need("toxiproxy-server", found=f"{given} (from {tools.TOXIPROXY_ENV})")
    on_path = shutil.which("toxiproxy-server")
    if on_path:
        return Need("toxiproxy-server", found=f"{on_path} (on PATH)")
    binary, stamp = tools_dir / "bin" / "toxiproxy-server", tools_dir / "bin" / STAMP
    if binary.is_file() and stamp.is_file() and stamp.read_text().strip() == version:
        return Need("toxiproxy-server", found=f"{binary} ({version})")
    gobin = tools_dir / "gobin"
    build = ("go", "install", "-ldflags", f"-X {TOXIPROXY_MODULE}.Version={version.removeprefix('v')}",
             f"{TOXIPROXY_MODULE}/cmd/server@{version}")  # -X stamps the version (a plain build says "git")

    def place() -> None:
        binary.parent.mkdir(parents=True, exist_ok=True)
        os.replace(gobin / "server", binary)
        stamp.write_text(version + "\n")
        shutil.rmtree(gobin, ignore_errors=True)

    blocked = None if shutil.which("go") else ("Go is not installed: install it (apt-get install -y golang), "
                                               f"or set {tools.TOXIPROXY_ENV}=/path/to/toxiproxy-server")
    return Need("toxiproxy-server", commands=(build,), env={"GOBIN": str(gobin)}, blocked=blocked, after=place)


def needs(tools_dir: Path | None = None) -> list[Need]:
    """What install-deps looks at, in order."""
    return [chromium_need(), toxiproxy_need(tools_dir or tools.tools_dir())]


def install(items: list[Need], *, dry_run: bool = False, out: TextIO = sys.stdout) -> int:
    """Install what is missing (or, `dry_run`, print how); exit 0 when everything is there now."""
    failed = 0
    for need in items:
        if need.found:
            print(f"{need.name}: {need.found}", file=out, flush=True)
        elif dry_run or need.blocked:
            print(f"{need.name}: missing; install it with: {need.shell() or '-'}", file=out, flush=True)
            if need.blocked:
                print(f"  {need.blocked}", file=out, flush=True)
            failed += 1
        else:
            print(f"{need.name}: installing: {need.shell()}", file=out, flush=True)
            error = _run(need)
            if error:
                print(f"  {error}", file=out, flush=True)
                failed += 1
            else:
                print(f"{need.name}: installed", file=out, flush=True)
    return EXIT_PASSED if failed == 0 else EXIT_HARNESS


def _run(need: Need) -> str | None:
    """Run the need's commands; the failure's last output lines, or None."""
    env = {**os.environ, **need.env}
    for argv in need.commands:
        try:
            done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S,
                                  stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"`{shlex.join(argv)}` could not run: {exc}"
        if done.returncode != 0:
            tail = "\n    ".join((done.stderr or done.stdout).strip().splitlines()[-8:])
            return f"`{shlex.join(argv)}` failed (exit {done.returncode}):\n    {tail}"
    if need.after is not None:
        need.after()
    return None
