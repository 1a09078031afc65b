"""What of a page's traffic goes through its client's Toxiproxy path (the target's `route`).

`websocket`: only the app's WebSocket (its URL starts with `websocket`'s `scheme://host:port`) is
sent to the proxy; the page and any HTTP request (long-polling, fetch, EventSource) go straight
to the server, so a `down` does not cut them. `origin`: everything the page sends to the socket's
origin (`http(s)://host:port` of `websocket`) goes through the proxy, as a real network fault
would cut it: a page served from that origin is opened at the proxy's address (so its relative
URLs, long-polling included, reach the proxy and stay same-origin), and absolute `http(s)` URLs
naming that origin are rewritten in the page (XHR, fetch, EventSource), as WebSocket URLs are.
`auto` (the default) is `origin` when the page is served from the socket's origin (a Socket.IO
server, a FastAPI app with its page), else `websocket` (a page from a dev or static server,
whose fetches to other origins the target did not ask to cut).

Pure: strings in, strings out.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Literal

Route = Literal["auto", "origin", "websocket"]
HTTP_SCHEME = {"ws": "http", "wss": "https"}


@dataclass(frozen=True)
class PageRoute:
    """How one client's page reaches the app: the URL it opens, and the HTTP origin rewritten
    in the page (`http_from` -> `http_to`; None: HTTP requests are left alone)."""

    page_url: str
    http_from: str | None = None
    http_to: str | None = None

    @property
    def origin(self) -> bool:
        return self.http_from is not None


def origin_of(url: str) -> str:
    """`scheme://host:port` of a URL, a WebSocket URL spelled with its HTTP scheme."""
    parts = urllib.parse.urlsplit(url)
    return f"{HTTP_SCHEME.get(parts.scheme, parts.scheme)}://{parts.netloc}"


def same_origin(page_url: str, ws_url: str) -> bool:
    """Whether the page is served from the origin its socket dials (as written)."""
    return origin_of(page_url) == origin_of(ws_url)


def page_route(route: Route, page_url: str, ws_url: str, proxy_netloc: str) -> PageRoute:
    """The route of one client: `page_url` and `ws_url` filled as the target gives them,
    `proxy_netloc` the client's proxy listener (`127.0.0.1:41234`)."""
    shared = same_origin(page_url, ws_url)
    if route == "websocket" or (route == "auto" and not shared):
        return PageRoute(page_url)
    app = origin_of(ws_url)
    proxied = f"{app.split('://', 1)[0]}://{proxy_netloc}"
    if shared:
        page_url = proxied + page_url[len(app):]
    return PageRoute(page_url, app, proxied)
