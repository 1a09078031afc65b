"""Timeline and metric figures: inline SVG that copes with odd journals."""

from __future__ import annotations

import re
from pathlib import Path

from harness.journal import read_journal
from harness.report.charts import reconnect_svg, trend_svg
from harness.report.plots import timeline_svg

FIXTURES = Path(__file__).parents[1] / "fixtures" / "journals"


def test_svg_is_inline_and_scales_to_its_container():
    """The SVG has no XML prolog and no fixed size, only a viewBox."""
    svg = timeline_svg(read_journal(FIXTURES / "passing.jsonl"), [], [], "t1")
    assert svg.startswith("<svg") and 'viewBox="' in svg
    head = svg[:svg.index(">")]
    assert ' width="' not in head and ' height="' not in head


def test_many_clients_are_capped_and_said_so():
    """More than 12 client lanes are not drawn; the figure says how many were left out."""
    events = [{"t": 0.0, "kind": "run.start", "clients": [
        {"name": f"p{i}", "kind": "protocol"} for i in range(20)]}]
    events += [{"t": 1.0, "kind": "ws.open", "client": f"p{i}", "socket": 1} for i in range(20)]
    svg = timeline_svg(events, [], [], "t2")
    assert "8 more clients not drawn" in svg and "p11 (protocol)" in svg and "p12 (protocol)" not in svg


def test_unreverted_fault_and_unfinished_outage_reach_the_end():
    """A fault never reverted and a server never restarted are drawn up to the last event."""
    events = [{"t": 0.0, "kind": "run.start", "clients": []},
              {"t": 0.5, "kind": "proc.start", "name": "server", "pid": 1},
              {"t": 2.0, "kind": "fault.apply", "fault_id": "f1", "fault": "down", "clients": ["all"], "params": {}},
              {"t": 3.0, "kind": "proc.stop", "name": "server", "pid": 1, "how": "kill"},
              {"t": 9.0, "kind": "run.end", "outcome": "interrupted"}]
    svg = timeline_svg(events, [], [(3.0, "reconnected")], "t3")
    assert "down → all" in svg and "server down" in svg and "✗ reconnected" in svg


def test_small_charts_are_skipped_without_data():
    """No reconnects, no runs: no figure rather than an empty one."""
    events = [{"t": 0.0, "kind": "run.start", "clients": [{"name": "b0", "kind": "browser"}]}]
    assert reconnect_svg(events, "a") is None
    assert trend_svg([]) is None


def test_every_meaning_has_its_own_colour_and_a_custom_state_gets_one_too():
    """Client, server and health colours never repeat; `dead` gets an unused colour and a legend entry."""
    from harness.report.plots import HEALTH_COLORS, SERVER_COLORS, STATE_COLORS, Palette

    known = [*STATE_COLORS.values(), *SERVER_COLORS.values(), *HEALTH_COLORS.values()]
    assert len(set(known)) == len(known)
    palette = Palette()
    for kind, value in (("client", "connected"), ("client", "dead"), ("server", "up"), ("health", "WEIRD")):
        palette.color(kind, value)
    entries = {key: (color, label) for key, color, label in palette.entries()}
    assert entries["client:dead"][1] == "client dead" and entries["client:dead"][0] not in known
    assert entries["health:WEIRD"][0] not in {*known, entries["client:dead"][0]}


def test_attempts_are_ticked_and_failure_markers_carry_their_time():
    """ws.attempt events become a tagged tick series; a failure marker says its time and check."""
    events = [{"t": 0.0, "kind": "run.start", "clients": [{"name": "b0", "kind": "browser"}]},
              {"t": 1.0, "kind": "ws.attempt", "client": "b0"}, {"t": 1.5, "kind": "ws.attempt", "client": "b0"},
              {"t": 9.0, "kind": "run.end", "outcome": "failed"}]
    svg = timeline_svg(events, [], [(4.25, "backoff"), (4.25, "backoff")], "t4")
    assert 'data-key="marker:attempt" data-lane="b0" data-times="1.000 1.500"' in svg
    assert svg.count('class="failure-marker"') == 1 and 'data-t="4.250" data-check="backoff"' in svg
    assert 'class="legend-entry" data-key="marker:attempt"' in svg


