"""Where a run's shared engines live: its own (the default) or ones already running elsewhere.

    --browser-server ws://host:3000/   (repeatable)   $WSCHAOS_BROWSER_SERVERS (space or comma separated)
    --browser-executable /usr/bin/chromium            $WSCHAOS_BROWSER_EXECUTABLE
    --toxiproxy http://host:8474                      $WSCHAOS_TOXIPROXY_URL
    --dial-host 10.0.0.5                              $WSCHAOS_DIAL_HOST

An option given on the command line wins over its environment variable. `Infra` is pure and
frozen: `harness.shared.open_shared` reads it to connect to Playwright browser servers instead of
launching Chromium and to use an existing toxiproxy-server instead of starting one; `harness.stack`
reads `dial_host` (through `toward`) to tell the other hosts where this one's app and proxies are. Every value is
checked here, before anything starts (exit 2 with what to write instead).
"""

from __future__ import annotations

import argparse
import os
import urllib.parse
from dataclasses import dataclass
from typing import Mapping

from harness.errors import InvalidInput
from harness.scenario.yamlpos import Problem

BROWSER_SERVERS_ENV = "WSCHAOS_BROWSER_SERVERS"
BROWSER_EXECUTABLE_ENV = "WSCHAOS_BROWSER_EXECUTABLE"
TOXIPROXY_URL_ENV = "WSCHAOS_TOXIPROXY_URL"
DIAL_HOST_ENV = "WSCHAOS_DIAL_HOST"


