"""The soak schedule: replayable from its seed, fills its duration, and is a valid scenario."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from harness.cli import build_parser, main, soak_rerun
from harness.plan import RunOptions, make_plan
from harness.scenario.dump import dump_scenario
from harness.scenario.load import load_scenario
from harness.soak import SoakArgumentError, planned_seconds, shrink_factor, soak_scenario
from harness.steps.base import During, StepNode, steps, walk
from harness.units import Duration

HOUR = Duration(3600.0)
NIGHT = Duration(8 * 3600.0)


def flat(nodes) -> list[StepNode]:
    """Every StepNode, blocks opened (a `during:` fault included)."""
    return list(walk(nodes))


def windows(nodes) -> list[tuple[StepNode, float]]:
    """Each held fault and its window: the idle its `during:` block holds it for."""
    out = []
    for node in nodes:
        while isinstance(node, During):
            inner = node.steps
            idle = next((n.step.duration.seconds for n in inner if isinstance(n, StepNode)
                         and n.step.registered_name == "idle"), None)
            out.append((node.fault, idle if idle is not None else windows(inner)[0][1]))
            node = inner[0] if isinstance(inner[0], During) else None
    return out


def soak_file(scenario, tmp_path: Path) -> Path:
    """The in-memory scenario written as a scenario file (as the soak writes its night)."""
    path = tmp_path / f"{scenario.name}.yaml"
    path.write_text(dump_scenario(scenario))
    return path


def test_same_seed_and_duration_give_the_identical_scenario():
    """Two builds from seed 7 are equal, step for step, parameter for parameter, check for check."""
    assert soak_scenario(NIGHT, 7) == soak_scenario(NIGHT, 7)
    assert soak_scenario(Duration(180.0), 5) == soak_scenario(Duration(180.0), 5)


def test_different_seeds_give_different_schedules():
    """Seeds 1 to 5 give five different 1h schedules."""
    schedules = {tuple(soak_scenario(HOUR, seed).steps) for seed in range(1, 6)}
    assert len(schedules) == 5


@pytest.mark.parametrize("seconds", [60, 180, 600, 3600, 5400, 8 * 3600])
def test_planned_app_time_is_exactly_the_duration(seconds):
    """The idles (which cover every fault window) add up to the duration, with at least one round."""
    scenario = soak_scenario(Duration(float(seconds)), 3)
    assert planned_seconds(scenario) == seconds
    assert windows(scenario.steps) or any(n.step.registered_name == "server" for n in flat(scenario.steps))


def test_fault_windows_stay_in_their_ranges_and_shrink_for_short_soaks():
    """A night uses the full ranges; a 3m soak shrinks them to a quarter (at least 1 s); a blackhole outlasts the
    dead-link limit. A fault is held (`during:`) while its round's work and an idle of its window run."""
    ranges = {"down": (5, 60), "blackhole": (5, 30), "latency": (10, 60), "server": (5, 40)}
    for duration, shrink in ((NIGHT, 1.0), (Duration(180.0), 0.25)):
        assert shrink_factor(duration) == shrink
        held = windows(soak_scenario(duration, 11).steps)
        assert duration != NIGHT or {f.step.registered_name for f, _ in held} >= {"down", "blackhole", "latency", "server"}
        for node, window in held:
            name = node.step.registered_name
            if name == "blackhole":  # it must outlast the dead-link limit: kanban's min_wait 10s at 0.1 is 100s
                assert window == max(150, window) and window <= max(150, round(30 * shrink))
            elif name in ranges:
                lo, hi = ranges[name]
                assert max(1, round(lo * shrink)) <= window <= round(hi * shrink), (name, window)
            if name == "latency":
                assert 0.2 <= node.step.latency.seconds <= 1.5


def test_a_night_uses_every_kind_of_disruption():
    """Eight hours at seed 1 draw every disruption kind of the catalogue, on every page and on single pages."""
    scenario = soak_scenario(NIGHT, 1)
    described = scenario.description
    for kind in ("down", "latency", "blackhole", "restart", "crash", "stop", "pause", "offline", "hide", "sleep"):
        assert f" {kind}" in described
    targets = {f.env.clients for f, _ in windows(scenario.steps)}
    assert {"browsers", "b0", "b1"} <= targets


