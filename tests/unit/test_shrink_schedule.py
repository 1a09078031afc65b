"""A run's schedule as items with absolute times, candidates as ordinary scenarios, smaller variants."""

from __future__ import annotations

from pathlib import Path

from harness.checks.delivery import DeliveredExactlyOnce
from harness.scenario.dump import dump_scenario
from harness.scenario.load import load_scenario
from harness.shrink.schedule import Item, candidate_scenario, closing_gate, schedule_items, smaller
from harness.steps.base import During
from harness.units import Duration

SCENARIO = """\
name: night
target: kanban
seed: 4
clients: {browsers: 2, protocol: 1}
steps:
  - expect: {state: connected, within: 2m}
  - screenshot: start
  - send: {message: ticket, count: 4}
    clients: p0
  - during:
      down: {}
      clients: b1
      name: network down on b1 for 20s
      steps:
        - action: {name: add_ticket, count: 4}
          clients: browsers
        - idle: 20s
  - idle: 30s
  - latency: {latency: 800ms}
    for: 12s
    clients: b0
  - server: restart
checks:
  - delivered_exactly_once
  - no_page_errors
"""


def load(tmp_path: Path):
    path = tmp_path / "night.yaml"
    path.write_text(SCENARIO)
    return load_scenario(path)


def started(paths_and_times: list[tuple[str, float]]) -> list[dict]:
    """step.start events at real journal times (as a soak names its top-level steps, soak[i])."""
    return [{"t": t, "kind": "step.start", "step": n, "path": p, "name": "x", "summary": "x", "params": {}}
            for n, (p, t) in enumerate(paths_and_times)]


def test_items_are_the_steps_that_ran_at_their_app_times(tmp_path):
    """Idles and screenshots are no items; times are app time from the first step; a block is one item; by position."""
    events = started([("soak[0]", 10.0), ("soak[1]", 10.5), ("soak[2]", 11.0), ("soak[3].during", 12.0),
                      ("soak[3].during.steps[0]", 12.1), ("soak[4]", 16.0), ("soak[5]", 19.0)])
    items = schedule_items(load(tmp_path), events, time_scale=0.1)
    assert [(i.index, i.at_s) for i in items] == [(0, 0.0), (2, 10.0), (3, 20.0), (5, 90.0)]  # soak[6] never started
    assert isinstance(items[2].node, During)


def test_a_candidate_is_an_ordinary_scenario_with_relative_times_and_a_closing_gate(tmp_path):
    """Times start at the first kept item; labels go; an unused protocol client goes; only the kept checks."""
    source = load(tmp_path)
    events = started([(f"soak[{i}]", 10.0 + i) for i in range(7)])
    items = schedule_items(source, events, time_scale=0.1)
    kept = [i for i in items if i.index in (3, 5)]
    gate = closing_gate(has_pages=True, queue_probe=True)
    scenario = candidate_scenario(source, kept, "night-minimal", [DeliveredExactlyOnce()], gate, "shrunk")
    assert [n.env.at for n in scenario.steps[:2]] == [Duration(0.0), Duration(20.0)]
    assert scenario.steps[0].fault.env.name is None and scenario.steps[-1].step.queue_length == 0
    assert scenario.client_names() == ["b0", "b1"] and [c.registered_name for c in scenario.checks] == [
        "delivered_exactly_once"]
    path = tmp_path / "minimal.yaml"
    path.write_text(dump_scenario(scenario))
    again = load_scenario(path)  # `wschaos run` and `validate` take it
    assert dump_scenario(again) == dump_scenario(scenario)
    with_p0 = candidate_scenario(source, [i for i in items if i.index == 2], "n", [], gate)
    assert with_p0.client_names() == ["b0", "b1", "p0"]


def test_smaller_variants_change_one_thing_each(tmp_path):
    """A held fault loses one of its steps or gets a smaller one; a timed fault its window; a latency its size."""
    items = {i.index: i for i in schedule_items(load(tmp_path), started([(f"steps[{i}]", float(i)) for i in range(7)]),
                                                time_scale=1.0)}
    held = smaller(items[3])
    bodies = [[n.step.registered_name for n in v.node.steps] for v in held]
    assert ["idle"] in bodies and ["action"] in bodies  # one held step left out
    counts = [n.step.count for v in held for n in v.node.steps if n.step.registered_name == "action"]
    idles = [n.step.duration for v in held for n in v.node.steps if n.step.registered_name == "idle"]
    assert 2 in counts and Duration(10.0) in idles
    latency = smaller(items[5])
    assert {(v.node.env.for_, v.node.step.latency) for v in latency} == {
        (Duration(6.0), Duration(0.8)), (Duration(12.0), Duration(0.4))}
    assert smaller(items[6]) == [] and all(v.at_s == items[5].at_s for v in latency)
    assert Item.of(5, 5.0, items[5].node) == items[5] and len({*held}) == len(held)


def test_no_closing_gate_without_pages():
    """A protocol-only scenario has no pages to wait for."""
    assert closing_gate(has_pages=False, queue_probe=True) == ()
    (gate,) = closing_gate(has_pages=True, queue_probe=False)
    assert (gate.state, gate.queue_length, gate.within) == ("connected", None, Duration(120.0))
