"""Network faults through Toxiproxy, one module each; importing this package registers them."""

from harness.steps.faults import (bandwidth, blackhole, down, latency, limit_data, reset_peer,  # noqa: F401
                                  restore, slicer, slow_close)
