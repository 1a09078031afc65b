"""Network faults through Toxiproxy, one proxy per client: down, latency, bandwidth, ...

Each fault applies to the proxies of the selected clients (`clients:`, default all), in the
chosen direction (`stream`: downstream = server to client, upstream = client to server, or
both), and undoes itself after `for:` or at the end of the run. `restore` undoes early.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from harness.steps.base import Envelope, Step, steps
from harness.units import Duration

Stream = Literal["downstream", "upstream", "both"]


class ToxicFault(Step):
    """A fault made of one Toxiproxy toxic per proxy and direction."""

    client_kinds: ClassVar[tuple[str, ...]] = ("browser", "protocol")
    revertible: ClassVar[bool] = True
    toxic_type: ClassVar[str] = ""
    note: ClassVar[str] = ""

    def attributes(self) -> dict[str, Any]:  # pragma: no cover - interface
        raise NotImplementedError

    def streams(self) -> list[str]:
        stream = getattr(self, "stream", "downstream")
        return ["downstream", "upstream"] if stream == "both" else [stream]

    async def run(self, ctx, env: Envelope) -> None:
        names = ctx.select(env.clients or "all", self.client_kinds)
        fault_id = f"f{ctx.next_number()}"
        applied: list[tuple[Any, str]] = []

        async def undo() -> None:
            for proxy, toxic in reversed(applied):
                await proxy.remove_toxic(toxic)
            ctx.journal.record("fault.revert", fault_id=fault_id, fault=self.registered_name,
                               clients=names, note=self.note)

        ctx.on_revert(f"{self.registered_name} on {', '.join(names)}", undo)
        ctx.journal.record("fault.apply", fault_id=fault_id, fault=self.registered_name, clients=names,
                           proxies=[ctx.proxies[n].name for n in names],
                           stream=getattr(self, "stream", "downstream"), params=self.params())
        for n in names:
            for stream in self.streams():
                toxic = await ctx.proxies[n].add_toxic(self.toxic_type, stream, self.attributes(),
                                                       name=f"{self.registered_name}-{fault_id}-{stream}")
                applied.append((ctx.proxies[n], toxic))


@steps.register("latency")
@dataclass(frozen=True)
class Latency(ToxicFault):
    """Delay every chunk of data by `latency` (+/- `jitter`)."""

    primary: ClassVar[str] = "latency"
    toxic_type: ClassVar[str] = "latency"
    latency: Duration
    jitter: Duration = Duration(0.0)
    stream: Stream = "downstream"

    def attributes(self) -> dict[str, Any]:
        return {"latency": int(self.latency.ms), "jitter": int(self.jitter.ms)}


@steps.register("bandwidth")
@dataclass(frozen=True)
class Bandwidth(ToxicFault):
    """Limit throughput to `rate_kbps` kilobytes per second."""

    primary: ClassVar[str] = "rate_kbps"
    toxic_type: ClassVar[str] = "bandwidth"
    rate_kbps: int
    stream: Stream = "downstream"

    def attributes(self) -> dict[str, Any]:
        return {"rate": self.rate_kbps}


@steps.register("blackhole")
@dataclass(frozen=True)
class Blackhole(ToxicFault):
    """Stop all data; with `timeout` > 0 close the connection after that long (Toxiproxy `timeout`)."""

    toxic_type: ClassVar[str] = "timeout"
    note: ClassVar[str] = "removing a timeout toxic closes the connections it held: the blackhole ended as a close"
    timeout: Duration = Duration(0.0)
    stream: Stream = "both"

    def attributes(self) -> dict[str, Any]:
        return {"timeout": int(self.timeout.ms)}


@steps.register("reset_peer")
@dataclass(frozen=True)
class ResetPeer(ToxicFault):
    """Reset connections (TCP RST) after `timeout` of data (0 = at once)."""

    toxic_type: ClassVar[str] = "reset_peer"
    timeout: Duration = Duration(0.0)
    stream: Stream = "downstream"

    def attributes(self) -> dict[str, Any]:
        return {"timeout": int(self.timeout.ms)}


@steps.register("slow_close")
@dataclass(frozen=True)
class SlowClose(ToxicFault):
    """Delay the TCP close by `delay`."""

    primary: ClassVar[str] = "delay"
    toxic_type: ClassVar[str] = "slow_close"
    delay: Duration
    stream: Stream = "downstream"

    def attributes(self) -> dict[str, Any]:
        return {"delay": int(self.delay.ms)}


@steps.register("slicer")
@dataclass(frozen=True)
class Slicer(ToxicFault):
    """Slice data into small chunks (`average_size` bytes, +/- `size_variation`) with `delay` between them."""

    toxic_type: ClassVar[str] = "slicer"
    average_size: int = 16
    size_variation: int = 8
    delay: Duration = Duration(0.001)
    stream: Stream = "downstream"

    def attributes(self) -> dict[str, Any]:
        return {"average_size": self.average_size, "size_variation": self.size_variation,
                "delay": int(self.delay.ms * 1000)}  # Toxiproxy takes microseconds here


@steps.register("limit_data")
@dataclass(frozen=True)
class LimitData(ToxicFault):
    """Close the connection after `bytes` bytes have passed."""

    primary: ClassVar[str] = "bytes"
    toxic_type: ClassVar[str] = "limit_data"
    bytes: int
    stream: Stream = "downstream"

    def attributes(self) -> dict[str, Any]:
        return {"bytes": self.bytes}


@steps.register("down")
@dataclass(frozen=True)
class Down(Step):
    """Take the client's network path down: the proxy is disabled, open connections drop, new ones are refused."""

    client_kinds: ClassVar[tuple[str, ...]] = ("browser", "protocol")
    revertible: ClassVar[bool] = True

    async def run(self, ctx, env: Envelope) -> None:
        names = ctx.select(env.clients or "all", self.client_kinds)
        fault_id = f"f{ctx.next_number()}"

        async def undo() -> None:
            for n in names:
                await ctx.proxies[n].enable()
            ctx.journal.record("fault.revert", fault_id=fault_id, fault="down", clients=names, note="")

        ctx.on_revert(f"down on {', '.join(names)}", undo)
        ctx.journal.record("fault.apply", fault_id=fault_id, fault="down", clients=names,
                           proxies=[ctx.proxies[n].name for n in names], stream="both", params={})
        for n in names:
            await ctx.proxies[n].disable()


@steps.register("restore")
@dataclass(frozen=True)
class Restore(Step):
    """Undo every fault still active (network, server pause, browser state), newest first."""

    async def run(self, ctx, env: Envelope) -> None:
        for pending in reversed(ctx.reverts):
            await pending.run()
