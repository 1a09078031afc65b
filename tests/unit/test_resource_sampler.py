"""The resource sampler reads /proc and page heaps into `resources` events and never breaks a run."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from typing import Any

import pytest

from harness.drivers.resources import ResourceSampler, count_fds, read_rss_kb
from harness.journal import Journal


@dataclass
class FakeServer:
    """A stand-in for ManagedProcess: this test process is 'the server'."""

    pid: int | None = field(default_factory=os.getpid)
    running: bool = True


class FakePage:
    """A page whose evaluate answers `heap`, or raises it when it is an exception."""

    def __init__(self, heap: Any) -> None:
        self.heap = heap

    async def evaluate(self, js: str) -> Any:
        if isinstance(self.heap, Exception):
            raise self.heap
        return self.heap


@dataclass
class FakeClient:
    page: Any
    asleep: bool = False
    context: Any = None


@dataclass
class FakeCtx:
    journal: Journal = field(default_factory=Journal)
    server: Any = field(default_factory=FakeServer)
    browsers: dict = field(default_factory=dict)


def test_proc_readers_see_this_process():
    """VmRSS and the fd count of the running test process are positive."""
    assert read_rss_kb(os.getpid()) > 1000
    assert count_fds(os.getpid()) >= 3


async def test_sample_records_server_and_pages():
    """One sample: server pid, RSS, fds, and each page's heap (null for a sleeping page)."""
    ctx = FakeCtx(browsers={"b0": FakeClient(FakePage(4_000_000)), "b1": FakeClient(FakePage(1), asleep=True)})
    event = await ResourceSampler(ctx).sample()
    assert event["kind"] == "resources"
    assert event["server_pid"] == os.getpid() and event["server_rss_kb"] > 1000 and event["server_fds"] >= 3
    assert event["pages"] == {"b0": 4_000_000, "b1": None}
    assert event["interval_s"] == 5.0


async def test_stopped_server_is_null_without_an_error():
    """While the server is stopped its values are null and nothing is reported as an error."""
    ctx = FakeCtx(server=FakeServer(running=False))
    event = await ResourceSampler(ctx).sample()
    assert (event["server_pid"], event["server_rss_kb"], event["server_fds"]) == (None, None, None)
    assert [e for e in ctx.journal.events if e["kind"] == "harness.error"] == []


async def test_failures_are_swallowed_and_recorded_once():
    """A page that keeps failing and a vanished server pid give null values and one harness.error each."""
    ctx = FakeCtx(server=FakeServer(pid=2**22 + 12345), browsers={"b0": FakeClient(FakePage(RuntimeError("gone")))})
    sampler = ResourceSampler(ctx)
    for _ in range(3):
        event = await sampler.sample()
        assert (event["server_rss_kb"], event["pages"]) == (None, {"b0": None})
    errors = [e["error"] for e in ctx.journal.events if e["kind"] == "harness.error"]
    assert len(errors) == 2
    assert errors[1] == ("resource sampling (page b0) failed: RuntimeError: gone; "
                         "later failures of it are not recorded")


async def test_runs_in_the_background_until_closed_and_close_is_idempotent():
    """As a context manager it samples every interval; closing twice is fine."""
    ctx = FakeCtx()
    async with ResourceSampler(ctx, interval_s=0.05) as sampler:
        await asyncio.sleep(0.22)
    await sampler.close()
    count = sum(1 for e in ctx.journal.events if e["kind"] == "resources")
    assert 3 <= count <= 6
    await asyncio.sleep(0.1)
    assert sum(1 for e in ctx.journal.events if e["kind"] == "resources") == count


def test_interval_must_be_positive():
    """A zero interval is refused with the value."""
    with pytest.raises(ValueError, match="interval_s must be above 0, got 0"):
        ResourceSampler(FakeCtx(), interval_s=0)
