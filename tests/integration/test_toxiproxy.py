"""The Toxiproxy adapter against the real toxiproxy-server and a TCP echo server."""

from __future__ import annotations

import asyncio
import time

import pytest

from harness.drivers.toxiproxy import ProxySpec, ToxiproxyServer
from harness.errors import InfrastructureError
from harness.journal import Journal, of_kind
from harness.tools import find_toxiproxy


async def roundtrip(port: int, payload: bytes, timeout: float) -> tuple[bytes, float]:
    """Send `payload` through 127.0.0.1:port and read it back; returns (data, seconds)."""
    started = time.monotonic()
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        writer.write(payload)
        await writer.drain()
        data = await asyncio.wait_for(reader.readexactly(len(payload)), timeout)
    finally:
        writer.close()
    return data, time.monotonic() - started


async def test_start_records_version_and_api():
    """Starting the server records toxiproxy.start with pid, api and version; stop is idempotent."""
    journal = Journal()
    server = ToxiproxyServer(find_toxiproxy(), journal)
    async with server:
        event = next(of_kind(journal.events, "toxiproxy.start"))
        assert event["api"] == server.api and event["pid"] == server.process.pid
        assert event["version"] == server.version
    await server.stop()
    assert not server.process.running


async def test_proxy_passes_traffic(wschaos_proxy, tcp_echo, wschaos_journal, scaled):
    """A new proxy listens on a real loopback port and forwards to its upstream."""
    proxy = await wschaos_proxy("echo_pass", tcp_echo.address, client="p0")
    assert proxy.host == "127.0.0.1" and proxy.port > 0
    data, _ = await roundtrip(proxy.port, b"hello", scaled(5))
    assert data == b"hello"
    event = next(of_kind(wschaos_journal.events, "proxy.create"))
    assert event == {**event, "proxy": "echo_pass", "client": "p0", "listen": proxy.listen,
                     "upstream": tcp_echo.address}


async def test_latency_toxic_delays(wschaos_proxy, tcp_echo, scaled):
    """A 300 ms downstream latency toxic delays the echo by at least 300 ms; removing it restores speed."""
    proxy = await wschaos_proxy("echo_latency", tcp_echo.address)
    name = await proxy.add_toxic("latency", "downstream", {"latency": 300})
    assert name == "latency_downstream"
    _, slow = await roundtrip(proxy.port, b"x", scaled(5))
    assert slow >= 0.3
    await proxy.remove_toxic(name)
    await proxy.remove_toxic(name)  # already gone: not an error
    _, fast = await roundtrip(proxy.port, b"x", scaled(5))
    assert fast < 0.2


async def test_disable_cuts_and_refuses_then_enable_same_port(wschaos_proxy, tcp_echo, scaled):
    """disable() cuts open connections and refuses new ones; enable() listens on the same port again."""
    proxy = await wschaos_proxy("echo_down", tcp_echo.address)
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    await proxy.disable()
    assert await asyncio.wait_for(reader.read(10), scaled(5)) == b""  # EOF: the connection was cut
    writer.close()
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", proxy.port)
    await proxy.enable()
    data, _ = await roundtrip(proxy.port, b"back", scaled(5))
    assert data == b"back"


async def test_timeout_zero_blackholes_and_removal_closes(wschaos_proxy, tcp_echo, scaled):
    """timeout=0 swallows data; removing the toxic closes the connection it held."""
    proxy = await wschaos_proxy("echo_blackhole", tcp_echo.address)
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    name = await proxy.add_toxic("timeout", "downstream", {"timeout": 0})
    writer.write(b"lost")
    await writer.drain()
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(reader.read(10), 0.5)
    await proxy.remove_toxic(name)
    assert await asyncio.wait_for(reader.read(10), scaled(5)) == b""  # stall, then close
    writer.close()


async def test_reset_peer_resets(wschaos_proxy, tcp_echo, scaled):
    """reset_peer makes new connections fail with a reset or EOF instead of an echo."""
    proxy = await wschaos_proxy("echo_reset", tcp_echo.address)
    await proxy.add_toxic("reset_peer", "upstream", {"timeout": 0})
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    writer.write(b"ping")
    try:
        await writer.drain()
        data = await asyncio.wait_for(reader.read(10), scaled(5))
    except ConnectionResetError:
        data = b""
    writer.close()
    assert data == b""


async def test_verify_clean_and_reset(wschaos_toxiproxy, wschaos_proxy, tcp_echo, wschaos_journal):
    """verify_clean counts leftover toxics and disabled proxies; reset clears both."""
    proxy = await wschaos_proxy("echo_verify", tcp_echo.address)
    await proxy.add_toxic("latency", "upstream", {"latency": 10})
    await proxy.add_toxic("bandwidth", "downstream", {"rate": 100})
    await proxy.disable()
    assert await wschaos_toxiproxy.verify_clean(wschaos_journal) == (2, 1)
    await wschaos_toxiproxy.reset()
    assert await wschaos_toxiproxy.verify_clean(wschaos_journal) == (0, 0)
    events = list(of_kind(wschaos_journal.events, "toxiproxy.verify"))
    assert [(e["toxics"], e["disabled"]) for e in events] == [(2, 1), (0, 0)]


