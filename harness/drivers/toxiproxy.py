"""The Toxiproxy adapter: the only module that imports `toxiproxy` (toxiproxy-python).

`ToxiproxyServer` runs the real `toxiproxy-server` on a free loopback port and talks to its
HTTP API; `Proxy` is the thin handle faults are built on (add/remove toxics, disable/enable).

toxiproxy-python is synchronous, has no request timeout, and keeps the API address as class
attributes of `APIConsumer` (global state). Every call therefore runs in a worker thread
under a deadline (`within(..., asyncio.to_thread(...))`, see harness/aio.py) and under one lock that also
points `APIConsumer` at this server, so two servers in one process cannot mix up calls.

Findings on toxiproxy-server v2.12 (checked against the real binary):
- `POST /proxies/{name}` with only `{"enabled": false}` works: the server fills the other
  fields from the existing proxy (it logs that POST is deprecated in favour of PATCH). So
  toxiproxy-python's enable/disable is used as is.
- A proxy created with `listen: 127.0.0.1:0` reports its real port, and re-enabling it binds
  that same port again, so a client reconnects to the address it knew.
- A binary built from the Go module reports its version as `git`.
- toxiproxy-python's `create()` lists every proxy (`GET /proxies`) before each `POST`, so
  creating N proxies costs O(N^2) (1,000 took 11 s, each quarter slower than the last).
  `create_proxy` posts once; `create_proxies` lists once and sends `POST /populate` in
  batches. `/populate` replaces a proxy of the same name and, inside one request, creates a
  duplicate name twice (the first one disabled); on an error it keeps the proxies it already
  made and names them in its answer. So names are checked first, and a failed batch's proxies
  are deleted before the error is raised.
- Bulk calls (`/populate`, deleting many) use their own HTTP session aimed at this server, so
  they need neither `APIConsumer`'s class attributes nor the lock; each batch still runs in a
  worker thread under a deadline.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, ParamSpec, Sequence, TypeVar

import requests

from toxiproxy import Toxiproxy as _TPClient
from toxiproxy.api import APIConsumer as _APIConsumer
from toxiproxy.exceptions import InvalidToxic, NotFound, ProxyExists
from toxiproxy.proxy import Proxy as _TPProxy

from harness.aio import within
from harness.drivers.chromium import exit_words
from harness.drivers.process import ManagedProcess, ReadyProbe
from harness.errors import InfrastructureError, ProcessError
from harness.events import JSONObject
from harness.journal import Journal
from harness.tools import free_port

T = TypeVar("T")
P = ParamSpec("P")

STREAMS = ("upstream", "downstream")  # upstream = client -> server, downstream = server -> client

_api_lock = threading.Lock()
#: Proxies per `POST /populate` request: 1,000 at once take ~0.1 s, so a batch stays far
#: inside the API deadline even on a loaded machine.
POPULATE_BATCH = 250
#: Concurrent DELETE batches at teardown (each batch runs in one worker thread).
DELETE_LANES = 4
DELETE_BATCH = 50


@dataclass(frozen=True)
class ProxySpec:
    """One proxy to create: its name, `upstream` (host:port) and the client it serves."""

    name: str
    upstream: str
    client: str | None = None


def _exists(name: str) -> InfrastructureError:
    return InfrastructureError(f"Toxiproxy proxy {name!r} already exists: delete it or pick another name")


def _error_text(resp: requests.Response) -> str:
    try:
        return str(resp.json().get("error") or resp.text)
    except ValueError:
        return f"HTTP {resp.status_code} {resp.text[:200]}"


def _delete(http: requests.Session, url: str, timeout_s: float) -> None:
    resp = http.delete(url, timeout=timeout_s)
    if resp.status_code not in (204, 404):
        raise InfrastructureError(f"Toxiproxy could not delete {url.rsplit('/', 1)[1]!r}: {_error_text(resp)}")


def _delete_all(http: requests.Session, urls: list[str], timeout_s: float) -> None:
    for url in urls:
        _delete(http, url, timeout_s)


class Proxy:
    """One Toxiproxy proxy: `listen` (host:port clients connect to) -> `upstream`."""

    def __init__(self, server: "ToxiproxyServer", raw: _TPProxy, client: str | None, journal: Journal) -> None:
        self._server = server
        self._raw = raw
        self.name: str = raw.name
        self.upstream: str = raw.upstream
        self.listen: str = raw.listen
        self.client = client
        self.journal = journal
        self.deleted = False

    @property
    def host(self) -> str:
        """The host clients dial: the server's `dial_host` when it has one (a proxy listening on
        every interface reports `[::]`), else the host part of the listen address."""
        return self._server.dial_host or self.listen.rsplit(":", 1)[0]

    @property
    def port(self) -> int:
        """Port clients connect to."""
        return int(self.listen.rsplit(":", 1)[1])

    async def add_toxic(
        self, type: str, stream: str = "downstream", attributes: JSONObject | None = None,
        toxicity: float = 1.0, name: str | None = None,
    ) -> str:
        """Add a toxic and return its name (default `<type>_<stream>`)."""
        if stream not in STREAMS:
            raise ValueError(f"unknown stream {stream!r}: expected 'upstream' or 'downstream'")
        toxic_name = name or f"{type}_{stream}"
        try:
            await self._server._call(
                self._raw.add_toxic, type=type, stream=stream, toxicity=toxicity,
                attributes=dict(attributes or {}), name=toxic_name,
            )
        except InvalidToxic as exc:  # Toxiproxy knows its toxic types: no second list here
            raise ValueError(f"Toxiproxy refused toxic {toxic_name!r} of type {type!r}: {_refusal(exc)}") from None
        return toxic_name

    async def remove_toxic(self, name: str) -> None:
        """Remove a toxic; a toxic that is already gone is not an error."""
        try:
            await self._server._call(self._raw.destroy_toxic, name)
        except NotFound:
            pass

    async def toxics(self) -> list[JSONObject]:
        """The proxy's toxics as the server reports them."""
        raw = await self._server._call(self._raw.toxics)
        return [vars(t) for t in raw.values()]

    async def disable(self) -> None:
        """Take the proxy down: close its connections and refuse new ones."""
        await self._server._call(self._raw.disable)

    async def enable(self) -> None:
        """Bring the proxy back on the same listen address."""
        await self._server._call(self._raw.enable)

    async def delete(self) -> None:
        """Delete the proxy (closes its connections); idempotent."""
        if self.deleted:
            return
        self.deleted = True
        try:
            await self._server._call(self._raw.destroy)
        except NotFound:
            pass

    close = delete

    async def __aenter__(self) -> "Proxy":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.delete()


