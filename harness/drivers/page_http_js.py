"""The init script that sends a page's HTTP requests to the app's origin through its client's proxy.

With the target's `route: origin` (harness/targets/route.py), an absolute URL the page hands to
`XMLHttpRequest.open`, `fetch` or `EventSource` that starts with the app's origin
(`http://host:port` of `websocket`, followed by `/`, `?`, `#` or nothing) is sent to the
client's proxy instead, with the same path and query, as the WebSocket wrapper does for sockets.
Relative URLs are left alone: on a page opened through the proxy they already reach it.
Installed after `browser_js.init_script`, before the app's code; it never breaks the page.
"""

from __future__ import annotations

import json

_TEMPLATE = r"""
(() => {
  if (window.__wschaosHttp) return;
  window.__wschaosHttp = true;
  const cfg = __CONFIG__;
  const rewrite = (url) => {
    if (!cfg.from) return url;
    let text;
    try { text = new URL(String(url), location.href).href; } catch (e) { return url; }
    if (!text.startsWith(cfg.from) || !/^([/?#]|$)/.test(text.slice(cfg.from.length))) return url;
    return cfg.to + text.slice(cfg.from.length);
  };
  const nativeOpen = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function open(method, url, ...rest) {
    return nativeOpen.call(this, method, rewrite(url), ...rest);
  };
  const nativeFetch = window.fetch;
  if (nativeFetch) window.fetch = function fetch(input, init) {
    if (input instanceof Request) {
      const url = rewrite(input.url);
      if (url !== input.url) input = new Request(url, input);
    } else {
      input = rewrite(input);
    }
    return nativeFetch.call(this, input, init);
  };
  const NativeSource = window.EventSource;
  if (NativeSource) {
    const Source = function EventSource(url, options) { return new NativeSource(rewrite(url), options); };
    Source.prototype = NativeSource.prototype;
    for (const k of ["CONNECTING", "OPEN", "CLOSED"]) Object.defineProperty(Source, k, {value: NativeSource[k]});
    window.EventSource = Source;
  }
})();
"""


def http_script(http_from: str | None, http_to: str | None) -> str:
    """The init script rewriting absolute HTTP URLs that start with `http_from` to `http_to`."""
    return _TEMPLATE.replace("__CONFIG__", json.dumps({"from": http_from, "to": http_to}))
