"""Finding binaries: env overrides, PATH, the bundled copy, and the messages when missing."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import pytest

from harness import tools
from harness.errors import SetupError


def make_exe(path: Path, body: str = "#!/bin/sh\necho 'toxiproxy-server version v9.9.9'\n") -> Path:
    """Write an executable shell script."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_toxiproxy_env_override(tmp_path, monkeypatch):
    """$WSCHAOS_TOXIPROXY wins over everything else."""
    exe = make_exe(tmp_path / "tp")
    monkeypatch.setenv("WSCHAOS_TOXIPROXY", str(exe))
    assert tools.find_toxiproxy(tmp_path) == exe


def test_toxiproxy_env_pointing_nowhere(tmp_path, monkeypatch):
    """A wrong $WSCHAOS_TOXIPROXY says which variable to fix."""
    monkeypatch.setenv("WSCHAOS_TOXIPROXY", str(tmp_path / "nope"))
    with pytest.raises(SetupError) as info:
        tools.find_toxiproxy(tmp_path)
    assert str(info.value) == (f"toxiproxy-server not found at {tmp_path / 'nope'} (from $WSCHAOS_TOXIPROXY): "
                               "point WSCHAOS_TOXIPROXY at an executable file")


def test_toxiproxy_bundled_fallback(tmp_path, monkeypatch):
    """Without env or PATH, <repo>/.tools/bin/toxiproxy-server is used."""
    monkeypatch.delenv("WSCHAOS_TOXIPROXY", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    exe = make_exe(tmp_path / ".tools" / "bin" / "toxiproxy-server")
    assert tools.find_toxiproxy(tmp_path) == exe


def test_toxiproxy_on_path(tmp_path, monkeypatch):
    """toxiproxy-server on PATH is found before the bundled copy."""
    monkeypatch.delenv("WSCHAOS_TOXIPROXY", raising=False)
    exe = make_exe(tmp_path / "bin" / "toxiproxy-server")
    make_exe(tmp_path / ".tools" / "bin" / "toxiproxy-server")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert tools.find_toxiproxy(tmp_path) == exe


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A folder that looks like a wschaos checkout (it has scripts/bootstrap)."""
    make_exe(tmp_path / "scripts" / "bootstrap", "#!/bin/sh\n")
    return tmp_path


@pytest.fixture
def user_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """WSCHAOS_HOME in tmp_path: the machine's own ~/.local/share/wschaos stays out of the test."""
    home = tmp_path / "wschaos-home"
    monkeypatch.setenv("WSCHAOS_HOME", str(home))
    return home


def test_toxiproxy_missing_message(checkout, user_tools, monkeypatch):
    """A missing toxiproxy-server in a checkout names `make setup` and the variable."""
    monkeypatch.delenv("WSCHAOS_TOXIPROXY", raising=False)
    monkeypatch.setenv("PATH", str(checkout / "empty"))
    with pytest.raises(SetupError) as info:
        tools.find_toxiproxy(checkout)
    assert str(info.value) == "toxiproxy-server not found: run `make setup` or set WSCHAOS_TOXIPROXY=/path"


def test_toxiproxy_missing_message_installed(tmp_path, user_tools, monkeypatch):
    """An installed wschaos (no checkout) names install-deps, spelled the way wschaos can be called."""
    monkeypatch.delenv("WSCHAOS_TOXIPROXY", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr("harness.invocation.prefix", lambda argv0=None: "wschaos")
    with pytest.raises(SetupError) as info:
        tools.find_toxiproxy(tmp_path)
    assert str(info.value) == "toxiproxy-server not found: run `wschaos install-deps` or set WSCHAOS_TOXIPROXY=/path"


def test_toxiproxy_in_user_tools(tmp_path, user_tools, monkeypatch):
    """Outside a checkout, the build `install-deps` left in the user's tools folder is found."""
    monkeypatch.delenv("WSCHAOS_TOXIPROXY", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    exe = make_exe(user_tools / "bin" / "toxiproxy-server")
    assert tools.find_toxiproxy(tmp_path) == exe


def test_user_tools_dir_follows_xdg(tmp_path, monkeypatch):
    """Without WSCHAOS_HOME the user's tools live under $XDG_DATA_HOME/wschaos."""
    monkeypatch.delenv("WSCHAOS_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert tools.user_tools_dir() == tmp_path / "data" / "wschaos"
    assert tools.tools_dir(tmp_path) == tmp_path / "data" / "wschaos"


def test_chromium_env_and_path(tmp_path, monkeypatch):
    """$WSCHAOS_CHROMIUM wins; otherwise chromium-browser on PATH is found."""
    exe = make_exe(tmp_path / "bin" / "chromium-browser")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.delenv("WSCHAOS_CHROMIUM", raising=False)
    assert tools.find_chromium() == exe
    other = make_exe(tmp_path / "custom-chrome")
    monkeypatch.setenv("WSCHAOS_CHROMIUM", str(other))
    assert tools.find_chromium() == other


def test_chromium_missing_message(checkout, monkeypatch):
    """A missing Chromium names both fixes and the package."""
    monkeypatch.delenv("WSCHAOS_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(checkout / "empty"))
    with pytest.raises(SetupError) as info:
        tools.find_chromium(checkout)
    assert str(info.value) == ("Chromium not found: run `make setup` (installs the system chromium package: "
                               "apt-get install -y chromium) or set WSCHAOS_CHROMIUM=/path/to/chromium")


def test_node_missing_message(tmp_path, monkeypatch):
    """A missing node says how to install it."""
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SetupError, match=r"^node not found: install Node.js 18\+ \(e.g. `apt-get install nodejs`\)$"):
        tools.find_node()


def test_version_parsing(tmp_path):
    """Versions are cut out of the tools' --version output."""
    tp = make_exe(tmp_path / "tp", "#!/bin/sh\necho 'toxiproxy-server version v2.12.0'\n")
    chrome = make_exe(tmp_path / "ch", "#!/bin/sh\necho 'noise' >&2\necho 'Chromium 156.0.8078.108 built on Debian'\n")
    node = make_exe(tmp_path / "node", "#!/bin/sh\necho v20.1.0\n")
    assert tools.toxiproxy_version(tp) == "v2.12.0"
    assert tools.chromium_version(chrome) == "156.0.8078.108"
    assert tools.node_version(node) == "20.1.0"


def test_version_of_broken_binary(tmp_path):
    """A binary that cannot run is a SetupError that says to check it."""
    broken = tmp_path / "broken"
    broken.write_text("not a program")
    broken.chmod(0o755)
    with pytest.raises(SetupError, match="failed: .*: check that the binary runs on this machine$"):
        tools.toxiproxy_version(broken)


def test_package_versions():
    """Installed packages report a version; unknown ones None."""
    assert tools.playwright_version()
    assert tools.package_version("wschaos-no-such-package") is None


def test_free_port_is_bindable():
    """free_port returns a loopback port that can be bound."""
    port = tools.free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
    assert 0 < port < 65536


def test_free_port_stays_out_of_the_ephemeral_range_and_never_repeats():
    """Ports come from below the kernel's ephemeral range (where Toxiproxy's port-0 listeners
    and outgoing connections take theirs), and one process never hands the same port out twice."""
    low = tools._ephemeral_low()
    ports = [tools.free_port() for _ in range(300)]
    assert len(set(ports)) == 300
    assert all(tools.PORT_FLOOR <= p < low for p in ports)


def test_free_port_skips_a_port_in_use(monkeypatch):
    """A candidate somebody holds is passed over (the next candidates are drawn as usual: any
    fixed second pick could itself be busy on a machine running other tests)."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        busy = held.getsockname()[1]
        held.listen()
        first, draw = iter([busy]), tools._rng.randint
        monkeypatch.setattr(tools, "PORT_FLOOR", 1024)
        monkeypatch.setattr(tools, "_ephemeral_low", lambda: 65000)
        monkeypatch.setattr(tools, "_handed_out", set())
        monkeypatch.setattr(tools._rng, "randint", lambda lo, hi: next(first, None) or draw(lo, hi))
        port = tools.free_port()
    assert port != busy


def test_free_port_falls_back_to_port_zero_when_the_range_is_too_small(monkeypatch):
    """An `ip_local_port_range` starting low leaves no room below it: the kernel picks."""
    monkeypatch.setattr(tools, "_ephemeral_low", lambda: tools.PORT_FLOOR + 10)
    port = tools.free_port()
    assert 0 < port < 65536 and not (tools.PORT_FLOOR <= port < tools.PORT_FLOOR + 10)
