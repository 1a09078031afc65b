"""The init script every browser client page runs before any of the app's own code.

It wraps `window.WebSocket` so that (1) a socket whose URL starts with the upstream prefix
(followed by `/`, `?` or nothing) connects to the client's Toxiproxy listener instead (the
app is not changed), and (2) each connection attempt, open and close (with code and reason)
of such an app socket, and the moment of each of its sends (`send`, numbered `n`), is reported
to the harness through an exposed binding, stamped with the page's own clock and numbered
(`sid`); other sockets (a dev server's hot-reload socket) are left alone and not reported,
and so are received frames. It also installs a visibility hook so the harness can make
`document.visibilityState` say `hidden` and fire `visibilitychange`, (3) a timer-drift
monitor that reports how late the page's timers fire (`lag`, see `lagmon`), so a check can
tell a busy machine from a slow app, and (4) optionally a seeded `Math.random`
(`random_seed`), so `--seed` replays the page's own jitter.
"""

from __future__ import annotations

import json
import zlib

BINDING = "__wschaosReport"

#: The start of every script wschaos adds to a page: its configuration, `report` (a payload to the
#: harness's binding, never breaking the page) and `pageT` (the page's clock, epoch seconds).
REPORTING = r"""
  const cfg = __CONFIG__;
  const report = (payload) => {
    try {
      const fn = window[cfg.binding];
      if (typeof fn === "function") fn(payload).catch(() => {});
    } catch (e) { /* the harness is gone: never break the page */ }
  };
  const pageT = () => (performance.timeOrigin + performance.now()) / 1000;
"""

