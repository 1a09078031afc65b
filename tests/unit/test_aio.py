"""harness.aio: deadlines that never lose a cancellation, and a bounded way to end a task."""

from __future__ import annotations

import asyncio

import pytest

from harness.aio import stop_task, within


async def test_within_returns_the_result_or_raises_timeout():
    assert await within(1.0, asyncio.sleep(0, result="done")) == "done"
    assert await within(None, asyncio.sleep(0, result="no deadline")) == "no deadline"
    with pytest.raises(TimeoutError):
        await within(0.01, asyncio.sleep(1))


async def test_within_keeps_a_cancellation_that_arrives_as_the_operation_completes():
    """The race that made asyncio.wait_for (3.11) return a result to a cancelled probe loop,
    which then never ended: the awaited future completes in the same tick as the cancel."""
    fut = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(within(5.0, fut))
    await asyncio.sleep(0)  # the task now waits on fut
    fut.set_result("late result")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_stop_task_ends_a_loop_and_reports_one_that_will_not_end():
    async def loop_forever():
        while True:
            await asyncio.sleep(0.01)

    released = asyncio.Event()

    async def ignores_cancel():  # like a loop whose cancellation was swallowed, until released
        while not released.is_set():
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                continue

    assert await stop_task(asyncio.create_task(loop_forever())) is True
    stubborn = asyncio.create_task(ignores_cancel())
    await asyncio.sleep(0)  # started
    assert await stop_task(stubborn, grace_s=0.1) is False  # bounded: teardown goes on
    released.set()
    await stubborn
    assert await stop_task(None) is True


async def test_stop_task_swallows_the_tasks_own_failure():
    async def fails():
        raise RuntimeError("sampler broke")

    task = asyncio.create_task(fails())
    await asyncio.sleep(0)
    assert await stop_task(task) is True
