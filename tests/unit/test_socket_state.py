"""Connection state derived from the app socket's lifecycle speaks the probes' words."""

from __future__ import annotations

from harness.analysis import disconnections, state_timeline
from harness.socket_state import SocketState
from tests.unit.journal_builder import JournalBuilder


def test_socket_lifecycle_gives_connecting_connected_reconnecting_disconnected():
    """First attempt: connecting; open: connected; close: reconnecting; page closed: disconnected."""
    j = (JournalBuilder(["b0"]).attempt(1.0, "b0").ws_open(1.2, "b0", "s1").ws_close(5.0, "b0", "s1")
         .attempt(5.5, "b0").attempt(6.5, "b0").ws_open(7.0, "b0", "s3").browser(9.0, "b0", "close")
         .ws_close(9.0, "b0", "s3"))
    assert state_timeline(j.events(), "b0") == [
        (1.0, "connecting"), (1.2, "connected"), (5.0, "reconnecting"), (7.0, "connected"), (9.0, "disconnected")]


def test_refused_attempts_before_the_first_open_stay_connecting():
    """A socket that never opened changes nothing: the page is still connecting."""
    machine = SocketState()
    assert machine.attempt() == "connecting"
    assert machine.closed("sid1") == "connecting"
    assert machine.attempt() == "connecting"
    assert machine.opened("sid2") == "connected"
    assert machine.closed("sid2") == "reconnecting"
    assert machine.attempt() == "reconnecting"


def test_a_second_open_socket_keeps_the_client_connected():
    """Connected while any app socket is open."""
    machine = SocketState()
    machine.opened("a")
    machine.opened("b")
    assert machine.closed("a") == "connected"
    assert machine.closed("b") == "reconnecting"


def test_probe_less_disconnection_is_judged_from_sockets():
    """Without a state probe a drop is a disconnection from close to reopen."""
    j = (JournalBuilder(["b0"]).attempt(1.0, "b0").ws_open(1.0, "b0", "s1").ws_close(4.0, "b0", "s1")
         .attempt(5.0, "b0").ws_open(6.0, "b0", "s2").steps_end(10))
    [window] = disconnections(j.events(), "b0")
    assert (window.start, window.end) == (4.0, 6.0)


def test_a_new_attempt_while_a_socket_is_open_gives_that_socket_up():
    """An app that dials again has given up its open socket (its close may come a minute later)."""
    machine = SocketState()
    machine.attempt()
    machine.opened("s1")
    assert machine.attempt() == "reconnecting"
    assert machine.closed("s1") == "reconnecting"
    assert machine.opened("s2") == "connected"
