"""From a HAR to a scenario (pure parts): reading Playwright and DevTools recordings, choosing the
app's socket, replaying it with its disconnects as the closest faults, writing YAML that loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import InvalidInput
from harness.har.reader import app_sockets, read_har
from harness.har.replay import Protocol, replay
from harness.har.scenario import Header, scenario_text
from harness.scenario.load import load_scenario

HAR = Path(__file__).parents[1] / "fixtures" / "har"
KANBAN = Protocol("type", "id", {"ticket": {"type": "ticket_notification", "id": "{id}",
                                            "ticket": {"id": "{title}", "title": "{title}"}},
                                 "trigger": {"type": "trigger_workflow", "id": "{id}", "ticket_id": "{title}",
                                             "workflow": "adw_plan_build"},
                                 "ping": {"type": "ping", "id": "{id}", "timestamp": 0}},
                  frozenset({"ticket", "trigger"}), "ack")


def recording(name: str):
    return read_har((HAR / f"{name}.har").read_text(), f"{name}.har")


def har(*sockets: dict, entries: list | None = None) -> str:
    """A HAR document holding `sockets` (each `{url, start, frames: [(t_ms, type, data, opcode?)]}`)."""
    out = list(entries or [])
    for s in sockets:
        out.append({"startedDateTime": s.get("start", "2026-12-07T10:00:00.000Z"), "time": s.get("time", -1),
                    "request": {"method": "GET", "url": s["url"]}, "_resourceType": "websocket",
                    "_webSocketMessages": [{"type": kind, "time": 1796637600000 + t, "opcode": op, "data": data}
                                           for t, kind, data, op in (f if len(f) == 4 else (*f, 1)
                                                                     for f in s["frames"])]})
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "Playwright", "version": "1.65"}, "entries": out}})


def test_a_playwright_har_gives_each_socket_its_frames_in_seconds():
    """kanban.har: three sockets (one attempt never opened), frames in order, times in seconds from its start."""
    rec = recording("kanban")
    assert rec.creator.startswith("Playwright") and len(rec.sockets) == 3
    first, attempt, second = rec.sockets
    assert [len(s.frames) for s in rec.sockets] == [12, 0, 12]
    assert first.start == 0.0 and 5.0 < second.start < 6.0 and attempt.end is None
    assert all(a.t <= b.t for a, b in zip(first.frames, first.frames[1:]))
    assert first.frames[3].direction == "sent" and '"trigger_workflow"' not in first.frames[3].text


def test_a_devtools_har_reads_the_same_in_seconds():
    """Chromium DevTools writes frame times in seconds: the same recording reads the same."""
    doc = json.loads((HAR / "chat.har").read_text())
    for entry in doc["log"]["entries"]:
        for m in entry.get("_webSocketMessages", []):
            m["time"] = m["time"] / 1000
    doc["log"]["creator"] = {"name": "WebInspector", "version": "537.36"}
    devtools = read_har(json.dumps(doc), "chat-devtools.har")
    playwright = recording("chat")
    assert devtools.creator == "WebInspector 537.36"
    assert [[round(f.t, 6) for f in s.frames] for s in devtools.sockets] == \
           [[round(f.t, 6) for f in s.frames] for s in playwright.sockets]


def test_the_app_socket_is_chosen_by_the_target_path_and_the_dev_server_socket_is_left_out():
    """board.har also holds the dev server's hot-reload socket; the target's path /ws picks the app's."""
    sockets = app_sockets(recording("board"), None, "/ws")
    assert {s.url for s in sockets} == {"ws://localhost:8002/ws"} and len(sockets) == 4
    assert app_sockets(recording("board"), "__hmr", None)[0].url.endswith("/__hmr")


def test_the_kanban_recording_replays_the_stall_and_the_resend_with_the_same_id():
    """A stall (nothing received for 3.6 s) becomes a downstream blackhole over the sends it held;
    the trigger re-sent on the next socket keeps its recorded id; the ticket goes through its template."""
    plan = replay(app_sockets(recording("kanban"), None, "/ws/trigger"), KANBAN)
    assert plan.sockets == 2 and plan.sends == 11 and plan.templated == 4
    (during,) = [a for a in plan.actions if a.kind == "during"]
    assert during.body == {"blackhole": {"stream": "downstream"}}
    triggers = [a.body for a in plan.actions + during.inner if a.kind == "send" and "message" in a.body
                and a.body["message"] == "trigger"]
    assert len(triggers) == 3 and len({t["values"]["id"] for t in triggers}) == 1
    assert plan.disconnects == ["socket 1: nothing received for 3.596s, then closed: blackhole downstream from "
                                "t=0.921s, the path back at t=5.517s"]


