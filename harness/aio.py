"""asyncio helpers that keep cancellation intact on Python 3.11.

`asyncio.wait_for` on 3.11 can swallow a cancellation: if the task waiting in it is cancelled
just as the awaited operation completes, it returns the result and the cancellation is lost
(CPython bpo-42130, fixed in 3.12 by rebuilding `wait_for` on `asyncio.timeout`). A background
loop (page probes, resource sampling) that loses its cancellation never ends, and whatever
awaits it at teardown hangs until the scenario's timeout. The full matrix hit this in 3 of 310
runs. Use `within` instead of `asyncio.wait_for` in the harness, and `stop_task` to end a
background task.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, TypeVar

T = TypeVar("T")


async def within(seconds: float | None, aw: Awaitable[T]) -> T:
    """`await aw` with a deadline (`None`: none); TimeoutError past it. A cancellation of the
    caller always propagates, whenever it arrives."""
    async with asyncio.timeout(seconds):
        return await aw


async def stop_task(task: asyncio.Task[T] | None, grace_s: float = 5.0) -> bool:
    """Cancel a background task and wait up to `grace_s` for it to end; True if it ended.
    Never raises the task's own exception; never waits longer than `grace_s`."""
    if task is None:
        return True
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=grace_s)
    if task in done and not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log "exception was never retrieved"
    return task in done


async def guarded(aw: Awaitable[T], broken: Callable[[], str | None], interval_s: float = 0.25) -> T:
    """`await aw`, but give up as soon as `broken()` names a reason (a dead browser or proxy the
    awaited work depends on): the work is cancelled and `GuardTripped` raised with the reason.
    A cancellation of the caller cancels the work too."""
    task = asyncio.ensure_future(aw)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=interval_s)
            if done:
                return task.result()
            why = broken()
            if why is not None:
                await stop_task(task, grace_s=30.0)
                raise GuardTripped(why)
    except asyncio.CancelledError:
        await stop_task(task, grace_s=30.0)
        raise


class GuardTripped(Exception):
    """What `guarded` waited on was given up: the reason is the message."""
