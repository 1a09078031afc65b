"""The report's view of message faults: windows on the faults lane, marks per frame, the table."""

from __future__ import annotations

from harness.events import make
from harness.report import messages
from harness.report.plots import timeline_svg


def journal() -> list[dict]:
    frame = {"type": "ack", "id": "m1", "duplicate": False}
    return [
        make("run.start", 0.0, run_id="r", scenario="s", scenario_file="s.yaml", description="", tags=[],
             target="kanban", seed=1, time_scale=1.0, min_wait_s=5.0, bugs=[],
             clients=[{"name": "b0", "kind": "browser", "groups": []}], versions={}, rerun="", ack_type="ack"),
        make("ws.open", 0.5, client="b0", socket="s1", url="ws://x"),
        make("message.rule", 1.0, fault_id="m2", fault="drop", clients=["b0"], dir="received", match="ack",
             params={"match": "ack", "count": 2}),
        make("message.fault", 1.5, client="b0", fault_id="m2", fault="drop", action="dropped", dir="received",
             type="ack", id="m1", data=frame, delivered=False),
        make("message.fault", 1.7, client="b0", fault_id="m4", fault="inject", action="injected", dir="received",
             type=None, id=None, data="x" * 400, delivered=True),
        make("message.rule_end", 2.0, fault_id="m2", fault="drop", client="b0", why="reverted"),
        make("run.teardown", 3.0),
    ]


def test_a_message_fault_is_a_window_from_its_rule_to_its_end():
    """The faults lane gets `drop ack (received)` from t=1.0 to t=2.0."""
    (window,) = messages.windows(journal())
    assert (window.fault, window.clients, window.start, window.end) == ("drop ack (received)", ("b0",), 1.0, 2.0)


def test_each_frame_acted_on_is_a_mark_and_a_row():
    """A dropped and an injected frame: two marks on b0's lane, two table rows, long text cut."""
    marks = messages.marks(journal(), "b0")
    assert marks["msg_dropped"] == [1.5] and marks["msg_injected"] == [1.7] and marks["msg_closed"] == []
    first, second = messages.rows(journal())
    assert (first["action"], first["type"], first["delivered"]) == ("dropped", "ack", False)
    assert first["frame"] == '{"type": "ack", "id": "m1", "duplicate": false}'
    assert len(second["frame"]) == messages.SHOWN_CHARS and second["frame"].endswith("…") and second["type"] == "—"


def test_the_timeline_draws_the_marks_on_the_clients_lane():
    """The SVG carries a tagged marker per kind drawn, on lane b0, and the legend names it."""
    svg = timeline_svg(journal(), [], [])
    assert 'data-key="marker:msg_dropped"' in svg and 'data-lane="b0"' in svg
    assert "frame dropped" in svg and "drop ack (received)" in svg
