"""`stack.bounded`: set-up and teardown calls run concurrently, never more than the limit."""

from __future__ import annotations

import asyncio

import pytest

from harness.stack import bounded


class Calls:
    """Records how many calls run at once; the ones named in `fail` raise."""

    def __init__(self, fail: tuple[int, ...] = ()) -> None:
        self.running = self.peak = 0
        self.done: list[int] = []
        self.cancelled: list[int] = []
        self.fail = fail

    def make(self, i: int):
        async def call() -> None:
            self.running += 1
            self.peak = max(self.peak, self.running)
            try:
                await asyncio.sleep(0.01 if i not in self.fail else 0)
                if i in self.fail:
                    raise RuntimeError(f"call {i} failed")
                self.done.append(i)
            except asyncio.CancelledError:
                self.cancelled.append(i)
                raise
            finally:
                self.running -= 1
        return call


async def test_runs_all_within_the_limit():
    """20 calls with a limit of 4 all run, at most 4 at a time, more than one at a time."""
    calls = Calls()
    await bounded(4, [calls.make(i) for i in range(20)])
    assert sorted(calls.done) == list(range(20))
    assert 1 < calls.peak <= 4


async def test_teardown_runs_every_call_then_raises_the_failure():
    """Without fail_fast every call runs even after one failed; the failure is raised at the end."""
    calls = Calls(fail=(3,))
    with pytest.raises(RuntimeError, match="^call 3 failed$"):
        await bounded(2, [calls.make(i) for i in range(10)])
    assert sorted(calls.done) == [i for i in range(10) if i != 3]


async def test_fail_fast_cancels_the_rest():
    """With fail_fast the first failure cancels the calls still running and those not started."""
    calls = Calls(fail=(0,))
    with pytest.raises(RuntimeError, match="^call 0 failed$"):
        await bounded(2, [calls.make(i) for i in range(10)], fail_fast=True)
    assert len(calls.done) < 9
    assert calls.running == 0