def test_every_step_has_a_soak_path_and_a_summary():
    """Top-level paths count soak[0], soak[1], ...; a held fault is soak[i].during, what it holds soak[i].during.steps[j]."""
    scenario = soak_scenario(HOUR, 2)
    assert [n.path for n in scenario.steps] == [f"soak[{i}]" for i in range(len(scenario.steps))]
    for node in scenario.steps:
        if isinstance(node, During):
            assert node.fault.path == f"{node.path}.during" and node.fault.env.name
            assert [n.path for n in node.steps] == [f"{node.path}.during.steps[{j}]" for j in range(len(node.steps))]
    assert all(n.step.summary(n.env) for n in flat(scenario.steps))


def test_name_tags_clients_and_checks():
    """Name soak-<duration>-seed<seed>, tags soak and nightly, b0..bN-1, the soak's checks."""
    scenario = soak_scenario(Duration(600.0), 9, clients=3)
    assert scenario.name == "soak-10m-seed9"
    assert scenario.tags == ("soak", "nightly")
    assert scenario.client_names() == ["b0", "b1", "b2"]
    names = [c.registered_name for c in scenario.checks]
    assert [n for n in names if n not in ("dead_link", "close_codes")] == [
        "reconnected", "delivered_exactly_once", "no_page_errors", "server_restarts", "resource_drift"]
    by_name = {c.registered_name: c for c in scenario.checks}
    assert by_name["reconnected"].within == Duration(120.0) and by_name["server_restarts"].up_at_end
    assert by_name["reconnected"].clients == "browsers"


def test_close_codes_only_when_a_graceful_stop_gives_it_something_to_judge():
    """close_codes is asked for exactly when the schedule has a graceful restart or stop."""
    for seed in range(1, 30):
        scenario = soak_scenario(Duration(180.0), seed)
        graceful = any(n.step.registered_name == "server" and n.step.action in ("restart", "stop")
                       for n in flat(scenario.steps))
        assert ("close_codes" in [c.registered_name for c in scenario.checks]) == graceful


def test_workflows_are_only_triggered_on_tickets_of_earlier_rounds():
    """Each trigger_workflow (the reference target's `on_created` action) asks for no more tickets than its page
    added in earlier rounds and left untriggered."""
    added: dict[str, int] = {"b0": 0, "b1": 0}
    delivered = dict(added)
    triggers = 0
    for node in flat(soak_scenario(NIGHT, 4).steps):
        step = node.step
        if step.registered_name == "expect" and step.queue_length == 0:
            delivered = dict(added)
        elif step.registered_name == "action" and step.name == "add_ticket":
            assert (node.env.clients, step.on_created) == ("browsers", False)
            for page in added:
                added[page] += step.count
        elif step.registered_name == "action":
            assert (step.name, step.on_created) == ("trigger_workflow", True)
            assert step.count <= delivered[node.env.clients]
            delivered[node.env.clients] -= step.count
            added[node.env.clients] -= step.count
            triggers += 1
    assert triggers > 10


@pytest.mark.parametrize("seed,clients", [(1, 1), (5, 2), (17, 3)])
def test_scenario_passes_the_validation_of_a_scenario_file(seed, clients, tmp_path):
    """Written out as YAML, the soak loads without a problem into the same steps and checks."""
    scenario = soak_scenario(Duration(1800.0), seed, clients=clients)
    assert all(steps.get(n.step.registered_name) is type(n.step) for n in flat(scenario.steps))
    loaded = load_scenario(soak_file(scenario, tmp_path))
    assert dump_scenario(loaded) == dump_scenario(scenario)
    assert [type(n.step) for n in flat(loaded.steps)] == [type(n.step) for n in flat(scenario.steps)]
    assert loaded.checks == scenario.checks
    assert loaded.clients == scenario.clients


def test_make_plan_accepts_the_soak_on_the_reference_target():
    """The bundled kanban target has every UI action the soak uses; seed and time scale resolve."""
    scenario = soak_scenario(Duration(180.0), 5)
    plan = make_plan(scenario, RunOptions(seed=5))
    assert (plan.seed, plan.time.factor, plan.target.name) == (5, 0.1, "kanban")
    real = make_plan(dataclasses.replace(scenario, time_scale=1.0), RunOptions(seed=5))
    assert real.time.factor == 1.0


CLIENTS = ("a soak needs from 1 to 200 browser clients (each is a Chromium page open for the whole soak, and a "
           "scenario file allows 200), got {}")
TIME_SCALE = ("expected a number from 0.001 to 1000, as a scenario's time_scale (below, the app's timers fire faster "
              "than a browser keeps up; above, a minute of app time takes over 16 hours), got {}")