_TEMPLATE = r"""
(() => {
  if (window.__wschaosInstalled) return;
  window.__wschaosInstalled = true;""" + REPORTING + r"""  if (cfg.random_seed !== null && cfg.random_seed !== undefined) {
    // mulberry32: a small seeded generator; the page's own jitter replays with the run's seed.
    // Each load of the tab draws a new sequence (a reload that retries a random failure must
    // not replay it), counted in sessionStorage, so the whole run still replays.
    let loads = 0;
    try {
      loads = Number(sessionStorage.getItem("__wschaosLoads") || 0);
      sessionStorage.setItem("__wschaosLoads", String(loads + 1));
    } catch (e) { /* no storage here (file:, sandboxed): every load draws the same */ }
    let a = (cfg.random_seed + Math.imul(loads, 0x9E3779B1)) >>> 0;
    Math.random = function random() {
      a = (a + 0x6D2B79F5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const Native = window.WebSocket;
  // The app's socket: its URL starts with the prefix, and the prefix ends the host:port.
  // (A page opened through the proxy, `route: origin`, dials the proxy itself: that is the app's too.)
  const starts = (text, prefix) => !!prefix && text.startsWith(prefix) && /^([/?#]|$)/.test(text.slice(prefix.length));
  const isApp = (text) => !cfg.from || starts(text, cfg.from) || starts(text, cfg.to);
  let sockets = 0;
  function Wrapped(url, protocols) {
    const text = String(url);
    const app = isApp(text);
    const target = app && cfg.to && starts(text, cfg.from) ? cfg.to + text.slice(cfg.from.length) : text;
    const ws = protocols === undefined ? new Native(target) : new Native(target, protocols);
    if (!app) return ws;
    const sid = ++sockets;
    report({event: "attempt", url: target, original: text, sid, page_t: pageT()});
    ws.addEventListener("open", () => report({event: "open", url: target, sid, page_t: pageT()}));
    ws.addEventListener("close", (ev) => report({
      event: "close", url: target, code: ev.code, reason: ev.reason, clean: ev.wasClean, sid, page_t: pageT(),
    }));
    // The page's clock when the app sends: Playwright may deliver `framesent` late on a busy
    // machine. Only a send while OPEN puts a frame on the wire (CONNECTING throws, CLOSING and
    // CLOSED drop it), so the n-th report is the n-th frame Playwright sees on this socket.
    const nativeSend = ws.send;
    let sends = 0;
    // Engine.IO (Socket.IO) sockets also report their control packets (open, close, ping, pong,
    // upgrade; not messages), which say what the session does (harness/engineio.py).
    const eio = /[?&]EIO=\d/.test(target);
    const control = (data) => eio && typeof data === "string" && data.length > 0 && data[0] !== "4";
    if (eio) ws.addEventListener("message", (ev) => {
      if (control(ev.data)) report({event: "eio.ws", url: target, sid, dir: "received", data: ev.data.slice(0, 512), page_t: pageT()});
    });
    Object.defineProperty(ws, "send", {configurable: true, writable: true, value: function send(data) {
      const stamp = pageT();
      const open = ws.readyState === 1;
      const result = nativeSend.call(this, data);
      if (open) report({event: "send", url: target, sid, n: ++sends, page_t: stamp});
      if (open && control(data)) report({event: "eio.ws", url: target, sid, dir: "sent", data: data.slice(0, 512), page_t: stamp});
      return result;
    }});
    // The moment the app gives a socket up (a heartbeat timeout calls close()): on a dead link its
    // close event waits for a closing handshake that never comes (Chromium gives it minutes), so
    // the call itself is when the app noticed.
    const nativeClose = ws.close;
    Object.defineProperty(ws, "close", {configurable: true, writable: true, value: function close(...args) {
      if (ws.readyState < 2) report({event: "closing", url: target, sid, page_t: pageT(),
                                     code: args[0] === undefined ? null : args[0],
                                     reason: args[1] === undefined ? null : String(args[1])});
      return nativeClose.apply(this, args);
    }});
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
PAGE_LAG: dict[str, float] = {"interval_ms": 100, "window_ms": 1000, "notable_ms": 50}


def init_script(ws_from: str | None, ws_to: str | None, lag: dict[str, float] | None = PAGE_LAG,
                random_seed: int | None = None) -> str:
    """The init script, configured to rewrite URLs starting with `ws_from` to `ws_to`
    (`lag=None` leaves the page's timer-drift monitor out; `random_seed`, a 32-bit number,
    replaces the page's `Math.random` with a generator seeded by it)."""
    config = {"binding": BINDING, "from": ws_from, "to": ws_to, "lag": lag, "random_seed": random_seed}
    return _TEMPLATE.replace("__CONFIG__", json.dumps(config))


_PROBE_TEMPLATE = r"""
(() => {
  // The target's probes, read in the page every __EVERY__ ms and reported only when they change:
  // polling each page over the DevTools protocol cost a round trip per page per tick, which
  // twenty pages could not afford on two cores. Top frame only; never breaks the page.
  if (window !== window.top || window.__wschaosProbing) return;
  window.__wschaosProbing = true;
  const report = (payload) => {
    try {
      const fn = window[__BINDING__];
      if (typeof fn === "function") fn(payload).catch(() => {});
    } catch (e) { /* the harness is gone */ }
  };
  let last;
  const tick = async () => {
    let values = null;
    try { values = await (__PROBE__); } catch (e) { values = null; }
    if (values === undefined) values = null;
    let text;
    try { text = JSON.stringify(values); } catch (e) { values = null; text = "null"; }
    if (text !== last) {
      last = text;
      report({event: "probe", values});
    }
    setTimeout(tick, __EVERY__);
  };
  setTimeout(tick, 0);
})();
"""


def probe_script(probe_js: str, interval_ms: float) -> str:
    """The init script that evaluates `probe_js` (one expression, maybe a Promise) in the page
    every `interval_ms` and reports `{event: "probe", values}` through the binding when the
    values differ from the last reported (the first read is always reported). Kept apart from
    `init_script`, so a probe the page cannot run never takes the socket hooks down with it."""
    return (_PROBE_TEMPLATE.replace("__BINDING__", json.dumps(BINDING))
            .replace("__EVERY__", str(max(1, round(interval_ms)))).replace("__PROBE__", probe_js))


def page_seed(seed: int | str, client: str) -> int:
    """The 32-bit `Math.random` seed of one client's page: the run's seed and the client's
    name, so clients draw different numbers and the same seed replays them all."""
    return zlib.crc32(f"{seed}:{client}".encode())
