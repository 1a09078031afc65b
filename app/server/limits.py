"""Per-connection limits: the workflow-trigger rate limit and the flood guard."""

from __future__ import annotations

import collections
import math
import time


class RateLimiter:
    """Sliding window: at most ``limit`` accepted events per ``window_s`` seconds."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._accepted: collections.deque[float] = collections.deque()

    def retry_after_s(self, now: float | None = None) -> float | None:
        """None if one more event fits now; else seconds until the oldest one expires."""
        now = time.monotonic() if now is None else now
        while self._accepted and now - self._accepted[0] >= self.window_s:
            self._accepted.popleft()
        if len(self._accepted) < self.limit:
            return None
        if not self._accepted:  # limit 0: nothing is ever allowed
            return self.window_s
        wait = self.window_s - (now - self._accepted[0])
        # Rounded up, so a client that waits exactly this long is let through.
        return math.ceil(wait * 1000) / 1000

    def accept(self, now: float | None = None) -> None:
        self._accepted.append(time.monotonic() if now is None else now)


class FloodGuard:
    """Counts frames in fixed windows; ``hit()`` answers True once a window overflows."""

    def __init__(self, limit: int, window_s: float = 1.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._window_start = -math.inf
        self._count = 0

    def hit(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if now - self._window_start >= self.window_s:
            self._window_start = now
            self._count = 0
        self._count += 1
        return self._count > self.limit