@pytest.mark.parametrize("args, kwargs, argument, message", [
    ((Duration(30.0), 1), {}, "duration",
     "a soak needs at least 1m of app time to fit one disruption and its recovery, got 30s"),
    ((Duration(99999999 * 3600.0), 1), {}, "duration",
     "at most 168h (7 days) of app time, got 99999999h: every round is planned before the soak starts; for longer, "
     "run soaks one after another with different seeds"),
    ((HOUR, 1, 0), {}, "clients", CLIENTS.format(0)),
    ((HOUR, 1, 100_000), {}, "clients", CLIENTS.format(100000)),
    ((HOUR, 1, 2, 0.0), {}, "intensity", "intensity must be above 0, got 0"),
    ((HOUR, 1), {"time_scale": float("nan")}, "time_scale", TIME_SCALE.format("nan")),
    ((HOUR, 1), {"time_scale": float("inf")}, "time_scale", TIME_SCALE.format("inf")),
    ((HOUR, 1), {"time_scale": 1e9}, "time_scale", TIME_SCALE.format("1e+09")),
    ((HOUR, 1), {"time_scale": 0.0}, "time_scale", TIME_SCALE.format("0")),
])
def test_bad_arguments_raise_with_what_is_allowed_and_why(args, kwargs, argument, message):
    """Each argument out of its range is refused, at once, naming the argument, the range and the reason."""
    started = time.perf_counter()
    with pytest.raises(SoakArgumentError) as info:
        soak_scenario(*args, **kwargs)
    assert (info.value.argument, str(info.value)) == (argument, message)
    assert time.perf_counter() - started < 10  # refused, never planned (planning it would take hours)


def test_the_soak_time_scale_is_the_scenarios_and_the_plans():
    """`time_scale` given to the soak is the scenario's own, so the plan runs at it (not the target's)."""
    scenario = soak_scenario(Duration(180.0), 5, time_scale=0.5)
    assert scenario.time_scale == 0.5 and make_plan(scenario, RunOptions(seed=5)).time.factor == 0.5


def test_intensity_makes_disruptions_more_frequent():
    """Intensity 3 shortens the quiet idles, so more rounds fit in the same hour."""
    def rounds(scenario):
        return sum(1 for n in scenario.steps if isinstance(n, StepNode) and n.step.registered_name == "expect"
                   and n.step.queue_length == 0)
    assert rounds(soak_scenario(HOUR, 6, intensity=3.0)) > rounds(soak_scenario(HOUR, 6))


def test_rerun_command_repeats_every_choice_that_changes_the_run():
    """The printed rerun has duration and seed, and target, bugs, clients, time scale, sample when given."""
    parse = build_parser().parse_args
    assert soak_rerun(parse(["soak", "--duration", "8h", "--seed", "3"]), 3) == "wschaos soak --duration 8h --seed 3"
    args = parse(["soak", "--duration", "10m", "--target", "kanban", "--bugs", "legacy, no_jitter", "--clients",
                  "3", "--time-scale", "1", "--sample", "2s", "--report", "/tmp/r"])
    assert soak_rerun(args, 42) == ("wschaos soak --duration 10m --seed 42 --target kanban --bugs legacy,no_jitter "
                                    "--clients 3 --time-scale 1 --sample 2s")


def test_cli_refuses_a_too_short_soak_before_starting_anything(capsys):
    """`wschaos soak --duration 30s` exits 2 and says why."""
    assert main(["soak", "--duration", "30s", "--seed", "1"]) == 2
    assert capsys.readouterr().err == ("--duration: a soak needs at least 1m of app time to fit one disruption "
                                       "and its recovery, got 30s\n1 problem(s); nothing was started.\n")


def test_cli_refuses_a_shrink_budget_out_of_range_with_the_other_problems(capsys):
    """`--shrink --shrink-budget 5s` is refused with the duration problem, before anything starts."""
    assert main(["soak", "--duration", "30s", "--seed", "1", "--shrink", "--shrink-budget", "5s"]) == 2
    assert capsys.readouterr().err == (
        "--shrink-budget: expected a duration from 1m to 48h (real time the search may take), got 5s\n"
        "--duration: a soak needs at least 1m of app time to fit one disruption and its recovery, got 30s\n"
        "2 problem(s); nothing was started.\n")


def test_a_short_soak_warms_up_for_a_quarter_of_its_length():
    """resource_drift's warmup is a quarter of a soak shorter than 4 minutes, else its default minute."""
    def warmup(seconds: float) -> Duration:
        return next(c for c in soak_scenario(Duration(seconds), 3).checks if c.registered_name == "resource_drift").warmup
    assert (warmup(60.0), warmup(180.0), warmup(3600.0)) == (Duration(15.0), Duration(45.0), Duration(60.0))