def test_a_cut_without_a_stall_is_down_until_the_recorded_reconnect():
    """chat.har: the path was cut after the second receipt; the replay holds `down` until the reconnect."""
    chat = Protocol("kind", "msgId", {"chat": {"kind": "say", "msgId": "{id}", "text": "{title}"}},
                    frozenset({"chat"}), "receipt")
    plan = replay(app_sockets(recording("chat"), None, "/ws"), chat)
    (during,) = [a for a in plan.actions if a.kind == "during"]
    assert during.body == {"down": {}} and plan.keyed == 3
    assert plan.gaps[0].startswith("2 connection attempt(s) after socket 1 never opened")


def test_a_lost_reply_becomes_close_after_on_that_reply():
    """A keyed message sent last, never answered, then the socket gone: close_after on its ack."""
    text = har({"url": "ws://h:1/ws/trigger", "start": "2026-12-07T10:00:00.000Z",
                "frames": [(0, "send", '{"type":"trigger_workflow","id":"wf-1","ticket_id":"T-1","workflow":"adw_plan_build"}')]},
               {"url": "ws://h:1/ws/trigger", "start": "2026-12-07T10:00:01.000Z",
                "frames": [(1000, "send", '{"type":"trigger_workflow","id":"wf-1","ticket_id":"T-1","workflow":"adw_plan_build"}'),
                           (1010, "receive", '{"type":"ack","id":"wf-1","duplicate":true}')]})
    plan = replay(app_sockets(read_har(text, "x.har"), None, "/ws/trigger"), KANBAN)
    rule = next(a for a in plan.actions if a.kind == "close_after")
    assert rule.body == {"match": {"type": "ack", "id": "wf-1"}, "code": 1006}


def test_a_recorded_close_code_is_kept():
    """A close frame (opcode 8) with 4001: close_after with that code after the last frame."""
    text = har({"url": "ws://h:1/ws/trigger", "frames": [(0, "send", "hello"), (5, "send", "4001 pong timeout", 8)]},
               {"url": "ws://h:1/ws/trigger", "start": "2026-12-07T10:00:02.000Z", "frames": [(2000, "send", "again")]})
    plan = replay(app_sockets(read_har(text, "x.har"), None, None), KANBAN)
    rule = next(a for a in plan.actions if a.kind == "close_after")
    assert rule.body["code"] == 4001


def test_the_written_scenario_loads_with_its_gaps_as_comments(tmp_path):
    """The YAML names its source, lists gaps as `# GAP:` comments, and loads as a scenario."""
    plan = replay(app_sockets(recording("kanban"), None, "/ws/trigger"), KANBAN)
    text = scenario_text(Header("har-kanban", "kanban.har", "Playwright 1.65.2", "kanban", "ws://h/ws/trigger"), plan)
    assert text.startswith("# Generated by `wschaos import har kanban.har` (Playwright 1.65.2)")
    assert "# GAP: when socket 1 closed is not recorded" in text
    path = tmp_path / "s.yaml"
    path.write_text(text)
    scenario = load_scenario(path)
    assert scenario.name == "har-kanban" and [c.registered_name for c in scenario.checks] == \
           ["reconnected", "delivered_exactly_once"]


@pytest.mark.parametrize("text, message", [
    ("", "x.har: the file is empty: export the HAR again (DevTools: Network, Save all as HAR)"),
    ('{"log": {"entries": [', "x.har: not valid JSON (line 1, column 22: Expecting value); a HAR file is JSON: "
                              "was it cut short while saving or copying?"),
    ('{"har": 1}', "x.har: JSON, but not a HAR file: it has no `log.entries` list (export it from DevTools' "
                   "Network panel, or with Playwright's record_har_path)"),
])
def test_unreadable_files_are_refused_in_words(text, message):
    """Empty, cut short, not a HAR: one line each, saying what to do."""
    with pytest.raises(InvalidInput) as info:
        read_har(text, "x.har")
    assert [str(p) for p in info.value.problems] == [message]


def test_bad_frames_are_located():
    """Each bad field of a frame is named by its place in the document."""
    doc = json.loads(har({"url": "ws://h:1/ws", "frames": [(0, "send", "a")]}))
    doc["log"]["entries"][0]["_webSocketMessages"][0].update(time="soon", type="upload")
    with pytest.raises(InvalidInput) as info:
        read_har(json.dumps(doc), "x.har")
    assert [str(p) for p in info.value.problems] == [
        "x.har: entries[0]._webSocketMessages[0].type: expected send or receive, got 'upload'",
        "x.har: entries[0]._webSocketMessages[0].time: expected a number (seconds or milliseconds since the "
        "epoch), got 'soon'"]


def test_send_values_need_a_template(tmp_path):
    """`send: {raw, values}` is refused: values fill a template's placeholders."""
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nclients: {protocol: 1}\nsteps:\n  - send: {raw: x, values: {id: a}}\nchecks: []\n")
    with pytest.raises(InvalidInput) as info:
        load_scenario(path)
    assert [p.message for p in info.value.problems] == [
        "send: values fill a template's placeholders: give message (a template name) too"]
