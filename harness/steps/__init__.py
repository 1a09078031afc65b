"""Step types, one module per family; importing this package registers them all."""

from harness.steps import actions, browser, expect, faults, load, messages, server, timing  # noqa: F401
from harness.steps.base import steps  # noqa: F401
