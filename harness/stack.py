"""Bring up one scenario's system: processes, one proxy per client, pages and protocol clients.

Each resource enters the caller's AsyncExitStack as soon as it exists (its close before its
start), so teardown runs in reverse order whatever fails next.

Set-up stays linear in the number of clients: the proxies are created in bulk (one
`POST /populate` per batch), pages open `PAGE_CONCURRENCY` at a time and protocol clients
`CONNECT_CONCURRENCY` at a time; teardown closes them the same way, then deletes the proxies
in bulk. Observers of the running system (resource sampling; the seam for others such as a
lag monitor) enter last in `open_observers`, so they stop first.
"""

from __future__ import annotations

import asyncio
import sys
import urllib.parse
from contextlib import AsyncExitStack
from typing import Awaitable, Callable, Iterable, Protocol

from harness import tools
from harness.context import RunContext
from harness.drivers.browser import BrowserClient, BrowserSession
from harness.drivers.browser_js import page_seed
from harness.drivers.page_setup import PageSetup
from harness.drivers.process import ManagedProcess, ReadyProbe
from harness.drivers.resources import ResourceSampler
from harness.drivers.protocol import ProtocolClient
from harness.drivers.socketio_client import SocketIOClient
from harness.drivers.toxiproxy import ProxySpec, ToxiproxyServer
from harness.drivers.ws_route import PageRouter, cut_through
from harness.drivers.ws_tracker import FrameFormat
from harness.events import JSONObject
from harness.infra import toward
from harness.plan import Plan
from harness.steps.messages import routed_pages
from harness.target import ProcessSpec, Target, fill
from harness.targets.ports import check_fixed_ports
from harness.targets.route import HTTP_SCHEME, page_route
from harness.targets.probes import probe_expression  # noqa: F401 - its old home; tests import it here


#: Pages opened (and closed) at once. Opening one is mostly waiting (context, navigation, the
#: app's socket), but each open page also costs CPU (probes), so the bound stays small.
PAGE_CONCURRENCY = 4
#: Protocol clients connecting (and closing) at once.
CONNECT_CONCURRENCY = 50


class SharedInfra(Protocol):
    """What a scenario's stack uses of the infrastructure its run shares (`harness.shared.Shared`)."""

    @property
    def toxiproxy(self) -> ToxiproxyServer: ...

    def page_host(self, index: int) -> BrowserSession: ...


async def open_stack(stack: AsyncExitStack, ctx: RunContext, plan: Plan, shared: SharedInfra) -> None:
    """Start everything the scenario needs, in dependency order."""
    target = plan.target
    ctx.values.update(_base_values(plan, ctx))
    check_fixed_ports(target)
    ctx.toxiproxy = shared.toxiproxy
    if target.static is not None:
        static = _process("static", target.static, ctx)
        stack.push_async_callback(static.stop)
        await static.start()
    ctx.server = _process("server", target.server, ctx)
    stack.push_async_callback(ctx.server.stop)
    await ctx.server.start()
    upstream = urllib.parse.urlsplit(ctx.fill(target.websocket))  # what the page dials
    # Toxiproxy may run on another host: it dials the app at this host's `--dial-host` name.
    await _open_proxies(stack, ctx, plan, shared, toward(ctx.fill(target.upstream_address), plan.options.infra.dial_host))
    await _open_clients(stack, ctx, plan, shared, upstream)
    await open_observers(stack, ctx, plan)


async def open_observers(stack: AsyncExitStack, ctx: RunContext, plan: Plan) -> None:
    """Background observers of the running system, entered after the clients so they stop first.

    The seam for monitors: one `enter_async_context` each. (A monitor that must also watch
    set-up belongs at the top of `open_stack` instead, entered before the processes.)"""
    if plan.options.sample_resources_s:  # drift detection (soak)
        await stack.enter_async_context(ResourceSampler(ctx, plan.options.sample_resources_s))


