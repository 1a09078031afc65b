"""A Scenario back as the YAML a person would write: what the soak's night and a shrunk
scenario are saved as, so `wschaos run` and `wschaos validate` take them like any file.

    text = dump_scenario(scenario)        # load_scenario(file with text) gives the same steps

Parameters left at their defaults are left out, a step whose only parameter is its primary
one is written bare (`idle: 42s`, `server: restart`), durations are exact (`4523.5s`, `250ms`),
and block steps keep their form (`parallel:`, `repeat: {times, steps}`, `during:`).
"""

from __future__ import annotations

import dataclasses
from typing import Mapping

import yaml

from harness.checks.base import Check
from harness.clients import ClientSpec
from harness.scenario.model import Scenario
from harness.steps.base import During, Envelope, Node, Parallel, Repeat, Step, StepNode
from harness.units import Duration


def duration_text(value: Duration) -> str:
    """A duration the loader reads back exactly: `250ms`, `42s`, `4523.5s`."""
    seconds = round(value.seconds, 3)
    if 0 < seconds < 1:
        return f"{round(seconds * 1000, 3):g}ms"
    return f"{int(seconds)}s" if float(seconds).is_integer() else f"{seconds}s"


def plain(value: object) -> object:
    """A parameter value as YAML data: durations as text, tuples as lists."""
    if isinstance(value, Duration):
        return duration_text(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def _changed(obj: object) -> dict[str, object]:
    """The dataclass's fields that differ from their defaults, as YAML data."""
    out: dict[str, object] = {}
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]  # steps and checks are dataclasses
        value = getattr(obj, f.name)
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        if default is not dataclasses.MISSING and value == default:
            continue
        out[f.name] = plain(value)
    return out


def envelope_doc(env: Envelope) -> dict[str, object]:
    """The envelope keys that are set, as written in a file (`for`, not `for_`)."""
    pairs = (("clients", env.clients), ("at", env.at), ("after", env.after), ("for", env.for_), ("name", env.name))
    return {k: plain(v) for k, v in pairs if v is not None}


def step_body(step: Step) -> object:
    """A step's parameters: bare when only its primary one is set, else a mapping."""
    params = _changed(step)
    if step.primary and list(params) == [step.primary] and not isinstance(params[step.primary], (dict, list)):
        return params[step.primary]
    return params


def node_doc(node: Node) -> dict[str, object]:
    """One step node as a `steps:` item."""
    if isinstance(node, StepNode):
        return {node.step.registered_name: step_body(node.step), **envelope_doc(node.env)}
    if isinstance(node, Parallel):
        return {"parallel": [node_doc(n) for n in node.steps], **envelope_doc(node.env)}
    if isinstance(node, Repeat):
        return {"repeat": {"times": node.times, "steps": [node_doc(n) for n in node.steps]}, **envelope_doc(node.env)}
    held: dict[str, object] = {node.fault.step.registered_name: step_body(node.fault.step),
                               **envelope_doc(node.fault.env), "steps": [node_doc(n) for n in node.steps]}
    return {"during": held, **envelope_doc(node.env)}


def check_doc(check: Check) -> object:
    """A `checks:` item: the bare name when every parameter is at its default."""
    params = _changed(check)
    return {check.registered_name: params} if params else check.registered_name


def clients_doc(clients: tuple[ClientSpec, ...]) -> object:
    """`{browsers: 2, protocol: 1}` when the names are the default ones, else the list form."""
    browsers = [c for c in clients if c.kind == "browser"]
    protocol = [c for c in clients if c.kind == "protocol"]
    default = ([c.name for c in browsers] == [f"b{i}" for i in range(len(browsers))]
               and [c.name for c in protocol] == [f"p{i}" for i in range(len(protocol))]
               and not any(c.groups for c in clients) and clients == tuple(browsers + protocol))
    if default:
        return {k: v for k, v in (("browsers", len(browsers)), ("protocol", len(protocol))) if v}
    return [{"name": c.name, "kind": c.kind, **({"groups": list(c.groups)} if c.groups else {})} for c in clients]


def scenario_doc(scenario: Scenario) -> dict[str, object]:
    """The whole scenario as YAML data (profiles and thresholds are not written: nothing built in
    code has them)."""
    doc: dict[str, object] = {"name": scenario.name}
    if scenario.description:
        doc["description"] = scenario.description
    if scenario.tags:
        doc["tags"] = list(scenario.tags)
    doc["target"] = scenario.target
    if scenario.seed is not None:
        doc["seed"] = scenario.seed
    doc["timeout"] = duration_text(scenario.timeout)
    if scenario.time_scale is not None:
        doc["time_scale"] = scenario.time_scale
    doc["clients"] = clients_doc(scenario.clients)
    doc["steps"] = [node_doc(n) for n in scenario.steps]
    doc["checks"] = [check_doc(c) for c in scenario.checks]
    return doc


def dump_scenario(scenario: Scenario, header: str = "") -> str:
    """The scenario as YAML text; `header` lines become comments at the top."""
    comments = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return comments + yaml.safe_dump(scenario_doc(scenario), sort_keys=False, allow_unicode=True, width=110)
