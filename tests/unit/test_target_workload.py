"""A target's `workload:` (what the soak does as a user): read at load, every mistake with its position."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import InvalidInput
from harness.targets import load_target, validate_target_file
from harness.targets.model import Work

TARGET = """\
name: t
server: {command: [x], ready: {http: "http://127.0.0.1:{port.server}/"}}
page: "http://127.0.0.1:{port.server}/"
websocket: "ws://127.0.0.1:{port.server}/ws"
actions:
  add: {ops: [{click: "#a"}], key: "k:{title}"}
  open: {ops: [{click: "#o"}]}
  both: {ops: [{click: "#b"}]}
protocol:
  messages: {msg: {type: m, id: "{id}"}, both: {type: b}}
"""


def load(tmp_path: Path, workload: str):
    path = tmp_path / "t.yaml"
    path.write_text(TARGET + workload)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(InvalidInput) as info:
        load_target(path)
    assert [str(p) for p in info.value.problems] == [str(p) for p in validate_target_file(path)]
    return [str(p).replace(str(path), "t.yaml") for p in info.value.problems]


def test_weights_counts_and_on_created_are_read(tmp_path):
    """A bare number is the weight; a mapping sets weight, count, on_created and kind."""
    target = load_target(load(tmp_path, "workload:\n  add: 3\n  open: {weight: 1, count: 2, on_created: true}\n"
                                        "  msg: {count: 5}\n  both: {kind: message}\n"))
    assert target.workload == (Work("add", 3.0), Work("open", 1.0, 2, True), Work("msg", 1.0, 5),
                               Work("both", kind="message"))
    assert [target.work_kind(w) for w in target.workload] == ["action", "action", "message", "message"]


def test_an_empty_workload_is_no_work_and_a_missing_one_is_the_default(tmp_path):
    """`workload: {}` is an empty tuple (no work); no key is None (every action and keyed message)."""
    assert load_target(load(tmp_path, "workload: {}\n")).workload == ()
    assert load_target(load(tmp_path, "")).workload is None


def test_every_workload_mistake_is_reported_with_its_position(tmp_path):
    """Unknown names, ambiguity, a kind that does not match, on_created on a message, bad numbers: all at once."""
    path = load(tmp_path, "workload:\n  ad: 1\n  both: 1\n  msg: {on_created: true}\n  open: {kind: message}\n"
                          "  add: {weight: 0, count: 500}\n  x: lots\n")
    assert problems(path) == [
        "t.yaml:12:7 workload.ad: the workload draws from the target's UI actions and protocol messages, and neither "
        "declares 'ad' (did you mean 'add'?); actions: add, open, both; protocol messages: msg, both",
        "t.yaml:13:9 workload.both: 'both' is both a UI action and a protocol message: add `kind: action` or "
        "`kind: message`",
        "t.yaml:14:8 workload.msg: on_created runs a UI action on items earlier actions created; 'msg' is a protocol "
        "message",
        "t.yaml:15:9 workload.open: kind: message, but `protocol.messages` declares no 'open'; actions: add, open, "
        "both; protocol messages: msg, both",
        "t.yaml:16:17 workload.add.weight: expected a number from 0.01 to 1000, got 0",
        "t.yaml:16:27 workload.add.count: expected a whole number from 1 to 100, got 500",
        "t.yaml:17:6 workload.x.weight: expected a number, got 'lots'",
        "t.yaml:17:6 workload.x: the workload draws from the target's UI actions and protocol messages, and neither "
        "declares 'x'; actions: add, open, both; protocol messages: msg, both",
    ]


def test_on_created_needs_an_action_that_creates(tmp_path):
    """An action on created items with nothing in the workload creating any is refused, saying what to add."""
    assert problems(load(tmp_path, "workload:\n  open: {on_created: true}\n  msg: 1\n")) == [
        "t.yaml:12:9 workload.open: on_created runs 'open' on items earlier actions created on the page, and no "
        "action of the workload creates any: add one without on_created (like `add_item: 3`)"]
