"""Which sockets a page router takes for the app's: the target's socket origin, and the client's
proxy (a page loaded through it under `route: origin` dials the proxy directly)."""

from __future__ import annotations

from harness.drivers.ws_route import app_socket_pattern


def test_the_apps_origin_and_the_proxys_both_match_and_nothing_else():
    """Either origin followed by a path, a query or nothing matches; a longer port or another host does not."""
    pattern = app_socket_pattern("ws://127.0.0.1:8765", "ws://127.0.0.1:41000")
    for url in ("ws://127.0.0.1:8765/ws", "ws://127.0.0.1:41000/ws?client_id=b0", "ws://127.0.0.1:8765"):
        assert pattern.match(url), url
    for url in ("ws://127.0.0.1:87650/ws", "ws://127.0.0.2:8765/ws", "ws://localhost:5173/hmr"):
        assert not pattern.match(url), url
