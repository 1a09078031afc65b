"""The target's `route`: which of a page's requests go through its client's proxy (pure)."""

from __future__ import annotations

from harness.targets.route import PageRoute, page_route

PROXY = "127.0.0.1:41234"


def test_auto_opens_a_same_origin_page_through_the_proxy():
    """A page served where its socket dials is opened at the proxy, path and query kept; HTTP to that origin is rewritten."""
    route = page_route("auto", "http://127.0.0.1:8000/app?scale=0.25", "ws://127.0.0.1:8000/socket.io/", PROXY)
    assert route == PageRoute("http://127.0.0.1:41234/app?scale=0.25", "http://127.0.0.1:8000", "http://127.0.0.1:41234")


def test_auto_leaves_a_cross_origin_page_alone():
    """A page from another origin (a dev server) keeps today's route: only its WebSocket is proxied."""
    assert page_route("auto", "http://localhost:5173/", "ws://127.0.0.1:8000/ws", PROXY) == PageRoute("http://localhost:5173/")


def test_origin_on_a_cross_origin_page_rewrites_its_requests_to_the_socket_origin():
    """`route: origin` keeps the page where it is and sends its requests to the app's origin through the proxy."""
    route = page_route("origin", "http://localhost:5173/", "wss://127.0.0.1:8443/ws", PROXY)
    assert route == PageRoute("http://localhost:5173/", "https://127.0.0.1:8443", "https://127.0.0.1:41234")


def test_websocket_keeps_a_same_origin_page_off_the_proxy():
    """`route: websocket` is the old behaviour, even for a page on the socket's origin."""
    assert page_route("websocket", "http://127.0.0.1:8000/", "ws://127.0.0.1:8000/ws", PROXY).origin is False


def test_localhost_and_127_0_0_1_are_different_origins():
    """Origins are compared as written, as the browser does."""
    assert page_route("auto", "http://localhost:8000/", "ws://127.0.0.1:8000/ws", PROXY).origin is False
