"""`harness.infra`: where the engines are, from options and the environment, refused in words."""

from __future__ import annotations

import argparse

import pytest

from harness.errors import InvalidInput
from harness.infra import Infra, add_arguments, from_args, toward
from harness.plan import RunOptions, rerun_command


def parse(*argv: str, env: dict[str, str] | None = None) -> Infra:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return from_args(parser.parse_args(list(argv)), env or {})


def test_options_win_over_the_environment():
    """A command-line option replaces its environment variable; the variables fill in the rest."""
    env = {"WSCHAOS_BROWSER_SERVERS": "ws://a:1/, ws://b:2/", "WSCHAOS_TOXIPROXY_URL": "http://t:8474",
           "WSCHAOS_DIAL_HOST": "10.0.0.5"}
    assert parse(env=env) == Infra(("ws://a:1/", "ws://b:2/"), None, "http://t:8474", "10.0.0.5")
    assert parse("--browser-server", "ws://c:3/", "--toxiproxy", "http://u:9", env=env) == \
        Infra(("ws://c:3/",), None, "http://u:9", "10.0.0.5")


def test_every_bad_value_is_refused_at_once():
    """Bad URLs, a repeated server, an executable without a server and a bad host: one problem each."""
    with pytest.raises(InvalidInput) as caught:
        parse("--browser-server", "http://a:1/", "--toxiproxy", "127.0.0.1:8474", "--dial-host", "a b")
    assert [str(p) for p in caught.value.problems] == [
        "--browser-server: expected a WebSocket URL with a port like ws://127.0.0.1:3000/ (what `playwright "
        "run-server` listens on), got 'http://a:1/'",
        "--toxiproxy: expected the API address of a toxiproxy-server like http://127.0.0.1:8474, got '127.0.0.1:8474'",
        "--dial-host: expected a host name or an IPv4 address like 10.0.0.5, got 'a b'"]
    with pytest.raises(InvalidInput) as caught:
        parse("--browser-server", "ws://a:1/", "--browser-server", "ws://a:1/")
    assert "the same browser server is given twice" in str(caught.value)
    with pytest.raises(InvalidInput) as caught:
        parse("--browser-executable", "/usr/bin/chromium")
    assert "no --browser-server is given" in str(caught.value)


def test_toward_replaces_only_loopback_hosts():
    """Page URLs and upstreams on loopback point at the dial host; other hosts and no dial host stay."""
    assert toward("http://127.0.0.1:8080/?ws=x", "10.0.0.5") == "http://10.0.0.5:8080/?ws=x"
    assert toward("localhost:9000", "app.lan") == "app.lan:9000"
    assert toward("http://db.lan:80/", "10.0.0.5") == "http://db.lan:80/"
    assert toward("127.0.0.1:9000", None) == "127.0.0.1:9000"


def test_the_rerun_command_keeps_the_engines():
    """The printed rerun command runs the scenario on the same engines."""
    from harness.scenario.model import Scenario

    options = RunOptions(infra=Infra(("ws://a:1/",), "/usr/bin/chromium", "http://t:8474"))
    sc = Scenario(name="x", file="s.yaml")  # type: ignore[call-arg]
    assert rerun_command(sc, options, 3).endswith(
        "--seed 3 --browser-server ws://a:1/ --browser-executable /usr/bin/chromium --toxiproxy http://t:8474")


def test_the_environment_alone_gives_the_engines_to_front_doors_without_options():
    """`pytest scenarios/` has no such options: the environment variables alone say where the engines are."""
    from harness.infra import from_env

    assert from_env({"WSCHAOS_BROWSER_SERVERS": "ws://a:1/"}) == Infra(("ws://a:1/",))
    assert from_env({}) == Infra()