async def test_toxic_validation_messages(wschaos_proxy, tcp_echo):
    """An unknown toxic type is refused by Toxiproxy itself (the driver keeps no second list of
    types), with its reason; an unknown stream is refused with the allowed values."""
    proxy = await wschaos_proxy("echo_invalid", tcp_echo.address)
    with pytest.raises(ValueError) as info:
        await proxy.add_toxic("lag", "downstream", {})
    assert str(info.value) == "Toxiproxy refused toxic 'lag_downstream' of type 'lag': invalid toxic type"
    with pytest.raises(ValueError, match="^unknown stream 'both': expected 'upstream' or 'downstream'$"):
        await proxy.add_toxic("latency", "both", {})


async def test_duplicate_proxy_name_and_delete(wschaos_toxiproxy, wschaos_proxy, tcp_echo):
    """A duplicate proxy name is an InfrastructureError; delete() is idempotent and frees the name."""
    proxy = await wschaos_proxy("echo_dup", tcp_echo.address)
    with pytest.raises(InfrastructureError, match="^Toxiproxy proxy 'echo_dup' already exists: delete it or pick another name$"):
        await wschaos_toxiproxy.create_proxy("echo_dup", tcp_echo.address)
    await proxy.delete()
    await proxy.delete()
    assert "echo_dup" not in await wschaos_toxiproxy.proxies()


async def test_api_call_before_start_is_refused():
    """Calling the API of a server that was never started says so."""
    server = ToxiproxyServer(find_toxiproxy(), Journal())
    with pytest.raises(InfrastructureError, match="^toxiproxy-server is not running: start it before creating proxies$"):
        await server.create_proxy("x", "127.0.0.1:1")


async def test_create_proxies_in_bulk(wschaos_toxiproxy, tcp_echo, wschaos_journal, scaled):
    """create_proxies makes 300 proxies (two /populate batches) that pass traffic, one proxy.create each, in order; delete_proxies removes them."""
    specs = [ProxySpec(f"bulk_{i}", tcp_echo.address, client=f"p{i}") for i in range(300)]
    proxies = await wschaos_toxiproxy.create_proxies(specs, journal=wschaos_journal)
    try:
        assert [p.name for p in proxies] == [s.name for s in specs]
        assert [p.client for p in proxies] == [s.client for s in specs]
        assert len({p.port for p in proxies}) == 300
        for proxy in (proxies[0], proxies[-1]):
            assert (await roundtrip(proxy.port, b"bulk", scaled(5)))[0] == b"bulk"
        created = [e for e in of_kind(wschaos_journal.events, "proxy.create") if e["proxy"].startswith("bulk_")]
        assert [(e["proxy"], e["client"], e["listen"], e["upstream"]) for e in created] == [
            (p.name, p.client, p.listen, tcp_echo.address) for p in proxies]
    finally:
        await wschaos_toxiproxy.delete_proxies(proxies)
    assert not [n for n in await wschaos_toxiproxy.proxies() if n.startswith("bulk_")]
    assert all(p.deleted for p in proxies)
    await wschaos_toxiproxy.delete_proxies(proxies + [ProxySpec("bulk_gone", "x").name])  # idempotent


async def test_create_proxies_refuses_taken_and_repeated_names(wschaos_toxiproxy, wschaos_proxy, tcp_echo):
    """A name already in Toxiproxy, or given twice, is refused before any proxy is created."""
    await wschaos_proxy("bulk_taken", tcp_echo.address)
    with pytest.raises(InfrastructureError, match="^Toxiproxy proxy 'bulk_taken' already exists: delete it or pick another name$"):
        await wschaos_toxiproxy.create_proxies([ProxySpec("bulk_new", tcp_echo.address),
                                                ProxySpec("bulk_taken", tcp_echo.address)])
    with pytest.raises(InfrastructureError, match="^proxy names must be unique, 'bulk_twice' repeated$"):
        await wschaos_toxiproxy.create_proxies([ProxySpec("bulk_twice", tcp_echo.address)] * 2)
    assert {"bulk_new", "bulk_twice"}.isdisjoint(await wschaos_toxiproxy.proxies())


async def test_create_proxies_failure_leaves_nothing(wschaos_toxiproxy, tcp_echo):
    """A batch Toxiproxy rejects halfway raises and leaves none of its proxies behind."""
    specs = [ProxySpec("bulk_ok", tcp_echo.address), ProxySpec("bulk_bad", "")]
    with pytest.raises(InfrastructureError, match="^Toxiproxy could not create 2 proxies: "):
        await wschaos_toxiproxy.create_proxies(specs)
    assert {"bulk_ok", "bulk_bad"}.isdisjoint(await wschaos_toxiproxy.proxies())
