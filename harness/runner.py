"""The runner: executes a Plan over real processes, proxies and browsers, into a journal.

For each scenario: start the target's processes, one Toxiproxy proxy per client, the browser
pages and protocol clients, all on an AsyncExitStack; walk the steps; watch disconnections still
open recover (`harness.recovery`); read the server's ledger and health; judge the checks over the
journal while everything is up; tear everything down in reverse order (on pass, fail, timeout or
Ctrl-C). The verdict is the run owner's (`harness.conclude`), decided once after teardown.
"""

from __future__ import annotations

import asyncio
import random
import sys
from contextlib import AsyncExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from harness.aio import guarded, within
from harness.checks.base import CheckResult
from harness.conclude import StepsEnded
from harness.context import PendingRevert, RunContext
from harness.drivers.http import fetch_json
from harness.drivers.lagmon import LagMonitor
from harness.errors import StepFailed, WschaosError
from harness.events import JSONObject
from harness.journal import Journal
from harness.judging import judge_journal
from harness.plan import Plan
from harness.recovery import watch_recovery
from harness.shared import Shared
from harness.stack import open_stack
from harness.steps.base import During, Node, Parallel, Repeat, StepNode
from harness.verdict import EndedBy

if TYPE_CHECKING:
    from harness.targets.model import Ledger


async def execute_scenario(plan: Plan, shared: Shared, journal: Journal, run_id: str) -> StepsEnded:
    """Run one planned scenario's steps and judge its checks into `journal`; never raises for
    failures of the system under test. Raises CancelledError when interrupted (teardown done).

    Called only by the run owner (`harness.run.Run.scenario`), which owns the journal and
    decides the verdict (`harness.conclude`) once this returns."""
    assert journal.path is not None, "a scenario journal is a file: its folder holds the evidence"
    sdir = journal.path.parent
    ended = StepsEnded()
    journal.record("run.start", **_start_fields(plan, shared, run_id))
    timeout_s = None if plan.options.keep else plan.timeout_s  # --keep waits for the user
    try:
        await within(timeout_s, _run_stack(plan, shared, journal, sdir, ended.checks, timeout_s))
    except StepFailed as exc:
        ended.ended_by, ended.error = "failed", str(exc)
    except asyncio.TimeoutError:
        ended.ended_by, ended.error = "error", (f"scenario timed out after {plan.timeout_s:g}s "
                                                "(raise `timeout:` in the scenario if it needs longer)")
    except Exception as exc:  # noqa: BLE001 - any other failure is the harness's or the infrastructure's
        ended.ended_by, ended.error = _classify(exc)
    broken = shared.broken()
    if broken is not None:
        # Whatever the steps or checks said (and whatever failed in teardown after it), they ran
        # on a browser or proxy that died under them: name the part, judge nothing.
        ended.ended_by, ended.error = "error", f"{broken.text(journal)}; the scenario could not be judged"
        ended.checks.clear()
    return ended


def _classify(exc: BaseException) -> tuple[EndedBy, str]:
    """A step's exception: a page action the app failed (a Playwright error on a working
    browser) or the harness's own trouble. A broken browser is found by the caller."""
    if isinstance(exc, WschaosError):
        return "error", str(exc)
    if type(exc).__name__ == "TargetClosedError":  # the page or its renderer went away under the step
        return "error", (f"a page was closed or crashed under the step ({str(exc).splitlines()[0]}); "
                         "the scenario could not be judged")
    if type(exc).__module__.startswith("playwright"):
        return "failed", f"page action failed: {str(exc).splitlines()[0]}"
    return "error", f"{type(exc).__name__}: {exc}"


def _start_fields(plan: Plan, shared: Shared, run_id: str) -> JSONObject:
    sc = plan.scenario
    return {
        "run_id": run_id, "scenario": sc.name, "scenario_file": sc.file, "description": sc.description,
        "tags": list(sc.tags), "target": plan.target.name, "seed": plan.seed,
        "time_scale": plan.time.factor, "min_wait_s": plan.time.min_wait_s, "bugs": list(plan.bugs),
        "clients": [c.to_dict() for c in sc.clients], "versions": shared.versions, "rerun": plan.rerun,
        "ack_type": plan.target.protocol.ack_type,
    }