async def _open_proxies(stack: AsyncExitStack, ctx: RunContext, plan: Plan, shared: SharedInfra, upstream: str) -> None:
    """One proxy per client to `upstream` (`host:port` where the server listens), created in
    bulk; their deletion is registered before they exist."""
    prefix = f"{shared.toxiproxy.name_prefix}{ctx.values['run_key']}"  # a shared server's names carry the run id
    specs = [ProxySpec(f"{prefix}-{c.name}", upstream, c.name) for c in plan.scenario.clients]
    stack.push_async_callback(shared.toxiproxy.delete_proxies, [s.name for s in specs])
    for proxy in await shared.toxiproxy.create_proxies(specs, journal=ctx.journal):
        assert proxy.client is not None  # every spec above names its client
        ctx.proxies[proxy.client] = proxy


async def _open_clients(stack: AsyncExitStack, ctx: RunContext, plan: Plan, shared: SharedInfra,
                        upstream: urllib.parse.SplitResult) -> None:
    """Build every client (registered in `ctx` in scenario order), then open them concurrently, bounded."""
    setup = PageSetup(plan.target.setup, ctx.journal, dict(ctx.values)) if plan.target.setup else None
    browsers = [_browser(ctx, plan, shared.page_host(i), c.name, upstream, setup)
                for i, c in enumerate(c for c in plan.scenario.clients if c.kind == "browser")]
    remote = plan.options.infra.toxiproxy_url is not None
    protocol = [_protocol(ctx, c.name, upstream, remote) for c in plan.scenario.clients if c.kind != "browser"]
    for client in browsers:
        ctx.browsers[client.name] = client
    for peer in protocol:
        ctx.protocol[peer.name] = peer
    # Closed in bulk at teardown, whether or not they opened (close is idempotent).
    stack.push_async_callback(bounded, CONNECT_CONCURRENCY, [c.close for c in protocol])
    stack.push_async_callback(bounded, PAGE_CONCURRENCY, [c.close for c in browsers])
    await asyncio.gather(bounded(PAGE_CONCURRENCY, [c.open for c in browsers], fail_fast=True),
                         bounded(CONNECT_CONCURRENCY, [c.connect for c in protocol], fail_fast=True))


async def bounded(limit: int, calls: Iterable[Callable[[], Awaitable[object]]], fail_fast: bool = False) -> None:
    """Run `calls` at most `limit` at a time, all of them; the first failure is raised at the end.

    `fail_fast`: the first failure cancels the calls still running or waiting (set-up: nothing
    more should start once the scenario cannot run); without it every call runs (teardown)."""
    slots = asyncio.Semaphore(limit)

    async def one(call: Callable[[], Awaitable[object]]) -> None:
        async with slots:
            await call()

    tasks = [asyncio.ensure_future(one(call)) for call in calls]
    if not tasks:
        return
    try:
        if fail_fast:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        else:
            await asyncio.wait(tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]


def _base_values(plan: Plan, ctx: RunContext) -> JSONObject:
    values: JSONObject = {
        "python": sys.executable, "root": str(plan.target.root), "run_dir": str(ctx.scenario_dir.resolve()),
        "time_scale": f"{plan.time.factor:g}", "bugs.server": ",".join(plan.server_bugs),
        "bugs.client": ",".join(plan.client_bugs), "seed": plan.seed,
        "run_key": f"{plan.scenario.name}-{tools.free_port()}",
    }
    values.update({f"port.{p}": plan.target.fixed_ports.get(p) or tools.free_port() for p in plan.target.ports})
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
        probe = ReadyProbe(tcp=(host.removeprefix("[").removesuffix("]"), int(port)))  # [::1]: IPv6
    else:
        assert ready.log is not None  # the target loader requires http, tcp or log
        probe = ReadyProbe(log_line=ctx.fill(ready.log))
    return ManagedProcess(name, argv, journal=ctx.journal, cwd=cwd, env=env, ready=probe,
                          ready_timeout_s=spec.ready_timeout.seconds, stop_grace_s=spec.stop_grace.seconds)


def _proxy_origin(ctx: RunContext, name: str, upstream: urllib.parse.SplitResult) -> str:
    proxy = ctx.proxies[name]
    return f"{upstream.scheme}://{proxy.host}:{proxy.port}"


