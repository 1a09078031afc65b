"""Targets: how to start and observe a system under test (targets/*.yaml -> a frozen `Target`).

    load.py          find a target file, tell it from a scenario, load and validate it
    parse.py         raw YAML -> typed Target (structure: keys, types, required)
    validate.py      placeholders, URLs, selectors, JavaScript, regexes (over the raw YAML)
    checks.py        the single-string checks validate.py uses
    model.py         the frozen dataclasses
    ops.py           the operations a UI action or page set-up runs (fill, click, press, read, wait, evaluate)
    placeholders.py  `{name}` placeholders: which exist where, and `fill`

Everything is checked before anything starts: `load_target` raises InvalidInput with every
problem of the file at once (`file:line:col path: message`). See docs/targets.md.
"""

from harness.targets.load import find_target, is_target_file, known_targets, load_target, validate_target_file
from harness.targets.model import (Action, Bugs, DomProbe, JsProbe, Ledger, Probe, ProcessSpec, Protocol, Ready,
                                   Setup, Target)
from harness.targets.ops import Click, Evaluate, Fill, Op, Press, Read, Wait, ops
from harness.targets.placeholders import PLACEHOLDER, fill

__all__ = [
    "Action", "Bugs", "Click", "DomProbe", "Evaluate", "Fill", "JsProbe", "Ledger", "Op", "PLACEHOLDER", "Press", "Probe",
    "ProcessSpec", "Protocol", "Read", "Ready", "Setup", "Target", "Wait", "fill", "find_target", "is_target_file",
    "known_targets", "load_target", "ops", "validate_target_file",
]
