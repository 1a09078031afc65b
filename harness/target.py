"""Compatibility name for `harness.targets` (the target package): every public name is re-exported."""

from harness.targets import *  # noqa: F401,F403
from harness.targets import __all__  # noqa: F401
