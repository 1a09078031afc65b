"""The init script every browser client page runs before any of the app's own code.

It wraps `window.WebSocket` so that (1) a socket whose URL starts with the upstream prefix
connects to the client's Toxiproxy listener instead (the app is not changed), and (2) each
connection attempt, open and close (with code and reason) is reported to the harness through
an exposed binding, stamped with the page's own clock. It also installs a visibility hook so
the harness can make `document.visibilityState` say `hidden` and fire `visibilitychange`,
and (3) a timer-drift monitor that reports how late the page's timers fire (`lag`, see
`lagmon`), so a check can tell a busy machine from a slow app.
"""

from __future__ import annotations

import json

BINDING = "__wschaosReport"

_TEMPLATE = r"""
(() => {
  if (window.__wschaosInstalled) return;
  window.__wschaosInstalled = true;
  const cfg = __CONFIG__;
  const report = (payload) => {
    try {
      const fn = window[cfg.binding];
      if (typeof fn === "function") fn(payload).catch(() => {});
    } catch (e) { /* the harness is gone: never break the page */ }
  };
  const pageT = () => (performance.timeOrigin + performance.now()) / 1000;
  const Native = window.WebSocket;
  const rewrite = (url) => {
    const text = String(url);
    if (cfg.from && cfg.to && text.startsWith(cfg.from)) return cfg.to + text.slice(cfg.from.length);
    return text;
  };
  function Wrapped(url, protocols) {
    const target = rewrite(url);
    report({event: "attempt", url: target, original: String(url), page_t: pageT()});
    const ws = protocols === undefined ? new Native(target) : new Native(target, protocols);
    ws.addEventListener("open", () => report({event: "open", url: target, page_t: pageT()}));
    ws.addEventListener("close", (ev) => report({
      event: "close", url: target, code: ev.code, reason: ev.reason, clean: ev.wasClean, page_t: pageT(),
    }));
    return ws;
  }
  Wrapped.prototype = Native.prototype;
  for (const k of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) {
    Object.defineProperty(Wrapped, k, {value: Native[k]});
  }
  window.WebSocket = Wrapped;

  // Visibility hook: the harness decides what visibilityState says.
  const proto = Document.prototype;
  const nativeState = Object.getOwnPropertyDescriptor(proto, "visibilityState");
  let forced = null;
  Object.defineProperty(proto, "visibilityState", {
    configurable: true,
    get() { return forced !== null ? forced : nativeState.get.call(this); },
  });
  Object.defineProperty(proto, "hidden", {
    configurable: true,
    get() { return this.visibilityState === "hidden"; },
  });
  window.__wschaosSetVisibility = (state) => {
    forced = state;
    document.dispatchEvent(new Event("visibilitychange"));
    return document.visibilityState;
  };

  // Timer drift: how late this page's own timers fire (a busy core delays every timer the app
  // sets too). A window whose overshoots add up to a notable total is reported as `lag`.
  if (cfg.lag) {
    const {interval_ms: every, window_ms: windowMs, notable_ms: notable} = cfg.lag;
    let samples = [];
    let since = performance.now();
    let due = since + every;
    const tick = () => {
      const now = performance.now();
      samples.push(Math.max(0, now - due));
      if (now - since >= windowMs) {
        const sorted = samples.sort((a, b) => a - b);
        const total = sorted.reduce((a, b) => a + b, 0);
        if (total >= notable) report({
          event: "lag", max_ms: sorted[sorted.length - 1], p95_ms: sorted[Math.ceil(0.95 * sorted.length) - 1],
          total_ms: total, samples: sorted.length, window_ms: now - since, page_t: pageT(),
        });
        samples = [];
        since = now;
      }
      due = now + every;
      setTimeout(tick, every);
    };
    setTimeout(tick, every);
  }
})();
"""


#: The page's timer-drift monitor: a timer every `interval_ms`, a `lag` report per `window_ms`
#: whose overshoots add up to `notable_ms` (the harness's own monitor uses the same figures).
PAGE_LAG = {"interval_ms": 100, "window_ms": 1000, "notable_ms": 50}


def init_script(ws_from: str | None, ws_to: str | None, lag: dict | None = PAGE_LAG) -> str:
    """The init script, configured to rewrite URLs starting with `ws_from` to `ws_to`
    (`lag=None` leaves the page's timer-drift monitor out)."""
    config = {"binding": BINDING, "from": ws_from, "to": ws_to, "lag": lag}
    return _TEMPLATE.replace("__CONFIG__", json.dumps(config))