@dataclass(frozen=True)
class Infra:
    """The engines a run uses: empty means its own toxiproxy-server and one launched Chromium."""

    browser_servers: tuple[str, ...] = ()   # Playwright browser servers (`playwright run-server`)
    browser_executable: str | None = None   # the Chromium path on the browser hosts (sent as executablePath)
    toxiproxy_url: str | None = None        # an existing toxiproxy-server's API
    dial_host: str | None = None            # how the other hosts reach this one (None: all on loopback)

    @property
    def remote_browsers(self) -> bool:
        """Pages open on browser servers, not on a Chromium this run launches."""
        return bool(self.browser_servers)

    def argv(self) -> list[str]:
        """The options that give this `Infra` again (for rerun commands)."""
        out: list[str] = []
        for url in self.browser_servers:
            out += ["--browser-server", url]
        for flag, value in (("--browser-executable", self.browser_executable), ("--toxiproxy", self.toxiproxy_url),
                            ("--dial-host", self.dial_host)):
            if value:
                out += [flag, value]
        return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `run` (and `soak`) that point wschaos at engines running elsewhere."""
    group = parser.add_argument_group("engines elsewhere (docs/distributed.md)")
    group.add_argument("--browser-server", action="append", default=None, metavar="WS_URL",
                       help="open the pages on this Playwright browser server (`playwright run-server`, "
                            "`wschaos browser-server`) instead of launching Chromium; repeat it to spread the "
                            f"pages over several (default: ${BROWSER_SERVERS_ENV})")
    group.add_argument("--browser-executable", metavar="PATH",
                       help="the Chromium the browser servers launch, a path on their hosts (needs a server "
                            f"started with --unsafe; default: ${BROWSER_EXECUTABLE_ENV}, else their own browser)")
    group.add_argument("--toxiproxy", metavar="URL",
                       help="use this running toxiproxy-server (its API, e.g. http://host:8474) instead of starting "
                            f"one: only proxies named after this run are created and removed (default: ${TOXIPROXY_URL_ENV})")
    group.add_argument("--dial-host", metavar="HOST",
                       help="the name or address of this machine as the browser and Toxiproxy hosts reach it: "
                            "page URLs and proxy upstreams use it instead of 127.0.0.1 "
                            f"(default: ${DIAL_HOST_ENV}, else loopback)")


def from_args(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Infra:
    """The `Infra` the options and the environment ask for; InvalidInput lists every bad value."""
    env = os.environ if environ is None else environ
    servers = args.browser_server if args.browser_server else _split(env.get(BROWSER_SERVERS_ENV, ""))
    infra = Infra(
        browser_servers=tuple(servers),
        browser_executable=args.browser_executable or env.get(BROWSER_EXECUTABLE_ENV) or None,
        toxiproxy_url=(args.toxiproxy or env.get(TOXIPROXY_URL_ENV) or None),
        dial_host=args.dial_host or env.get(DIAL_HOST_ENV) or None,
    )
    problems = problems_of(infra)
    if problems:
        raise InvalidInput(problems)
    return infra


def from_env(environ: Mapping[str, str] | None = None) -> Infra:
    """The `Infra` the environment variables alone ask for (front doors without the options:
    `pytest scenarios/`)."""
    blank = argparse.Namespace(browser_server=None, browser_executable=None, toxiproxy=None, dial_host=None)
    return from_args(blank, environ)


def _split(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").split() if part]


def problems_of(infra: Infra) -> list[Problem]:
    """Every value that cannot work, with the spelling that would."""
    problems = []
    for url in infra.browser_servers:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("ws", "wss") or not parts.hostname or parts.port is None:
            problems.append(Problem("--browser-server", 0, 0, "", f"expected a WebSocket URL with a port like "
                                    f"ws://127.0.0.1:3000/ (what `playwright run-server` listens on), got {url!r}"))
    if len(set(infra.browser_servers)) != len(infra.browser_servers):
        problems.append(Problem("--browser-server", 0, 0, "", "the same browser server is given twice: "
                                "give each server once (each runs its own browser)"))
    if infra.toxiproxy_url is not None:
        parts = urllib.parse.urlsplit(infra.toxiproxy_url)
        if parts.scheme != "http" or not parts.hostname or parts.port is None or parts.path not in ("", "/"):
            problems.append(Problem("--toxiproxy", 0, 0, "", "expected the API address of a toxiproxy-server like "
                                    f"http://127.0.0.1:8474, got {infra.toxiproxy_url!r}"))
    if infra.browser_executable and not infra.browser_servers:
        problems.append(Problem("--browser-executable", 0, 0, "", "names the Chromium of browser servers, but no "
                                "--browser-server is given (a launched Chromium is found by $WSCHAOS_CHROMIUM)"))
    if infra.dial_host is not None and (not infra.dial_host.strip() or any(c in infra.dial_host for c in "/: ")):
        problems.append(Problem("--dial-host", 0, 0, "", f"expected a host name or an IPv4 address like 10.0.0.5, "
                                f"got {infra.dial_host!r}"))
    return problems


def toxiproxy_api(url: str) -> tuple[str, int]:
    """(host, port) of a checked `--toxiproxy` URL."""
    parts = urllib.parse.urlsplit(url)
    assert parts.hostname is not None and parts.port is not None  # problems_of refused anything else
    return parts.hostname, parts.port


def find_tools(infra: Infra) -> None:
    """SetupError for a program the run must start itself and cannot find (engines elsewhere need
    none); SetupError if loopback does not work."""
    from harness import tools

    if not infra.toxiproxy_url:
        tools.find_toxiproxy()
    if not infra.remote_browsers:
        tools.find_chromium()
    tools.check_loopback()


LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def toward(address: str, dial_host: str | None) -> str:
    """`address` (a URL or `host:port`) as another host reaches it: a loopback host replaced by
    `dial_host` (unchanged without one, or when it names another host already)."""
    if not dial_host:
        return address
    if "://" in address:
        parts = urllib.parse.urlsplit(address)
        if parts.hostname in LOOPBACK_NAMES:
            netloc = dial_host + (f":{parts.port}" if parts.port is not None else "")
            return urllib.parse.urlunsplit(parts._replace(netloc=netloc))
        return address
    host, sep, port = address.rpartition(":")
    return f"{dial_host}:{port}" if sep and host in LOOPBACK_NAMES else address
