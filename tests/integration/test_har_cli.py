"""`wschaos import har`: malformed recordings exit 2 with one clear message each, never a
traceback; a good one writes a scenario that `wschaos validate` accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.har.reader import MAX_BYTES

HAR = Path(__file__).parents[1] / "fixtures" / "har"


def socket_entry(url: str, frames: list[tuple[int, str, str, int]]) -> dict:
    return {"startedDateTime": "2026-12-07T10:00:00.000Z", "time": -1, "request": {"method": "GET", "url": url},
            "_resourceType": "websocket",
            "_webSocketMessages": [{"type": k, "time": 1796637600000 + t, "opcode": op, "data": d} for t, k, d, op in frames]}


def document(*entries: dict) -> str:
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "Playwright", "version": "1.65"},
                               "entries": list(entries)}})


def http_entry(url: str) -> dict:
    return {"startedDateTime": "2026-12-07T10:00:00.000Z", "time": 3, "request": {"method": "GET", "url": url}}


def without_frames() -> str:
    doc = json.loads((HAR / "kanban.har").read_text())
    for entry in doc["log"]["entries"]:
        entry.pop("_webSocketMessages", None)
    return json.dumps(doc)


KANBAN_HAR = (HAR / "kanban.har").read_text()
MALFORMED = {
    "empty": ("", [], "the file is empty: export the HAR again (DevTools: Network, Save all as HAR)"),
    "truncated": (KANBAN_HAR[: len(KANBAN_HAR) // 2], [], "not valid JSON (line "),
    "not-a-har": ('{"traceEvents": []}', [], "JSON, but not a HAR file: it has no `log.entries` list"),
    "no-sockets": (document(http_entry("http://127.0.0.1:8080/"), http_entry("http://127.0.0.1:8080/app.js")), [],
                   "2 request(s) and no WebSocket: record the HAR while the app's socket is open"),
    "no-frames": (without_frames(), [], "3 WebSocket(s) but not one frame (`_webSocketMessages`): this HAR was "
                                        "saved without WebSocket messages"),
    "binary-frames": (document(socket_entry("ws://127.0.0.1:1/ws/trigger", [(0, "send", "AAEC", 2), (5, "receive", "AwQ=", 2)])),
                      [], "the socket ws://127.0.0.1:1/ws/trigger carries no text frame (binary frames only): "
                          "wschaos replays text frames"),
    "bad-frame": (document(socket_entry("ws://127.0.0.1:1/ws/trigger", [(0, "upload", "x", 1)])), [],
                  "entries[0]._webSocketMessages[0].type: expected send or receive, got 'upload'"),
    "no-matching-socket": (KANBAN_HAR, ["--socket", "/chat"], "no WebSocket matches --socket '/chat'; its sockets: "
                                                              "ws://127.0.0.1:"),
    "two-addresses": (document(socket_entry("ws://127.0.0.1:1/ws/trigger", [(0, "send", "a", 1)]),
                               socket_entry("ws://10.0.0.2:1/ws/trigger", [(9, "send", "b", 1)])), [],
                      "sockets to 2 addresses (ws://10.0.0.2:1/ws/trigger, ws://127.0.0.1:1/ws/trigger): choose the "
                      "app's with --socket PATTERN"),
    "unknown-target": ((HAR / "chat.har").read_text(), ["--target", "nope"], "no target 'nope': looked for nope.yaml"),
    "no-target-for-path": ((HAR / "chat.har").read_text(), [], "the recording dialled /ws; targets in targets/ for "
                                                               "that path: none: name the app's target with --target"),
}


def import_har(capsys, path: Path, *extra: str) -> tuple[int, str]:
    code = main(["import", "har", str(path), "--target", "kanban", *extra] if "--target" not in extra
                and "no-target" not in path.name else ["import", "har", str(path), *extra])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_recording_exits_2_with_a_clear_message(case, tmp_path, capsys):
    """Each malformed recording: exit 2, its problem on stderr, no traceback, nothing written."""
    text, extra, message = MALFORMED[case]
    path = tmp_path / f"{case}.har"
    path.write_text(text)
    out = tmp_path / "out.yaml"
    code, err = import_har(capsys, path, *extra, "-o", str(out))
    assert code == 2, err
    assert message in err and "Traceback" not in err
    assert err.endswith("problem(s); nothing was started.\n")
    assert not out.exists()


def test_a_huge_file_is_refused_before_it_is_read(tmp_path, capsys):
    """A file over the limit (sparse: nothing is written) exits 2 saying what to export instead."""
    path = tmp_path / "huge.har"
    with path.open("wb") as f:
        f.truncate(MAX_BYTES + 1)
    code, err = import_har(capsys, path)
    assert code == 2
    assert f"{path}: 52 MB, more than the 50 MB wschaos reads: save a HAR of the WebSocket only" in err


def test_a_missing_file_and_a_binary_file_are_refused(tmp_path, capsys):
    """No such file, and bytes that are not UTF-8: exit 2 each."""
    code, err = import_har(capsys, tmp_path / "missing.har")
    assert code == 2 and "missing.har: no such file: give the HAR file's path" in err
    path = tmp_path / "capture.pcap"
    path.write_bytes(b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00" + bytes(range(256)))
    code, err = import_har(capsys, path)
    assert code == 2 and "capture.pcap: not UTF-8 text (byte 0)" in err


@pytest.mark.parametrize("name, target", [("kanban", "kanban"), ("chat", "examples/chat/targets/chat.yaml"),
                                          ("board", "examples/board/targets/board.yaml")])
def test_a_recording_of_each_app_becomes_a_scenario_validate_accepts(name, target, tmp_path, capsys):
    """The HAR of each bundled app: a scenario written to -o, with its target reachable from there,
    that `wschaos validate` accepts; the summary line says what was replayed."""
    out = tmp_path / "scenarios" / f"{name}.yaml"
    code = main(["import", "har", str(HAR / f"{name}.har"), "--target", target, "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert err.startswith(f"{out}: ") and "1 disconnect(s)" in err
    assert main(["validate", str(out)]) == 0, capsys.readouterr().err


def test_without_o_the_scenario_goes_to_stdout(capsys):
    """No -o: the YAML on stdout, the summary on stderr; the target found from the socket's path."""
    code = main(["import", "har", str(HAR / "kanban.har")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.startswith("# Generated by `wschaos import har") and "target: \"kanban\"" in captured.out
    assert captured.err.startswith("stdout: 11 client frame(s) from 2 socket(s) (4 templated), 1 disconnect(s)")
