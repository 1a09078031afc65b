"""Bring up one scenario's system: processes, one proxy per client, pages and protocol clients.

Each resource enters the caller's AsyncExitStack as soon as it exists, so teardown runs in
reverse order whatever fails next.
"""

from __future__ import annotations

import sys
import urllib.parse
from contextlib import AsyncExitStack
from typing import Any

from harness import tools
from harness.context import RunContext
from harness.drivers.browser import BrowserClient
from harness.drivers.process import ManagedProcess, ReadyProbe
from harness.drivers.resources import ResourceSampler
from harness.drivers.protocol import ProtocolClient
from harness.drivers.ws_tracker import FrameFormat
from harness.plan import Plan
from harness.target import ProcessSpec, fill


async def open_stack(stack: AsyncExitStack, ctx: RunContext, plan: Plan, shared: Any) -> None:
    """Start everything the scenario needs, in dependency order."""
    target = plan.target
    ctx.values.update(_base_values(plan, ctx))
    ctx.toxiproxy = shared.toxiproxy
    if target.static is not None:
        static = _process("static", target.static, ctx)
        stack.push_async_callback(static.stop)
        await static.start()
    ctx.server = _process("server", target.server, ctx)
    stack.push_async_callback(ctx.server.stop)
    await ctx.server.start()
    upstream = urllib.parse.urlsplit(ctx.fill(target.websocket))
    for spec in plan.scenario.clients:
        proxy = await shared.toxiproxy.create_proxy(f"{ctx.values['run_key']}-{spec.name}", upstream.netloc,
                                                    client=spec.name, journal=ctx.journal)
        stack.push_async_callback(proxy.delete)
        ctx.proxies[spec.name] = proxy
    for spec in plan.scenario.clients:
        if spec.kind == "browser":
            await _open_browser(stack, ctx, plan, shared, spec.name, upstream)
        else:
            await _open_protocol(stack, ctx, spec.name, upstream)
    if plan.options.sample_resources_s:  # drift detection (soak); stops first at teardown
        await stack.enter_async_context(ResourceSampler(ctx, plan.options.sample_resources_s))


def _base_values(plan: Plan, ctx: RunContext) -> dict[str, Any]:
    values: dict[str, Any] = {
        "python": sys.executable, "root": str(plan.target.root), "run_dir": str(ctx.scenario_dir.resolve()),
        "time_scale": f"{plan.time.factor:g}", "bugs.server": ",".join(plan.server_bugs),
        "bugs.client": ",".join(plan.client_bugs), "seed": plan.seed,
        "run_key": f"{plan.scenario.name}-{tools.free_port()}",
    }
    values.update({f"port.{p}": tools.free_port() for p in plan.target.ports})
    return values


def _process(name: str, spec: ProcessSpec, ctx: RunContext) -> ManagedProcess:
    argv = [ctx.fill(a) for a in spec.command]
    env = {k: ctx.fill(str(v)) for k, v in spec.env.items()}
    cwd = (ctx.target.root / ctx.fill(spec.cwd)).resolve()
    ready = spec.ready
    if ready.http:
        probe = ReadyProbe(http=ctx.fill(ready.http))
    elif ready.tcp:
        host, port = ctx.fill(ready.tcp).rsplit(":", 1)
        probe = ReadyProbe(tcp=(host, int(port)))
    else:
        probe = ReadyProbe(log_line=ctx.fill(ready.log))
    return ManagedProcess(name, argv, journal=ctx.journal, cwd=cwd, env=env, ready=probe,
                          ready_timeout_s=spec.ready_timeout.seconds, stop_grace_s=spec.stop_grace.seconds)


def _proxy_origin(ctx: RunContext, name: str, upstream: urllib.parse.SplitResult) -> str:
    proxy = ctx.proxies[name]
    return f"{upstream.scheme}://{proxy.host}:{proxy.port}"


async def _open_browser(stack, ctx: RunContext, plan: Plan, shared, name: str, upstream) -> None:
    target = plan.target
    ws_url = ctx.fill(target.websocket)
    page_url = fill(ctx.fill(target.page), {"ws_url": urllib.parse.quote(ws_url, safe=""), "client": name})
    origin = f"{upstream.scheme}://{upstream.netloc}"
    client = BrowserClient(shared.browser, name, ctx.journal, page_url,
                           ws_rewrite=(origin, _proxy_origin(ctx, name, upstream)),
                           probe_js=probe_expression(target), probe_interval_s=target.probe_interval.seconds,
                           trace=plan.options.artifacts != "never", proxy=ctx.proxies[name].name,
                           frame_format=frame_format(target))
    stack.push_async_callback(client.close)
    ctx.browsers[name] = client
    await client.open()


async def _open_protocol(stack, ctx: RunContext, name: str, upstream) -> None:
    query = ctx.target.protocol.query
    url = urllib.parse.urlunsplit(upstream._replace(
        netloc=f"{ctx.proxies[name].host}:{ctx.proxies[name].port}",
        query=fill(query, {"client": name}) if query else upstream.query))
    client = ProtocolClient(name, url, ctx.journal, proxy=ctx.proxies[name].name,
                            frame_format=frame_format(ctx.target))
    stack.push_async_callback(client.close)
    ctx.protocol[name] = client
    await client.connect()


def frame_format(target) -> FrameFormat:
    """The journal records each frame's `type` and `id` from the target's own field names."""
    return FrameFormat(target.protocol.type_field, target.protocol.id_field)


def probe_expression(target) -> str | None:
    """One JS expression returning every probe's value: `{state: ..., queue_length: ...}`."""
    if not target.probes:
        return target.snapshot
    parts = []
    for name, probe in target.probes.items():
        if isinstance(probe, dict):
            sel = probe["selector"]
            attr = probe.get("attribute")
            getter = f"el.getAttribute({attr!r})" if attr else "el.textContent.trim()"
            expr = f"(() => {{ const el = document.querySelector({sel!r}); return el ? {getter} : null; }})()"
        else:
            expr = str(probe)
        parts.append(f"{name!r}: (() => {{ try {{ return {expr}; }} catch (e) {{ return null; }} }})()")
    body = f"return {{{', '.join(parts)}}};"
    if target.snapshot is None:
        return f"(() => {{ {body} }})()"
    guard = "if (s === null || s === undefined) return null;"
    return f"(() => {{ const s = {target.snapshot}; {guard} {body} }})()"
