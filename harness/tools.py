"""Find the external programs wschaos drives, and their versions.

Lookup order (first hit wins):

    toxiproxy-server   $WSCHAOS_TOXIPROXY, then PATH, then <checkout>/.tools/bin/toxiproxy-server,
                       then <user tools>/bin/toxiproxy-server (`wschaos install-deps` builds it there)
    Chromium           $WSCHAOS_CHROMIUM, then chromium / chromium-browser / google-chrome on PATH
    node               PATH

A missing program raises `SetupError` whose message says how to fix it: in a wschaos checkout
`make setup`, in an installed wschaos `wschaos install-deps` (spelled the way wschaos was called).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import subprocess
from importlib import metadata
from pathlib import Path

from harness.errors import SetupError

TOXIPROXY_ENV = "WSCHAOS_TOXIPROXY"
CHROMIUM_ENV = "WSCHAOS_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
VERSION_TIMEOUT_S = 15.0


def repo_root() -> Path:
    """The wschaos checkout this module lives in (site-packages for an installed wheel)."""
    return Path(__file__).resolve().parent.parent


def is_checkout(root: Path | None = None) -> bool:
    """Whether wschaos runs from its own source checkout (with `make setup`), not from an
    installation in someone else's project."""
    return ((root or repo_root()) / "scripts" / "bootstrap").is_file()


def user_tools_dir() -> Path:
    """Where an installed wschaos keeps the programs it builds (toxiproxy-server): `$WSCHAOS_HOME`,
    else `$XDG_DATA_HOME/wschaos` (`~/.local/share/wschaos`); one build serves every project."""
    home = os.environ.get("WSCHAOS_HOME")
    if home:
        return Path(home).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "wschaos"


def tools_dir(root: Path | None = None) -> Path:
    """Where `install-deps` puts toxiproxy-server: `.tools` of a checkout, else `user_tools_dir()`."""
    root = root or repo_root()
    return root / ".tools" if is_checkout(root) else user_tools_dir()


def setup_hint(root: Path | None = None) -> str:
    """The command that installs what is missing: `make setup` in a checkout, else install-deps."""
    if is_checkout(root):
        return "`make setup`"
    from harness.invocation import prefix

    return f"`{prefix()} install-deps`"


def _from_env(var: str, what: str) -> Path | None:
    value = os.environ.get(var)
    if not value:
        return None
    path = Path(value).expanduser()
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise SetupError(f"{what} not found at {value} (from ${var}): point {var} at an executable file")
    return path


def find_toxiproxy(root: Path | None = None) -> Path:
    """Path of toxiproxy-server, or `SetupError` saying how to install it."""
    path = _from_env(TOXIPROXY_ENV, "toxiproxy-server")
    if path:
        return path
    found = shutil.which("toxiproxy-server")
    if found:
        return Path(found)
    for folder in dict.fromkeys(((root or repo_root()) / ".tools", user_tools_dir())):
        built = folder / "bin" / "toxiproxy-server"
        if built.is_file() and os.access(built, os.X_OK):
            return built
    raise SetupError(f"toxiproxy-server not found: run {setup_hint(root)} or set {TOXIPROXY_ENV}=/path")


def find_chromium(root: Path | None = None) -> Path:
    """Path of a Chromium/Chrome binary, or `SetupError` saying how to get one."""
    path = _from_env(CHROMIUM_ENV, "Chromium")
    if path:
        return path
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise SetupError(
        f"Chromium not found: run {setup_hint(root)} (installs the system chromium package: "
        f"apt-get install -y chromium) or set {CHROMIUM_ENV}=/path/to/chromium"
    )


def find_node() -> Path:
    """Path of node (runs the reference client's JavaScript unit tests)."""
    found = shutil.which("node")
    if not found:
        raise SetupError("node not found: install Node.js 18+ (e.g. `apt-get install nodejs`)")
    return Path(found)


def _run_version(argv: list[str]) -> str:
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=VERSION_TIMEOUT_S, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SetupError(f"`{' '.join(argv)}` failed: {exc}: check that the binary runs on this machine") from exc
    return done.stdout.strip() or done.stderr.strip()


def toxiproxy_version(binary: Path) -> str:
    """Version reported by `toxiproxy-server --version` (`git` for a build from source)."""
    out = _run_version([str(binary), "--version"])
    match = re.search(r"version\s+(\S+)", out)
    return match.group(1) if match else out


def chromium_version(binary: Path) -> str:
    """Version reported by `chromium --version`, e.g. `156.0.8078.108`."""
    out = _run_version([str(binary), "--version"])
    # Debian's wrapper script can print shell noise on stderr; the version is on stdout.
    match = re.search(r"(\d+\.\d+\.\d+\.\d+)", out)
    return match.group(1) if match else out


def node_version(binary: Path) -> str:
    """Version reported by `node --version`, without the leading `v`."""
    return _run_version([str(binary), "--version"]).lstrip("v")


def package_version(name: str) -> str | None:
    """Installed version of a Python distribution, or None if it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def playwright_version() -> str | None:
    """Installed version of the `playwright` Python package, or None."""
    return package_version("playwright")


#: Where `free_port` draws from: below the kernel's ephemeral range, so that a port handed to a
#: server that binds it a moment later cannot meanwhile become a Toxiproxy listener created with
#: port 0 or the local end of an outgoing connection (both take ephemeral ports). With lanes,
#: "bind 0, release, hand out" lost that race (measured: "Address already in use" once in a
#: `-j 2` CI run).
PORT_FLOOR = 20000
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_handed_out: set[int] = set()
_rng = random.Random()  # its own generator: a test that seeds `random` must not make two processes pick alike


def _ephemeral_low() -> int:
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def check_loopback(host: str = "127.0.0.1") -> None:
    """SetupError unless a connection to a listener on `host` works: everything wschaos runs talks
    over loopback (a network namespace with `lo` down has none, and Toxiproxy would only time out)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
            server.bind((host, 0))
            server.listen(1)
            with socket.create_connection(server.getsockname(), timeout=2.0):
                pass
    except OSError as exc:
        raise SetupError(f"the loopback interface does not work (connecting to a listener on {host} failed: "
                         f"{exc.strerror or exc}): wschaos runs the app, Toxiproxy and the browser over loopback; "
                         "bring it up (`ip link set lo up`) or run where it is up") from None


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on `host` now and that this process has not handed out before.

    Drawn at random from [PORT_FLOOR, the ephemeral range's start) where the kernel does not
    assign ports by itself; when that range is too small (a tuned `ip_local_port_range`), falls
    back to binding port 0 (free a moment ago, may race)."""
    low, high = PORT_FLOOR, _ephemeral_low() - 1
    if high - low >= 1000:
        for _ in range(200):
            port = _rng.randint(low, high)
            if port not in _handed_out and _bindable(host, port):
                _handed_out.add(port)
                return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port = int(sock.getsockname()[1])
    _handed_out.add(port)
    return port
