"""Event-loop lag: how late the harness's own timers fire, and the pages' reports of theirs.

    async with LagMonitor(journal):
        ...  # `lag` events whenever the harness was notably late; `lag.summary` at close

Every `interval_s` the monitor sleeps and measures the overshoot (a busy or starved core runs
the wake-up late). Per `window_s` it keeps the worst, the 95th percentile and the total (how
long the loop could not run); a window whose total reaches `notable_ms` becomes one `lag` event
(`source: "harness"`), so a quiet run journals almost nothing. Pages measure the same with a timer in the init script
(`browser_js`); `record_page_lag` journals those reports as `lag` events with `source: <client>`.
At close, one `lag.summary` gives each source's worst lag over the whole run.

Checks read these through `harness.lateness` to tell a slow machine from a slow app.
Measuring must never break a run: a failure ends the sampling with one `harness.error`.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Callable, Optional

from harness.aio import stop_task
from harness.events import JSONObject
from harness.journal import Event, Journal

INTERVAL_S = 0.1
WINDOW_S = 1.0
#: A window whose overshoots add up to less is ordinary scheduling noise and is not journaled.
NOTABLE_MS = 50.0


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


class LagMonitor:
    """Measures the harness's event-loop lag until closed; idempotent close."""

    def __init__(self, journal: Journal, interval_s: float = INTERVAL_S, window_s: float = WINDOW_S,
                 notable_ms: float = NOTABLE_MS) -> None:
        if interval_s <= 0 or window_s < interval_s:
            raise ValueError(f"need 0 < interval_s <= window_s, got interval_s={interval_s:g}, "
                             f"window_s={window_s:g}")
        self.journal = journal
        self.interval_s = interval_s
        self.window_s = window_s
        self.notable_ms = notable_ms
        self.samples_ms: list[float] = []  # every overshoot of the run, for the summary
        self._window: list[float] = []
        self._window_start = 0.0
        self._harness_windows = 0
        self._pages: dict[str, dict[str, float]] = {}
        self._task: Optional[asyncio.Task[None]] = None
        self._unsubscribe: Optional[Callable[[], None]] = None
        self._closed = False

    async def __aenter__(self) -> "LagMonitor":
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def start(self) -> None:
        """Begin measuring in the background."""
        if self._task is None and not self._closed:
            self._unsubscribe = self.journal.subscribe(self._on_event)
            self._window_start = self.journal.now()
            self._task = asyncio.create_task(self._loop(), name="wschaos-lag-monitor")

    async def close(self) -> None:
        """Stop measuring, journal the last notable window and the summary; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        task, self._task = self._task, None
        await stop_task(task)
        if self._unsubscribe is not None:
            self._unsubscribe()
        if task is None:
            return
        self._flush_window()
        with contextlib.suppress(Exception):
            self.journal.record("lag.summary", sources=self.summary())

    def summary(self) -> dict[str, JSONObject]:
        """Per source, the worst lag of the run: harness from every sample, pages from their windows."""
        out: dict[str, JSONObject] = {}
        if self.samples_ms:
            out["harness"] = {"samples": len(self.samples_ms), "max_ms": round(max(self.samples_ms), 1),
                              "p95_ms": round(p95(self.samples_ms), 1), "total_ms": round(sum(self.samples_ms), 1),
                              "notable_windows": int(self._harness_windows)}
        for name, page in self._pages.items():
            out[name] = {"max_ms": round(page["max_ms"], 1), "total_ms": round(page["total_ms"], 1),
                         "notable_windows": int(page["windows"])}
        return out

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                due = loop.time() + self.interval_s
                await asyncio.sleep(self.interval_s)
                self._sample(max(0.0, loop.time() - due) * 1000)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - measuring is evidence, never a reason to fail
            with contextlib.suppress(Exception):
                self.journal.record("harness.error", error=f"lag monitor stopped: {type(exc).__name__}: {exc}")

    def _sample(self, late_ms: float) -> None:
        self.samples_ms.append(late_ms)
        self._window.append(late_ms)
        if self.journal.now() - self._window_start >= self.window_s:
            self._flush_window()

    def _flush_window(self) -> None:
        window, self._window = self._window, []
        since, self._window_start = self._window_start, self.journal.now()
        if window and sum(window) >= self.notable_ms:
            self._harness_windows += 1
            self.journal.record("lag", source="harness", since_t=round(since, 3),
                                window_s=round(self._window_start - since, 3), samples=len(window),
                                max_ms=round(max(window), 1), p95_ms=round(p95(window), 1),
                                total_ms=round(sum(window), 1))

    def _on_event(self, event: Event) -> None:
        if event.get("kind") != "lag" or event.get("source") in (None, "harness"):
            return
        page = self._pages.setdefault(str(event["source"]), {"max_ms": 0.0, "total_ms": 0.0, "windows": 0})
        page["max_ms"] = max(page["max_ms"], float(event.get("max_ms") or 0.0))
        page["total_ms"] += float(event.get("total_ms") or 0.0)
        page["windows"] += 1


def record_page_lag(journal: Journal, client: str, report: JSONObject) -> Optional[Event]:
    """Journal a page's timer-drift report (`{event: "lag", max_ms, p95_ms, total_ms, samples, window_ms}`).

    The page sends it when its window ends, so the window is taken to end now; a report
    without a usable `max_ms` is ignored (the page is not ours to trust blindly)."""
    try:
        max_ms = float(report["max_ms"])
        total_ms = float(report.get("total_ms") or max_ms)
        window_s = max(0.0, float(report.get("window_ms") or 0.0) / 1000)
    except (KeyError, TypeError, ValueError):
        return None
    now = journal.now()
    return journal.record("lag", source=client, since_t=round(max(0.0, now - window_s), 3),
                          window_s=round(window_s, 3), samples=int(report.get("samples") or 0),
                          max_ms=round(max_ms, 1), p95_ms=round(float(report.get("p95_ms") or 0.0), 1),
                          total_ms=round(total_ms, 1), page_t=report.get("page_t"))