async def _run_stack(plan: Plan, shared: Shared, journal: Journal, sdir: Path,
                     verdicts: list[CheckResult], timeout_s: float | None) -> None:
    """Bring the system up, run the steps, watch open disconnections recover, judge the checks
    while the evidence is still live."""
    ctx = RunContext(plan.scenario.name, plan.scenario.clients, plan.target, journal, plan.time,
                     random.Random(plan.seed), sdir, {})
    # The recovery watch ends in time for teardown to finish inside the scenario's timeout.
    watch_until = None if timeout_s is None else journal.now() + timeout_s * (1 - TEARDOWN_SHARE)
    async with AsyncExitStack() as stack:
        failure: BaseException | None = None
        try:
            # First in, last out: the machine's lateness is measured through set-up and teardown too.
            await stack.enter_async_context(LagMonitor(journal))
            await open_stack(stack, ctx, plan, shared)
            # A Chromium, driver or Toxiproxy that dies mid-scenario stops the steps at once.
            await guarded(_steps_and_watch(plan, ctx, watch_until), lambda: _why_broken(shared, journal))
        except BaseException as exc:
            failure = exc
            if isinstance(exc, StepFailed):
                await _failure_screenshots(ctx)  # the pages as they were when the step failed
            raise
        finally:
            await _cancel_background(ctx)
            await _collect_server_truth(ctx)
            journal.record("run.teardown")
            if (failure is None or isinstance(failure, StepFailed)) and shared.broken() is None:
                # Checks read only what came before run.teardown, so they can be judged now,
                # and a failed check still gets its Playwright traces saved.
                verdicts.extend(await judge_journal(journal, list(plan.scenario.checks)))
                if failure is None and not all(c.passed for c in verdicts):
                    await _failure_screenshots(ctx)  # faults still applied, pages still up
            failed = failure is not None or not all(c.passed for c in verdicts)
            if plan.options.artifacts == "always" or (failed and plan.options.artifacts == "on-failure"):
                await _save_traces(ctx, failed)
            if plan.options.keep:
                await _wait_for_user(ctx)
            await ctx.revert_all()


async def _steps_and_watch(plan: Plan, ctx: RunContext, watch_until: float | None) -> None:
    await execute(list(plan.scenario.steps), ctx)
    await watch_recovery(ctx.journal, list(plan.scenario.checks), watch_until)


def _why_broken(shared: Shared, journal: Journal) -> str | None:
    broken = shared.broken()
    return None if broken is None else broken.text(journal)


FAILURE_SHOT_S = 5.0  # a hung page must not hold up teardown
#: The share of a scenario's timeout kept for teardown: the recovery watch ends before it.
TEARDOWN_SHARE = 0.2


async def _failure_screenshots(ctx: RunContext) -> None:
    """A PNG of every open page at the moment the scenario failed (label `failure`), before teardown;
    a page that cannot be captured is skipped, never a new error."""
    for name, client in ctx.browsers.items():
        rel = f"screenshots/failure-{name}.png"
        try:
            await asyncio.wait_for(client.screenshot(ctx.scenario_dir / rel), FAILURE_SHOT_S)
        except Exception:  # noqa: BLE001 - a closed or crashed page has nothing to show
            continue
        ctx.journal.record("screenshot", label="failure", client=name, path=rel)


async def execute(nodes: Sequence[Node], ctx: RunContext) -> None:
    """Run step nodes in order, honouring at/after/for, parallel and repeat."""
    t0 = ctx.journal.now()
    for node in nodes:
        await _execute_node(node, ctx, t0)


async def _execute_node(node: Node, ctx: RunContext, t0: float) -> None:
    env = node.env
    if env.at is not None:
        await asyncio.sleep(max(0.0, t0 + ctx.time.scaled(env.at) - ctx.journal.now()))
    if env.after is not None:
        await ctx.sleep(env.after)
    if isinstance(node, Parallel):
        await asyncio.gather(*(_execute_node(n, ctx, t0) for n in node.steps))
    elif isinstance(node, Repeat):
        for _ in range(node.times):
            for inner in node.steps:
                await _execute_node(inner, ctx, t0)
    elif isinstance(node, During):
        await _hold_during(node, ctx, t0)
    else:
        await _run_step(node, ctx)


async def _hold_during(node: During, ctx: RunContext, t0: float) -> None:
    """Apply the fault, run the nested steps, undo the fault: its window is exactly theirs."""
    first_revert = len(ctx.reverts)
    await _run_step(node.fault, ctx)
    held = ctx.reverts[first_revert:]
    try:
        for inner in node.steps:
            await _execute_node(inner, ctx, t0)
    finally:
        for pending in reversed(held):
            await pending.run()


