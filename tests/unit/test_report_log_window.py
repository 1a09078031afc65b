"""The report's server log panel is the log around the failure markers, with the markers among the lines."""

from __future__ import annotations

from harness.checks.base import RunView
from harness.checks.dead_link import DeadLinkDetected
from harness.report.extract import log_excerpt, log_window
from harness.units import Duration
from tests.unit.journal_builder import JournalBuilder

STARTUP = ["INFO:     Started server process [4101]", "INFO:     Application startup complete.",
           "INFO:     127.0.0.1:40286 - \"WebSocket /ws\" [accepted]"]


def logged(j: JournalBuilder, t: float, line: str) -> JournalBuilder:
    return j.add(t, "proc.log", name="server", stream="stderr", line=line)


def server_started(j: JournalBuilder) -> JournalBuilder:
    for i, line in enumerate(STARTUP):
        logged(j, 0.5 + i * 0.1, line)
    return j


def lines_of(rows: list) -> list[str]:
    return [r["line"] if "line" in r else f"<marker {r['marker']}>" if "marker" in r else f"<{r['skipped']} left out>"
            for r in rows]


def test_a_dead_link_noticed_late_shows_the_server_line_logged_at_the_detection():
    """The issue's case: blackhole at t=5.6s, noticed at t=43.7s when the server dropped the client: the
    marker is t=43.7s and the panel holds the server's line of that moment, not the start-up lines."""
    j = server_started(JournalBuilder(["b0"])).attempt(1.0, "b0").ws_open(1.0, "b0", "s1")
    j.fault(5.6, ["b0"], "blackhole", revert_at=60.0)
    logged(j, 43.7, "Client disconnected (id b0). Duration: 40.0s").ws_close(43.7, "b0", "s1")
    events = j.steps_end(61.0).events()
    result = DeadLinkDetected(within=Duration(10.0)).judge(RunView(events))
    assert result.at == [43.7]
    window = log_window(events, [(t, "dead_link") for t in result.at])
    assert lines_of(window.rows) == [f"<{len(STARTUP)} left out>", "<marker dead_link>",
                                     "Client disconnected (id b0). Duration: 40.0s"]
    assert window.caption == ("server log around the failure markers (t=43.7s dead_link): every line within "
                              "±5 s of a marker, and at least the 3 lines before and after each (up to 30 s away)")


def test_a_line_logged_seconds_before_the_marker_is_shown_when_the_server_was_quiet_since():
    """The reference server logs closing an idle connection; the client's socket closes 10 s later
    (the close handshake times out on the dead link): the nearest lines before the marker are shown."""
    j = server_started(JournalBuilder(["p0"]))
    logged(j, 7.7, "INFO kanban.connections: closing idle connection c-82 after 7.2s")
    logged(j, 30.5, "INFO:     127.0.0.1:54144 - \"GET /health HTTP/1.1\" 200 OK")
    rows = log_window(j.events(), [(17.7, "dead_link")]).rows
    assert lines_of(rows) == ["<1 left out>", *STARTUP[1:], "INFO kanban.connections: closing idle connection c-82 after 7.2s",
                              "<marker dead_link>", "INFO:     127.0.0.1:54144 - \"GET /health HTTP/1.1\" 200 OK"]


def test_a_marker_far_from_every_line_says_so_and_shows_the_tail():
    """No line within 30 s of the marker: the caption says so; the last lines stand in."""
    j = logged(server_started(JournalBuilder()), 100.0, "INFO:     Shutting down")
    window = log_window(j.events(), [(50.0, "heartbeat")])
    assert window.caption == ("no server line within 30 s of the failure markers (t=50.0s heartbeat); "
                              "its last 4 lines")
    assert lines_of(window.rows) == [*STARTUP, "INFO:     Shutting down"]


def test_no_marker_shows_the_last_lines():
    """No marker (nothing failed, or a failure with no moment of its own): the last lines, and the caption says why."""
    window = log_window(server_started(JournalBuilder()).events(), [])
    assert window.caption == "server log, its last 3 lines (no failure marker)"
    assert lines_of(window.rows) == STARTUP


def test_a_chatty_server_is_cut_to_the_lines_nearest_the_marker():
    """Of 2000 lines (one each 10 ms), ±5 s of a marker is 1001 lines: the 200 nearest are kept, centred."""
    j = JournalBuilder()
    for i in range(2000):
        logged(j, i * 0.01, f"line {i}")
    rows = log_window(j.events(), [(10.0, "frames_seen")]).rows
    assert lines_of(rows)[:2] == ["<900 left out>", "line 900"]
    assert lines_of(rows)[-2:] == ["line 1099", "<900 left out>"]
    assert lines_of(rows)[100:103] == ["line 999", "<marker frames_seen>", "line 1000"]


def test_the_excerpt_takes_every_line_within_five_seconds_and_three_on_each_side():
    """The three nearest on each side are kept however far (within 30 s), beside every line within 5 s."""
    j = JournalBuilder()
    for t in (1.0, 2.0, 3.0, 4.0, 19.0, 21.0, 36.0, 37.0, 38.0, 39.0):
        logged(j, t, f"at {t:g}")
    assert [e["line"] for e in log_excerpt(j.events(), [20.0])] == [
        "at 3", "at 4", "at 19", "at 21", "at 36", "at 37"]


def test_two_clients_marked_at_the_same_moment_are_one_marker():
    """p0 and p1 noticed 0.5 ms apart: one dead_link marker in the caption and among the lines."""
    j = logged(server_started(JournalBuilder()), 7.7, "closing idle connection")
    window = log_window(j.events(), [(17.598, "dead_link"), (17.5985, "dead_link"), (17.598, "reconnected")])
    assert window.caption.startswith("server log around the failure markers (t=17.6s dead_link, "
                                     "t=17.6s reconnected): ")
    assert lines_of(window.rows).count("<marker dead_link>") == 1