def _refusal(exc: Exception) -> str:
    """Toxiproxy's own reason from its JSON error body (`invalid toxic type`), else the text."""
    text = exc.args[0] if exc.args else exc
    raw = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    try:
        return str(json.loads(raw).get("error") or raw.strip())
    except (ValueError, AttributeError):
        return raw.strip()


class ToxiproxyServer:
    """A real toxiproxy-server on a free loopback port, owned by this object."""

    def __init__(
        self, binary: str | Path, journal: Journal, *, host: str = "127.0.0.1",
        api_timeout_s: float = 5.0, ready_timeout_s: float = 10.0,
    ) -> None:
        self.binary = Path(binary)
        self.journal = journal
        self.host = host
        self.port: int | None = None
        self.api_timeout_s = api_timeout_s
        self.ready_timeout_s = ready_timeout_s
        self.version: str | None = None
        self.process: ManagedProcess | None = None
        #: Put before every proxy name a scenario makes (an existing server names this run's proxies).
        self.name_prefix = ""
        #: Where proxies listen (`host`, or 0.0.0.0 when clients on other hosts dial them) and the
        #: host those clients dial (None: the listen address as the server reports it).
        self.listen_host = host
        self.dial_host: str | None = None
        self._client = _TPClient()

    @property
    def api(self) -> str:
        """`host:port` of the HTTP API."""
        return f"{self.host}:{self.port}"

    async def start(self) -> "ToxiproxyServer":
        """Start the server (retrying on a port race) and wait for `GET /version`."""
        for attempt in range(3):
            self.port = free_port(self.host)
            self.process = ManagedProcess(
                "toxiproxy", [str(self.binary), "-host", self.host, "-port", str(self.port)],
                journal=self.journal, env={"LOG_LEVEL": "info"},  # debug logs every API call
                # A TCP probe: the HTTP probe may send a browser User-Agent, which Toxiproxy answers
                # with 403 (its stopBrowsersMiddleware); `GET /version` below proves the API.
                ready=ReadyProbe(tcp=(self.host, self.port)), ready_timeout_s=self.ready_timeout_s,
                stop_grace_s=3.0,
            )
            try:
                await self.process.start()
                break
            except ProcessError as exc:
                if attempt == 2 or "address already in use" not in str(exc):
                    raise
        process = self.process
        assert process is not None  # the loop above started it or raised
        try:
            self.version = await self._call(self._read_version)
        except BaseException:
            await process.stop()
            raise
        self.journal.record("toxiproxy.start", pid=process.pid, api=self.api, version=self.version)
        return self

    def gone(self) -> tuple[str, str, float | None] | None:
        """(part, why, since) once the server cannot be used any more; None while it can."""
        proc = self.process
        if proc is None or proc.running:
            return None
        how = exit_words(proc.returncode)
        return ("toxiproxy-server", f"toxiproxy-server (pid {proc.pid}) exited{' ' + how if how else ''}",
                proc.exited_at)

    async def restart(self) -> None:
        """Start the server again after `gone` said it died."""
        await self.stop()
        await self.start()

    def _read_version(self) -> str:
        with urllib.request.urlopen(f"http://{self.api}/version", timeout=self.api_timeout_s) as resp:
            return str(json.loads(resp.read().decode()).get("version", "unknown"))

    async def _call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run one blocking toxiproxy-python call against this server, under a deadline."""
        if self.port is None:
            raise InfrastructureError("toxiproxy-server is not running: start it before creating proxies")

        def locked() -> T:
            if not _api_lock.acquire(timeout=self.api_timeout_s):
                raise TimeoutError("another Toxiproxy API call is stuck")
            try:
                _APIConsumer.host, _APIConsumer.port = self.host, self.port
                return fn(*args, **kwargs)
            finally:
                _api_lock.release()

        try:
            return await within(self.api_timeout_s, asyncio.to_thread(locked))
        except (NotFound, InvalidToxic, ProxyExists):
            raise
        except (asyncio.TimeoutError, TimeoutError) as exc:
            raise InfrastructureError(
                f"Toxiproxy API at {self.api} did not answer within {self.api_timeout_s:g}s: "
                "check the toxiproxy log lines in the journal"
            ) from exc
        except OSError as exc:
            raise InfrastructureError(f"Toxiproxy API at {self.api} failed: {exc}") from exc

    async def create_proxy(
        self, name: str, upstream: str, client: str | None = None, journal: Journal | None = None
    ) -> Proxy:
        """Create a proxy listening on 127.0.0.1:<free port> towards `upstream` (host:port).

        One `POST /proxies` (a taken name answers 409); toxiproxy-python's `create()` would
        list every proxy first."""
        body = {"name": name, "upstream": upstream, "listen": f"{self.listen_host}:0", "enabled": True}
        try:
            resp = await self._call(_APIConsumer.post, "/proxies", json=body, timeout=self.api_timeout_s)
        except ProxyExists:
            raise _exists(name) from None
        if resp.status_code != 201:
            raise InfrastructureError(f"Toxiproxy could not create proxy {name!r}: {_error_text(resp)}")
        return self._made(resp.json(), ProxySpec(name, upstream, client), journal)

    async def create_proxies(self, specs: Sequence[ProxySpec], journal: Journal | None = None) -> list[Proxy]:
        """Create many proxies: one `GET /proxies`, then `POST /populate` per batch of 250.

        Linear in the number of proxies. Records `proxy.create` for each, in `specs` order. A
        taken or repeated name is refused before anything is created; a batch that fails has
        its proxies deleted before the error is raised (the earlier batches are returned to
        nobody, so they are deleted too)."""
        names = [s.name for s in specs]
        repeated = sorted(n for n, count in Counter(names).items() if count > 1)
        if repeated:
            raise InfrastructureError(f"proxy names must be unique, {', '.join(map(repr, repeated))} repeated")
        taken = set(names) & set(await self.proxies())
        if taken:
            raise _exists(sorted(taken)[0])
        made: list[Proxy] = []
        try:
            for i in range(0, len(specs), POPULATE_BATCH):
                batch = specs[i:i + POPULATE_BATCH]
                for spec, raw in zip(batch, await self._populate(batch)):
                    made.append(self._made(raw, spec, journal))
        except BaseException:
            await self.delete_proxies(names)  # whatever a failed or cancelled call left behind
            raise
        return made

    async def _populate(self, batch: Sequence[ProxySpec]) -> list[JSONObject]:
        body: list[JSONObject] = [{"name": s.name, "upstream": s.upstream, "listen": f"{self.listen_host}:0", "enabled": True}
                                  for s in batch]
        resp = await self._bulk(lambda http: http.post(f"{self._base}/populate", json=body, timeout=self.api_timeout_s))
        if resp.status_code != 201:
            raise InfrastructureError(f"Toxiproxy could not create {len(batch)} proxies: {_error_text(resp)}")
        by_name = {p["name"]: p for p in resp.json().get("proxies") or []}
        missing = [s.name for s in batch if s.name not in by_name]
        if missing:
            raise InfrastructureError(f"Toxiproxy's /populate did not create {', '.join(missing[:5])}")
        return [by_name[s.name] for s in batch]

    def _made(self, raw: JSONObject, spec: ProxySpec, journal: Journal | None) -> Proxy:
        proxy = Proxy(self, _TPProxy(**raw), spec.client, journal or self.journal)
        proxy.journal.record("proxy.create", proxy=spec.name, client=spec.client, listen=proxy.listen,
                             upstream=spec.upstream)
        return proxy

    async def delete_proxies(self, proxies: Iterable[str | Proxy]) -> None:
        """Delete proxies (names or `Proxy` handles) concurrently; a proxy already gone is fine.

        Used at teardown and by the run owner's clean-up of a scenario's leftovers."""
        names = []
        for p in proxies:
            if isinstance(p, Proxy):
                if p.deleted:
                    continue
                p.deleted = True
                names.append(p.name)
            else:
                names.append(p)
        lanes = asyncio.Semaphore(DELETE_LANES)

        async def one_batch(batch: list[str]) -> None:
            async with lanes:
                await self._bulk(lambda http: _delete_all(http, [f"{self._base}/proxies/{n}" for n in batch],
                                                          self.api_timeout_s))

        await asyncio.gather(*(one_batch(names[i:i + DELETE_BATCH]) for i in range(0, len(names), DELETE_BATCH)))

    @property
    def _base(self) -> str:
        return f"http://{self.api}"

    async def _bulk(self, fn: Callable[[requests.Session], T]) -> T:
        """One bulk request (or a short series) in a worker thread, with its own session and a deadline."""
        if self.port is None:
            raise InfrastructureError("toxiproxy-server is not running: start it before creating proxies")

        def run() -> T:
            with requests.Session() as http:
                return fn(http)

        try:
            return await within(self.api_timeout_s + 1.0, asyncio.to_thread(run))
        except (asyncio.TimeoutError, TimeoutError, requests.Timeout) as exc:
            raise InfrastructureError(
                f"Toxiproxy API at {self.api} did not answer within {self.api_timeout_s:g}s: "
                "check the toxiproxy log lines in the journal"
            ) from exc
        except (OSError, requests.RequestException) as exc:
            raise InfrastructureError(f"Toxiproxy API at {self.api} failed: {exc}") from exc

    async def proxies(self) -> dict[str, JSONObject]:
        """Every proxy with its toxics, as `GET /proxies` returns them."""
        return await self._call(lambda: _APIConsumer.get("/proxies").json())

    async def reset(self) -> None:
        """Re-enable every proxy and remove every toxic."""
        await self._call(self._client.reset)

    async def verify_clean(self, journal: Journal | None = None) -> tuple[int, int]:
        """Count toxics and disabled proxies left; records `toxiproxy.verify`."""
        proxies = await self.proxies()
        toxics_left = sum(len(p.get("toxics") or []) for p in proxies.values())
        disabled_left = sum(1 for p in proxies.values() if not p.get("enabled", True))
        (journal or self.journal).record(
            "toxiproxy.verify", proxies=len(proxies), toxics=toxics_left, disabled=disabled_left
        )
        return toxics_left, disabled_left

    async def stop(self) -> None:
        """Stop the server (its proxies and their connections go with it); idempotent."""
        if self.process is not None:
            await self.process.stop()

    close = stop

    async def __aenter__(self) -> "ToxiproxyServer":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