async def _run_step(node: StepNode, ctx: RunContext) -> None:
    index = ctx.next_number()
    step, env = node.step, node.env
    timed = {"for_s": round(ctx.time.scaled(env.for_), 3)} if env.for_ is not None else {}
    ctx.journal.record("step.start", step=index, path=node.path, name=step.registered_name,
                       summary=env.name or step.summary(env), params=step.params(), **timed)
    began, status, error = ctx.journal.now(), "error", None
    first_revert = len(ctx.reverts)
    try:
        await step.run(ctx, env)
        status = "ok"
    except StepFailed as exc:
        status, error = "failed", str(exc)
        raise
    except asyncio.CancelledError:
        status = "cancelled"
        raise
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        ctx.journal.record("step.end", step=index, path=node.path, name=step.registered_name,
                           status=status, error=error, duration_s=round(ctx.journal.now() - began, 3))
    if env.for_ is not None:
        pending = ctx.reverts[first_revert:]
        ctx.background.append(asyncio.create_task(_revert_later(ctx, pending, ctx.time.scaled(env.for_))))


async def _revert_later(ctx: RunContext, pending: list[PendingRevert], delay_s: float) -> None:
    await asyncio.sleep(delay_s)
    for p in reversed(pending):
        await p.run()


async def _cancel_background(ctx: RunContext) -> None:
    for task in ctx.background:
        if task.done() and not task.cancelled() and task.exception() is not None:
            ctx.journal.record("harness.error", error=f"timed revert failed: {task.exception()}")
        task.cancel()
    await asyncio.gather(*ctx.background, return_exceptions=True)


async def _collect_server_truth(ctx: RunContext) -> None:
    """Record the server's health and ledger while it still runs (best effort)."""
    target = ctx.target
    if ctx.server is None or not ctx.server.running:
        return
    if ctx.server.paused:
        ctx.journal.record("harness.error", error="the server is paused (SIGSTOP) after the last step, so its "
                           "ledger and health were not read: end the scenario with `server: resume`")
        return
    if target.health:
        try:
            ctx.journal.record("server.health", data=await fetch_json(ctx.fill(target.health)))
        except Exception as exc:  # noqa: BLE001 - evidence, not a verdict
            ctx.journal.record("harness.error", error=f"reading health failed: {exc}")
    if target.ledger:
        try:
            doc = await fetch_json(ctx.fill(target.ledger.url))
            ctx.journal.record("server.ledger", entries=ledger_entries(doc, target.ledger))
        except Exception as exc:  # noqa: BLE001
            ctx.journal.record("harness.error", error=f"reading the ledger failed: {exc}")


def ledger_entries(doc: object, spec: Ledger) -> list[JSONObject]:
    """The target's ledger document -> entries with a `key` computed from the target's templates
    and the message's id as `message_id`, whatever the app calls it."""
    entries = lookup(doc, spec.entries) if spec.entries else doc
    out: list[JSONObject] = []
    for entry in _objects(entries, spec):
        template = spec.keys.get(str(entry.get(spec.type_field)))
        key = _fill_path(template, entry) if template else entry.get("key")
        slim = {k: v for k, v in entry.items() if k != "payload"}
        out.append({**slim, "key": key, "message_id": entry.get(spec.id_field)})
    return out


def _objects(entries: object, spec: Ledger) -> list[JSONObject]:
    """The ledger's entries: a list of JSON objects (none when null or missing)."""
    if not entries:
        return []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        where = f"`{spec.entries}` of {spec.url}" if spec.entries else spec.url
        raise TypeError(f"expected a list of objects at {where}: check the target's ledger `entries` path")
    return [e for e in entries if isinstance(e, dict)]


def lookup(doc: object, dotted: str) -> object:
    for part in dotted.split("."):
        doc = doc.get(part) if isinstance(doc, dict) else None
    return doc


def _fill_path(template: str, entry: JSONObject) -> str:
    import re

    return re.sub(r"\{([a-zA-Z0-9_.]+)\}", lambda m: str(lookup(entry, m.group(1))), template)


async def _save_traces(ctx: RunContext, failed: bool) -> None:
    for name, client in ctx.browsers.items():
        try:
            path = await client.stop_tracing(ctx.scenario_dir / "traces" / f"{name}.zip")
            if path:
                ctx.journal.record("trace", client=name, path=f"traces/{name}.zip")
        except Exception as exc:  # noqa: BLE001
            ctx.journal.record("harness.error", error=f"saving the trace of {name} failed: {exc}")


async def _wait_for_user(ctx: RunContext) -> None:
    print(f"\n--keep: {ctx.scenario_name} is still running; press Enter (or Ctrl-C) to tear it down.", file=sys.stderr)
    for name, client in ctx.browsers.items():
        print(f"  {name}: {client.page_url}", file=sys.stderr)
    try:
        await asyncio.to_thread(sys.stdin.readline)
    except (asyncio.CancelledError, KeyboardInterrupt):
        pass


__all__ = ["execute_scenario", "execute"]
