"""wschaos doctor: findings and their rendering."""

from __future__ import annotations

import sys

from harness import doctor
from harness.doctor import Finding, format_findings


def test_format_findings_all_ok():
    """Every line shows status, name, version and path; a clean run ends with `all good`."""
    text = format_findings([Finding("python", True, "3.11.7", "/usr/bin/python3"), Finding("node", True, "20.1.0")])
    assert text == ("ok    python  3.11.7  /usr/bin/python3\n"
                    "ok    node    20.1.0\n"
                    "all good")


def test_format_findings_with_fix():
    """A failing finding is marked FAIL with its fix on the next line, and counted."""
    text = format_findings([Finding("toxiproxy-server", False,
                                    fix="toxiproxy-server not found: run `make setup` or set WSCHAOS_TOXIPROXY=/path")])
    assert text == ("FAIL  toxiproxy-server\n"
                    "      -> toxiproxy-server not found: run `make setup` or set WSCHAOS_TOXIPROXY=/path\n"
                    "1 problem(s) found")


def test_diagnose_reports_missing_toxiproxy(tmp_path, monkeypatch):
    """diagnose() turns a missing binary into a failing finding with the fix, not an exception."""
    monkeypatch.delenv("WSCHAOS_TOXIPROXY", raising=False)
    monkeypatch.setenv("WSCHAOS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PATH", str(tmp_path))
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "bootstrap").write_text("")
    findings = {f.name: f for f in doctor.diagnose(root=tmp_path)}
    tp = findings["toxiproxy-server"]
    assert (tp.ok, tp.fix) == (False, "toxiproxy-server not found: run `make setup` or set WSCHAOS_TOXIPROXY=/path")
    assert findings["python"].ok and findings["python"].path == sys.executable


def test_diagnose_installed_names_install_deps(tmp_path, monkeypatch):
    """Outside a checkout, a missing Chromium or toxiproxy-server names `install-deps` (and the
    apt package); node and the reference app, which only a checkout needs, are not checked."""
    monkeypatch.delenv("WSCHAOS_TOXIPROXY", raising=False)
    monkeypatch.delenv("WSCHAOS_CHROMIUM", raising=False)
    monkeypatch.setenv("WSCHAOS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("harness.invocation.prefix", lambda argv0=None: ".venv/bin/wschaos")
    findings = {f.name: f for f in doctor.diagnose(root=tmp_path)}
    assert list(findings) == ["python", "playwright", "websockets", "toxiproxy-python", "chromium", "toxiproxy-server"]
    assert findings["chromium"].fix == ("Chromium not found: run `.venv/bin/wschaos install-deps` (installs the "
                                        "system chromium package: apt-get install -y chromium) or set "
                                        "WSCHAOS_CHROMIUM=/path/to/chromium")
    assert findings["toxiproxy-server"].fix == ("toxiproxy-server not found: run `.venv/bin/wschaos install-deps` "
                                                "or set WSCHAOS_TOXIPROXY=/path")


def test_diagnose_names(tmp_path):
    """diagnose() covers every component of a checkout, and the launch check only when asked."""
    names = [f.name for f in doctor.diagnose(root=tmp_path, checkout=True)]
    assert names == ["python", "playwright", "websockets", "toxiproxy-python", "chromium",
                     "toxiproxy-server", "node", "reference app"]


def test_reference_app_missing(tmp_path):
    """A checkout without the reference app fails with the files that are missing."""
    (tmp_path / "app" / "server").mkdir(parents=True)
    (tmp_path / "app" / "server" / "__main__.py").write_text("")
    finding = next(f for f in doctor.diagnose(root=tmp_path, checkout=True) if f.name == "reference app")
    assert not finding.ok
    assert finding.fix == ("reference app incomplete (app/client/__main__.py missing): "
                           "it ships with wschaos, check your checkout")


def test_reference_app_present():
    """This checkout's reference app is found and importable."""
    finding = next(f for f in doctor.diagnose() if f.name == "reference app")
    assert finding.ok, finding.fix


def test_launch_check_failure_is_a_finding(monkeypatch, tmp_path):
    """A Chromium that cannot launch is reported as a failing finding."""
    bogus = tmp_path / "chromium"
    bogus.write_text("#!/bin/sh\nexit 1\n")
    bogus.chmod(0o755)
    monkeypatch.setenv("WSCHAOS_CHROMIUM", str(bogus))
    finding = doctor._playwright_launch()
    assert not finding.ok and finding.name == "playwright launch"
    assert finding.fix.startswith(f"Chromium at {bogus} did not launch: ")
