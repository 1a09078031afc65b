"""Fixed ports (`ports: [{dev: 5173}]`): an app that cannot be told another port gets its own,
checked free before anything starts, so a collision is a clear error instead of a silent
fight over the port with another program or another run of the same target."""

from __future__ import annotations

import contextlib
import socket

from harness.errors import SetupError
from harness.targets.model import Target


def port_in_use(port: int) -> bool:
    """Whether something is bound to `port` on a loopback address (a TIME_WAIT left by the
    previous run does not count: the app binds with SO_REUSEADDR too)."""
    for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError:
            continue  # no IPv6 here
        with contextlib.closing(sock):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError as exc:
                if exc.errno == 98:  # EADDRINUSE; EADDRNOTAVAIL (no ::1) is not "in use"
                    return True
    return False


def check_fixed_ports(target: Target) -> None:
    """SetupError naming every fixed port of the target that is already in use."""
    busy = [(name, port) for name, port in target.fixed_ports.items() if port_in_use(port)]
    if not busy:
        return
    which = ", ".join(f"{port} ({{port.{name}}})" for name, port in busy)
    raise SetupError(
        f"target {target.name!r} needs fixed port(s) {which}, but something is already listening there "
        f"(another program, or another run of this target: fixed ports allow one run at a time); stop it "
        f"(`ss -ltnp | grep :{busy[0][1]}` shows who), or, if the app can be told its port, list it as a "
        f"name (`- {busy[0][0]}`) so a free port is picked each run")