def test_latency_of_many_clients_draws_eight_colours_and_one_grey_series():
    """Beyond eight clients the latency panel draws the rest as one series, named with its count
    (a legend entry per client made a 500-client report take seconds)."""
    n = 20
    events = [{"t": 0.0, "kind": "run.start", "clients": [{"name": f"p{i:02}", "kind": "protocol"} for i in range(n)]}]
    for i in range(n):
        events += [{"t": 1.0, "kind": "ws.frame", "client": f"p{i:02}", "socket": "s1", "dir": "sent",
                    "type": "ping", "id": f"x{i}", "data": {}},
                   {"t": 1.0 + 0.01 * (i + 1), "kind": "ws.frame", "client": f"p{i:02}", "socket": "s1",
                    "dir": "received", "type": "pong", "id": f"x{i}", "data": {}}]
    events.append({"t": 2.0, "kind": "run.teardown"})
    svg = timeline_svg(events, [], [], "t9")
    legend = [name for name in re.findall(r">([^<>]+)<", svg) if re.fullmatch(r"p\d\d|\d+ more clients", name)]
    assert legend == [f"p{i:02}" for i in range(8)] + ["12 more clients"]


def test_a_long_latency_series_is_drawn_as_a_band_per_time_bin():
    """A series of more samples than MAX_DOTS is a median line in a min..max band: ten thousand
    dots took a second of the report and were unreadable."""
    events = [{"t": 0.0, "kind": "run.start", "clients": [{"name": "p0", "kind": "protocol"}]}]
    for i in range(1000):
        events += [{"t": i * 0.01, "kind": "ws.frame", "client": "p0", "socket": "s1", "dir": "sent",
                    "type": "ping", "id": i, "data": {}},
                   {"t": i * 0.01 + 0.002, "kind": "ws.frame", "client": "p0", "socket": "s1",
                    "dir": "received", "type": "pong", "id": i, "data": {}}]
    events.append({"t": 10.0, "kind": "run.teardown"})
    svg = timeline_svg(events, [], [], "t10")
    assert "p0 (median, min..max per bin)" in svg
    assert svg.count("<use ") < 200  # markers: the lanes' few, not a thousand latency dots


def test_many_failures_of_one_check_are_one_label_with_their_count():
    """29 lost messages: 29 marker lines but one label, `✗ delivered_exactly_once ×29 (t=1.0–29.0s)`;
    a check with few moments keeps a label at each."""
    events = [{"t": 0.0, "kind": "run.start", "clients": [{"name": "b0", "kind": "browser"}]},
              {"t": 40.0, "kind": "run.end", "outcome": "failed"}]
    failed = [(float(t), "delivered_exactly_once") for t in range(1, 30)] + [(35.0, "reconnected")]
    svg = timeline_svg(events, [], failed, "t29")
    assert svg.count('class="failure-marker"') == 30
    labels = re.findall(r'class="failure-label" data-t="([\d.]+)" data-check="([^"]+)"', svg)
    assert labels == [("1.000", "delivered_exactly_once ×29 (t=1.0–29.0s)"), ("35.000", "reconnected")]


def test_a_queue_emptied_without_sending_is_dropped_not_drained():
    """Two messages queued; a drain that sends them is `drained`; a queue that empties with nothing
    sent (a bug dropped it) is `dropped`, drawn as its own marker."""
    from harness.report.extract import queue_marks

    def probe(t: float, n: int) -> dict:
        return {"t": t, "kind": "probe", "client": "b0", "values": {"state": "connected", "queue_length": n}}

    sent = [{"t": 3.1, "kind": "ws.frame", "client": "b0", "socket": "s1", "dir": "sent", "type": "trigger", "id": i,
             "data": {}} for i in (1, 2)]
    ping = {"t": 8.0, "kind": "ws.frame", "client": "b0", "socket": "s1", "dir": "sent", "type": "ping", "id": 9,
            "data": {}}
    events = [{"t": 0.0, "kind": "run.start", "clients": [{"name": "b0", "kind": "browser"}]},
              probe(1.0, 2), *sent, probe(3.0, 0), probe(5.0, 2), ping, probe(8.0, 0),
              {"t": 9.0, "kind": "run.end", "outcome": "failed"}]
    assert [(t, k) for t, _, _, k in queue_marks(events, "b0")] == [
        (1.0, "queued"), (3.0, "drained"), (5.0, "queued"), (8.0, "dropped")]
    svg = timeline_svg(events, [], [], "q")
    assert 'data-key="marker:dropped"' in svg and 'data-key="marker:drained"' in svg
