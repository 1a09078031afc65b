"""`wschaos install-deps`: what it finds, what it would run, and a build placed with its stamp."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from harness import install_deps
from harness.install_deps import Need, chromium_need, install, toxiproxy_need

BUILD = ("go install -ldflags '-X github.com/Shopify/toxiproxy/v2.Version=2.12.0' "
         "github.com/Shopify/toxiproxy/v2/cmd/server@v2.12.0")


def exe(path: Path, body: str = "#!/bin/sh\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def bare(tmp_path, monkeypatch):
    """A PATH with nothing on it and no overrides."""
    for var in ("WSCHAOS_TOXIPROXY", "WSCHAOS_CHROMIUM"):
        monkeypatch.delenv(var, raising=False)
    path = tmp_path / "path"
    path.mkdir()
    monkeypatch.setenv("PATH", str(path))
    return path


def test_chromium_found(bare):
    """A chromium on PATH is reported, nothing to install."""
    chromium = exe(bare / "chromium")
    assert chromium_need() == Need("Chromium", found=str(chromium))


def test_chromium_as_root_with_apt(bare, monkeypatch):
    """As root with apt-get, Debian's chromium package is what install-deps runs."""
    exe(bare / "apt-get")
    monkeypatch.setattr("os.geteuid", lambda: 0)
    need = chromium_need()
    assert (need.shell(), need.blocked) == (
        "DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium",
        None)


def test_chromium_not_root_prints_sudo(bare, monkeypatch):
    """Not root: nothing is run; the sudo command is printed for the user."""
    exe(bare / "apt-get")
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    out = io.StringIO()
    assert install([chromium_need()], out=out) == 3
    assert out.getvalue() == (
        "Chromium: missing; install it with: sudo apt-get update -qq && sudo apt-get install -y -qq chromium\n"
        "  installing a system package needs root: run `sudo apt-get update -qq && sudo apt-get install -y -qq "
        "chromium`, or set WSCHAOS_CHROMIUM=/path/to/chromium\n")


def test_toxiproxy_without_go(bare, tmp_path):
    """No Go: the build command is printed with what to install first."""
    out = io.StringIO()
    assert install([toxiproxy_need(tmp_path / "tools", "v2.12.0")], out=out) == 3
    assert out.getvalue() == (
        f"toxiproxy-server: missing; install it with: GOBIN={tmp_path}/tools/gobin {BUILD}\n"
        "  Go is not installed: install it (apt-get install -y golang), or set "
        "WSCHAOS_TOXIPROXY=/path/to/toxiproxy-server\n")


def test_toxiproxy_build_is_placed_and_stamped(bare, tmp_path):
    """With Go, the module is built into GOBIN, moved to <tools>/bin with its version stamp; a
    second look finds it and builds nothing."""
    exe(bare / "go", '#!/bin/sh\n/bin/mkdir -p "$GOBIN" && printf "#!/bin/sh\\necho built\\n" > "$GOBIN/server" '
                     '&& /bin/chmod +x "$GOBIN/server"\n')
    tools = tmp_path / "tools"
    out = io.StringIO()
    assert install([toxiproxy_need(tools, "v2.12.0")], out=out) == 0
    assert out.getvalue() == (f"toxiproxy-server: installing: GOBIN={tools}/gobin {BUILD}\n"
                              "toxiproxy-server: installed\n")
    assert (tools / "bin" / ".toxiproxy-build").read_text() == "v2.12.0\n"
    assert (tools / "bin" / "toxiproxy-server").is_file() and not (tools / "gobin").exists()
    assert toxiproxy_need(tools, "v2.12.0").found == f"{tools}/bin/toxiproxy-server (v2.12.0)"
    assert toxiproxy_need(tools, "v2.13.0").found is None  # another pin is built again


def test_failed_build_shows_its_last_lines(bare, tmp_path):
    """A build that fails names the command, its exit code and its last output lines."""
    exe(bare / "go", "#!/bin/sh\necho 'go: module lookup disabled' >&2\nexit 1\n")
    out = io.StringIO()
    assert install([toxiproxy_need(tmp_path / "tools", "v2.12.0")], out=out) == 3
    assert out.getvalue().splitlines()[-2:] == [f"  `{BUILD}` failed (exit 1):", "    go: module lookup disabled"]


def test_toxiproxy_from_env(bare, tmp_path, monkeypatch):
    """$WSCHAOS_TOXIPROXY is used as it is; a path that is not executable is refused."""
    given = exe(tmp_path / "tp")
    monkeypatch.setenv("WSCHAOS_TOXIPROXY", str(given))
    assert toxiproxy_need(tmp_path).found == f"{given} (from WSCHAOS_TOXIPROXY)"
    monkeypatch.setenv("WSCHAOS_TOXIPROXY", str(tmp_path / "nope"))
    assert toxiproxy_need(tmp_path).blocked == f"WSCHAOS_TOXIPROXY={tmp_path}/nope is not an executable file"


def test_dry_run_runs_nothing(bare, tmp_path):
    """--dry-run prints the commands and runs none."""
    exe(bare / "go", "#!/bin/sh\ntouch ran\n")
    out = io.StringIO()
    assert install([toxiproxy_need(tmp_path / "tools", "v2.12.0")], dry_run=True, out=out) == 3
    assert out.getvalue() == f"toxiproxy-server: missing; install it with: GOBIN={tmp_path}/tools/gobin {BUILD}\n"
    assert not Path("ran").exists()


def test_pinned_version_is_the_readme_one():
    """install-deps builds the Toxiproxy version the README and `make setup` name."""
    assert install_deps.TOXIPROXY_VERSION == "v2.12.0"