def _browser(ctx: RunContext, plan: Plan, session: BrowserSession, name: str,
             upstream: urllib.parse.SplitResult, setup: PageSetup | None) -> BrowserClient:
    target = plan.target
    storage = str((target.root / ctx.fill(target.storage_state)).resolve()) if target.storage_state else None
    ws_url = ctx.fill(target.websocket)
    page_url = fill(ctx.fill(target.page), {"ws_url": urllib.parse.quote(ws_url, safe=""), "client": name})
    page_url = toward(page_url, plan.options.infra.dial_host)  # the browser may run on another host
    origin = f"{upstream.scheme}://{upstream.netloc}"
    proxy = ctx.proxies[name]
    route = page_route(target.route, page_url, ws_url, f"{proxy.host}:{proxy.port}")
    client = BrowserClient(session, name, ctx.journal, route.page_url,
                         ws_rewrite=(origin, _proxy_origin(ctx, name, upstream)),
                         http_rewrite=(route.http_from, route.http_to) if route.http_from and route.http_to else None,
                         probe_js=probe_expression(target), probe_interval_s=target.probe_interval.seconds,
                         # The filmstrip only when asked for: failures get the harness's own screenshots.
                         trace=plan.options.artifacts != "never", trace_screenshots=plan.options.artifacts == "always",
                         proxy=ctx.proxies[name].name,
                         frame_format=frame_format(target), socket_state="state" not in target.probes,
                         setup=setup, init_scripts=target.init_scripts, storage_state=storage,
                         random_seed=page_seed(plan.seed, name) if target.seed_random else None,
                         page_random=page_random(target),
                         resources=tuple((url, str((target.root / file).resolve())) for url, file in target.resources.items()),
                         states=target.states)
    if name in routed_pages(plan.scenario.clients, plan.scenario.steps):  # message faults act on its frames (drivers/ws_route.py)
        client.router = PageRouter(name, ctx.journal, origin, frame_format=frame_format(target),
                                   cut=cut_through(ctx.proxies[name]), also=(_proxy_origin(ctx, name, upstream),))
    return client


def page_random(target: Target) -> str:
    """Whether `--seed` replays the page's own randomness (what `backoff` tells about a replay):
    `seeded` (Math.random seeded by the harness), `seed_in_url` (the app gets `{seed}`), `unseeded`."""
    if target.seed_random:
        return "seeded"
    return "seed_in_url" if "{seed}" in target.page else "unseeded"


def _protocol(ctx: RunContext, name: str, upstream: urllib.parse.SplitResult, remote: bool) -> ProtocolClient:
    """`remote`: the proxies are on a Toxiproxy elsewhere (`--toxiproxy`), dialled by its host;
    a Toxiproxy of this run's own is dialled on loopback, whatever `--dial-host` tells other hosts."""
    proto = ctx.target.protocol
    host = ctx.proxies[name].host if remote else "127.0.0.1"
    url = urllib.parse.urlunsplit(upstream._replace(
        netloc=f"{host}:{ctx.proxies[name].port}",
        query=fill(proto.query, {"client": name}) if proto.query else upstream.query))
    if proto.client == "socketio":  # its handshake is HTTP long-polling: the same origin, spelled http(s)
        parts = urllib.parse.urlsplit(url)
        http_url = urllib.parse.urlunsplit(parts._replace(scheme=HTTP_SCHEME.get(parts.scheme, parts.scheme)))
        return SocketIOClient(name, http_url, ctx.journal, ack_type=proto.ack_type, proxy=ctx.proxies[name].name,
                              frame_format=frame_format(ctx.target))
    return ProtocolClient(name, url, ctx.journal, proxy=ctx.proxies[name].name, frame_format=frame_format(ctx.target),
                          remote_ok=remote)


def frame_format(target: Target) -> FrameFormat:
    """The journal records each frame's `type` and `id` from the target's own field names."""
    return FrameFormat(target.protocol.type_field, target.protocol.id_field)
