"""Network faults through Toxiproxy, one module each; importing this package registers them."""

from harness.steps.base import steps
from harness.steps.faults import (bandwidth, blackhole, down, latency, limit_data, reset_peer,  # noqa: F401
                                  restore, slicer, slow_close)
from harness.steps.faults.base import ProxyFault


def fault_names() -> list[str]:
    """Every registered network fault (the `ProxyFault` steps), sorted: the registry is the only list."""
    return sorted(n for n in steps.names() if issubclass(steps.get(n), ProxyFault))
