"""After a scenario's teardown: did it leave anything behind? A process it started still alive,
or a proxy of its own still in Toxiproxy. Each finding is a harness error of that scenario (the
run owner passes them to `harness.conclude`); what was left is killed or deleted on the spot.

Scoped to what the scenario's own journal says it created (its `proc.start` pids, its
`proxy.create` names), so scenarios running side by side in lanes never blame each other.
"""

from __future__ import annotations

from harness.drivers import reaper
from harness.drivers.toxiproxy import ToxiproxyServer
from harness.journal import Event
from harness.shared import Shared


async def left_behind(shared: Shared | None, events: list[Event]) -> list[str]:
    """Everything the scenario left behind (processes, then its proxies while Toxiproxy lives)."""
    problems = leaked_processes(events)
    if shared is not None and shared.broken() is None:
        try:
            problems += await leaked_proxies(shared.toxiproxy, events)
        except Exception as exc:  # noqa: BLE001 - a dead Toxiproxy is named before the next scenario
            problems.append(f"could not verify Toxiproxy after the scenario: {exc}")
    return problems


def leaked_processes(events: list[Event]) -> list[str]:
    """Processes the scenario started that are still alive: killed now, one line each."""
    started = {e.get("pid"): e.get("name") for e in events if e.get("kind") == "proc.start"}
    problems = []
    for pgid, name in reaper.live_groups().items():
        if pgid in started:
            reaper.kill_group(pgid, 9)
            reaper.unregister(pgid)
            problems.append(f"process {name!r} (pid {pgid}) was still alive after teardown; killed it")
    return problems


async def leaked_proxies(toxiproxy: ToxiproxyServer, events: list[Event]) -> list[str]:
    """The scenario's proxies still in Toxiproxy: deleted now, one line for all of them."""
    mine = {e.get("proxy") for e in events if e.get("kind") == "proxy.create"}
    left = {name: p for name, p in (await toxiproxy.proxies()).items() if name in mine}
    if not left:
        return []
    toxics = sum(len(p.get("toxics") or []) for p in left.values())
    disabled = sum(1 for p in left.values() if not p.get("enabled", True))
    await toxiproxy.delete_proxies(sorted(left))
    return [f"Toxiproxy still held {len(left)} proxy(ies) of this scenario after teardown ({toxics} toxic(s), "
            f"{disabled} disabled): a fault was not reverted or a proxy not deleted (deleted them now)"]
