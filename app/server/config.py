"""Server configuration: command-line flags, each with an environment fallback.

Every timer is stored at its real-world default and multiplied by ``time_scale`` through
the ``*_s`` properties, so "idle for 5 minutes" can take 3 seconds in a test.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .bugs import parse_bugs

IDLE_TIMEOUT_S = 300.0
SWEEP_INTERVAL_S = 60.0
SHUTDOWN_GRACE_S = 2.0
RECONNECT_AFTER_S = 1.0
SEND_TIMEOUT_S = 10.0
# Hostile-input guard, not a timer: a fixed 1 s window so that a small time scale
# does not make it more lenient or stricter.
FLOOD_LIMIT_PER_S = 200


@dataclass(frozen=True)
class ServerConfig:
    """Fully resolved settings of one server process."""

    host: str = "127.0.0.1"
    port: int = 8765
    db: str = "kanban-ledger.sqlite3"
    time_scale: float = 1.0
    bugs: frozenset[str] = frozenset()
    workflow_step_ms: float = 500.0
    rate_limit: int = 10
    rate_window_s: float = 10.0
    max_message_bytes: int = 65536
    flood_limit_per_s: int = FLOOD_LIMIT_PER_S

    def has_bug(self, name: str) -> bool:
        return name in self.bugs

    def scaled(self, seconds: float) -> float:
        return seconds * self.time_scale

    @property
    def idle_timeout_s(self) -> float:
        return self.scaled(IDLE_TIMEOUT_S)

    @property
    def sweep_interval_s(self) -> float:
        return self.scaled(SWEEP_INTERVAL_S)

    @property
    def shutdown_grace_s(self) -> float:
        return self.scaled(SHUTDOWN_GRACE_S)

    @property
    def reconnect_after_ms(self) -> int:
        return round(self.scaled(RECONNECT_AFTER_S) * 1000)

    @property
    def send_timeout_s(self) -> float:
        # A floor keeps a tiny time scale from killing merely slow clients.
        return max(0.5, self.scaled(SEND_TIMEOUT_S))

    @property
    def workflow_step_s(self) -> float:
        return self.scaled(self.workflow_step_ms / 1000.0)

    @property
    def scaled_rate_window_s(self) -> float:
        return self.scaled(self.rate_window_s)


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


# (flag, env, type, help); defaults come from ServerConfig.
_OPTIONS = (
    ("--host", "KANBAN_HOST", str, "bind address"),
    ("--port", "KANBAN_PORT", _non_negative_int, "port; 0 picks a free one"),
    ("--db", "KANBAN_DB", str, "SQLite ledger file (survives restarts)"),
    ("--time-scale", "KANBAN_TIME_SCALE", _positive_float, "multiplies every server timer"),
    ("--bugs", "KANBAN_BUGS", str, "comma-separated seeded server bugs, or 'legacy'"),
    ("--workflow-step-ms", "KANBAN_WORKFLOW_STEP_MS", _positive_float, "one workflow stage (scaled)"),
    ("--rate-limit", "KANBAN_RATE_LIMIT", _non_negative_int, "workflow triggers per connection per window"),
    ("--rate-window-s", "KANBAN_RATE_WINDOW_S", _positive_float, "rate-limit window (scaled)"),
    ("--max-message-bytes", "KANBAN_MAX_MESSAGE_BYTES", _non_negative_int, "larger frames: close 1009"),
)


def build_parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app.server",
        description="Reference Kanban WebSocket server (see docs/reference-app.md).",
    )
    defaults = ServerConfig()
    for flag, env, kind, text in _OPTIONS:
        dest = flag[2:].replace("-", "_")
        default = getattr(defaults, dest)
        if dest == "bugs":
            default = ""
        if env in environ:
            default = environ[env]
        parser.add_argument(flag, dest=dest, type=kind, default=default, help=f"{text} (env {env})")
    return parser


def parse_config(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> ServerConfig:
    """Resolve flags over environment over defaults; raises UnknownBugError on a bad bug."""
    environ = os.environ if environ is None else environ
    args = build_parser(environ).parse_args(list(argv))
    values = vars(args)
    # argparse applies `type` to string defaults too, so env values are validated alike.
    values["bugs"] = parse_bugs(values["bugs"])
    return ServerConfig(**values)
