"""The journal file: batched writes, flushed on close and within the interval; compact frame lines."""

from __future__ import annotations

import json
import time

from harness.journal import Journal, read_journal


def wait_until(predicate, timeout_s: float = 5.0) -> bool:
    """Poll `predicate` until it holds or `timeout_s` passes (a wait, not a timing assertion)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def test_close_writes_everything(tmp_path):
    """Every recorded event is in the file after close, in order, and reads back equal."""
    journal = Journal(tmp_path / "j.jsonl", flush_interval_s=60)
    for i in range(1000):
        journal.record("step.start", step=i, path=f"steps[{i}]")
    journal.close()
    journal.close()  # idempotent
    assert read_journal(tmp_path / "j.jsonl") == journal.events


def test_pending_lines_reach_the_file_without_close(tmp_path):
    """A quiet journal still writes what it holds once the flush interval has passed."""
    journal = Journal(tmp_path / "j.jsonl", flush_interval_s=0.05)
    try:
        journal.record("run.start", run_id="r1")
        assert wait_until(lambda: read_journal(tmp_path / "j.jsonl") == journal.events)
        journal.record("run.teardown")
        assert wait_until(lambda: len(read_journal(tmp_path / "j.jsonl")) == 2)
    finally:
        journal.close()


def test_record_frame_is_the_same_event_as_record(tmp_path):
    """record_frame gives the same event, in memory and in the file, as record('ws.frame', ...)."""
    raw = '{"type": "ack", "id": "m1", "n": 1.5, "text": "caf\u00e9 \\u2028"}'
    fields = {"client": "p0", "socket": "s1", "dir": "received", "type": "ack", "id": "m1", "data": json.loads(raw)}
    compact = Journal(tmp_path / "compact.jsonl", clock=lambda: 1.0)
    plain = Journal(tmp_path / "plain.jsonl", clock=lambda: 1.0)
    a = compact.record_frame("p0", "s1", "received", "ack", "m1", json.loads(raw), raw)
    b = plain.record("ws.frame", **fields)
    compact.close()
    plain.close()
    assert a == b
    assert read_journal(tmp_path / "compact.jsonl") == read_journal(tmp_path / "plain.jsonl") == [b]
    assert f'"data":{raw}' in (tmp_path / "compact.jsonl").read_text(encoding="utf-8")  # not encoded again


def test_record_frame_with_a_multiline_or_text_payload(tmp_path):
    """A frame whose JSON spans lines, or plain text, is still one readable line."""
    journal = Journal(tmp_path / "j.jsonl")
    journal.record_frame("b0", "s1", "received", "x", None, {"type": "x"}, '{\n  "type": "x"\n}')
    journal.record_frame("b0", "s1", "sent", None, None, "not json", None)
    journal.record_frame("b0", None, "sent", 7, ["id"], [1, 2], "[1,2]")
    journal.close()
    assert (tmp_path / "j.jsonl").read_text().count("\n") == 3
    assert read_journal(tmp_path / "j.jsonl") == journal.events


def test_listeners_are_called_synchronously_and_cannot_break_recording(tmp_path, capsys):
    """A listener sees each event before record returns; one that raises is reported once."""
    journal = Journal(tmp_path / "j.jsonl")
    seen = []
    journal.subscribe(lambda e: seen.append(e["kind"]))
    journal.subscribe(lambda e: 1 / 0)
    journal.record("a")
    assert seen == ["a"]
    journal.record_frame("p0", "s1", "sent", "t", "i", {"type": "t"}, '{"type":"t"}')
    assert seen == ["a", "ws.frame"]
    journal.close()
    assert capsys.readouterr().err.count("ZeroDivisionError") == 1


def test_frame_recorder_gives_the_events_of_record(tmp_path):
    """A socket's frame recorder gives record('ws.frame', ...)'s events, in memory, in the file and to listeners."""
    frames = [("ack", "m1", {"type": "ack", "id": "m1"}, '{"type":"ack","id":"m1"}'),
              ("x", None, {"type": "x"}, '{\n  "type": "x"\n}'), (None, None, "not json", None),
              (7, ["id"], [1, 2], "[1,2]"), ("caf\u00e9", 1.5, {"n": None}, '{"n":null}')]
    compact = Journal(tmp_path / "compact.jsonl", clock=lambda: 2.0)
    plain = Journal(tmp_path / "plain.jsonl", clock=lambda: 2.0)
    seen: list = []
    compact.subscribe(seen.append)
    record = compact.frame_recorder("p0", "s1", "received")
    for type_, id_, data, raw in frames:
        assert record(type_, id_, data, raw) == plain.record(
            "ws.frame", client="p0", socket="s1", dir="received", type=type_, id=id_, data=data)
    compact.close()
    plain.close()
    assert read_journal(tmp_path / "compact.jsonl") == read_journal(tmp_path / "plain.jsonl") == plain.events
    assert compact.events == seen == plain.events


def test_a_streamed_journal_keeps_its_traffic_on_disk_only(tmp_path):
    """Frames, send stamps and probes go to the file and not to `events`; `read_all` has everything, in order."""
    journal = Journal(tmp_path / "j.jsonl", streamed=True)
    journal.record("step.start", step=1, path="steps[0]")
    journal.record_frame("b0", "s1", "sent", "ping", "p1", {"type": "ping", "id": "p1"}, '{"type":"ping","id":"p1"}')
    journal.record("probe", client="b0", values={"state": "connected"})
    journal.record("ws.sent_at", client="b0", socket="s1", n=1, page_t=1.0)
    journal.record("step.end", step=1, path="steps[0]")
    assert [e["kind"] for e in journal.events] == ["step.start", "step.end"]
    assert journal.on_disk_only == 3
    assert [e["kind"] for e in journal.read_all()] == ["step.start", "ws.frame", "probe", "ws.sent_at", "step.end"]
    journal.close()
    assert read_journal(tmp_path / "j.jsonl") == journal.read_all()
