"""The init script for a page's HTTP requests to the app: the route through the proxy, and what
Engine.IO's long-polling says.

1. With the target's `route: origin` (harness/targets/route.py), an absolute URL the page hands to
   `XMLHttpRequest.open`, `fetch` or `EventSource` that starts with the app's origin
   (`http://host:port` of `websocket`, followed by `/`, `?`, `#` or nothing) is sent to the
   client's proxy instead, with the same path and query, as the WebSocket wrapper does for
   sockets. Relative URLs are left alone: on a page opened through the proxy they already reach it.
2. Every XHR or fetch to an Engine.IO endpoint (`EIO=` in its query: Socket.IO's long-polling)
   is reported through the binding: `{event: "http", phase: "start", rid, method, url, body}` when
   it is sent and `{phase: "end", rid, status, body, error}` when it ends (`error`: `error`,
   `abort` or `timeout`; bodies cut to 2000 characters), each with the page's clock (`page_t`).
   `harness/engineio.py` reads the sessions from them.

Installed after `browser_js.init_script`, before the app's code; it never breaks the page.
"""

from __future__ import annotations

import json

from harness.drivers.browser_js import BINDING, REPORTING

_TEMPLATE = r"""
(() => {
  if (window.__wschaosHttp) return;
  window.__wschaosHttp = true;""" + REPORTING + r"""  const absolute = (url) => { try { return new URL(String(url), location.href).href; } catch (e) { return null; } };
  const rewrite = (url) => {
    const text = cfg.from ? absolute(url) : null;
    if (!text || !text.startsWith(cfg.from) || !/^([/?#]|$)/.test(text.slice(cfg.from.length))) return url;
    return cfg.to + text.slice(cfg.from.length);
  };
  const isEio = (url) => /[?&]EIO=\d/.test(String(url));
  const cut = (body) => typeof body === "string" ? body.slice(0, 2000) : null;
  let rids = 0;
  const started = (method, url, body) => {
    const rid = ++rids;
    report({event: "http", phase: "start", rid, method: String(method).toUpperCase(), url: absolute(url),
            body: cut(body), page_t: pageT()});
    return rid;
  };
  const ended = (rid, status, body, error) => report({event: "http", phase: "end", rid, status, body: cut(body),
                                                      error, page_t: pageT()});

  const nativeOpen = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function open(method, url, ...rest) {
    const target = rewrite(url);
    this.__wschaosEio = isEio(target) ? {method, url: target} : null;
    return nativeOpen.call(this, method, target, ...rest);
  };
  const nativeXhrSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function send(body) {
    const info = this.__wschaosEio;
    if (info) {
      const rid = started(info.method, info.url, body);
      let error = null;
      for (const kind of ["error", "abort", "timeout"]) this.addEventListener(kind, () => { error = kind; });
      this.addEventListener("loadend", () => {
        let text = null;
        try { if (this.responseType === "" || this.responseType === "text") text = this.responseText; } catch (e) { /* binary */ }
        ended(rid, this.status, text, error);
      });
    }
    return nativeXhrSend.call(this, body);
  };

  const nativeFetch = window.fetch;
  if (nativeFetch) window.fetch = function fetch(input, init) {
    if (input instanceof Request) {
      const url = rewrite(input.url);
      if (url !== input.url) input = new Request(url, input);
    } else {
      input = rewrite(input);
    }
    const url = input instanceof Request ? input.url : input;
    if (!isEio(url)) return nativeFetch.call(this, input, init);
    const rid = started((init && init.method) || (input instanceof Request ? input.method : "GET"), url,
                        init && init.body);
    return nativeFetch.call(this, input, init).then((answer) => {
      answer.clone().text().then((text) => ended(rid, answer.status, text, null), () => ended(rid, answer.status, null, "error"));
      return answer;
    }, (e) => { ended(rid, 0, null, e && e.name === "AbortError" ? "abort" : "error"); throw e; });
  };

  const NativeSource = window.EventSource;
  if (NativeSource && cfg.from) {
    const Source = function EventSource(url, options) { return new NativeSource(rewrite(url), options); };
    Source.prototype = NativeSource.prototype;
    for (const k of ["CONNECTING", "OPEN", "CLOSED"]) Object.defineProperty(Source, k, {value: NativeSource[k]});
    window.EventSource = Source;
  }
})();
"""


def http_script(http_from: str | None, http_to: str | None) -> str:
    """The init script: absolute HTTP URLs starting with `http_from` go to `http_to` (None: none
    rewritten); Engine.IO requests are reported either way."""
    return _TEMPLATE.replace("__CONFIG__", json.dumps({"binding": BINDING, "from": http_from, "to": http_to}))
