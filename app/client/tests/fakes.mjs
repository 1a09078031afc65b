// Hand-written fakes for the DOM-free client modules: a virtual clock with timers, a
// scriptable WebSocket, and an in-memory localStorage.

import { WebSocketService } from '../static/js/websocketService.js';
import { ConnectionHealthMonitor } from '../static/js/connectionHealthMonitor.js';

/** Virtual time: timers fire only when the test advances the clock. */
export class FakeClock {
  constructor(start = 1_700_000_000_000) {
    this.t = start;
    this.seq = 0;
    this.pending = new Map();
    this.now = () => this.t;
    this.setTimeout = (fn, ms) => {
      const id = ++this.seq;
      this.pending.set(id, { at: this.t + Math.max(0, ms || 0), fn, id });
      return id;
    };
    this.clearTimeout = (id) => this.pending.delete(id);
  }

  /** Advance by `ms`, firing due timers in time order (timers they create fire too). */
  advance(ms) {
    const end = this.t + ms;
    for (;;) {
      const next = [...this.pending.values()].filter((p) => p.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next) break;
      this.pending.delete(next.id);
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }

  /** Delays of the pending timers, for assertions. */
  delays() {
    return [...this.pending.values()].map((p) => p.at - this.t).sort((a, b) => a - b);
  }
}

/** Let promise callbacks run (they are microtasks, independent of the fake clock). */
export const flush = () => new Promise((resolve) => setImmediate(resolve));

export class MemoryStorage {
  constructor() {
    this.map = new Map();
  }
  getItem(k) {
    return this.map.has(k) ? this.map.get(k) : null;
  }
  setItem(k, v) {
    this.map.set(k, String(v));
  }
  removeItem(k) {
    this.map.delete(k);
  }
}

/**
 * A WebSocket double; `FakeSocket.instances` lists every socket created, in order.
 * While `FakeSocket.pongDelayMs` is a number, pings are answered after that many (virtual)
 * milliseconds; set it to null to let pings go unanswered.
 */
export function makeSocketClass(clock) {
  class FakeSocket {
    static instances = [];
    static pongDelayMs = 0;
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      this.listeners = { open: new Set(), message: new Set(), close: new Set(), error: new Set() };
      this.closedWith = null;
      FakeSocket.instances.push(this);
    }
    addEventListener(name, fn) {
      this.listeners[name].add(fn);
    }
    removeEventListener(name, fn) {
      this.listeners[name].delete(fn);
    }
    listenerCount() {
      return Object.values(this.listeners).reduce((n, s) => n + s.size, 0);
    }
    send(data) {
      if (this.readyState !== 1) throw new Error('send on a socket that is not open');
      const msg = JSON.parse(data);
      this.sent.push(msg);
      const delay = FakeSocket.pongDelayMs;
      if (msg.type === 'ping' && delay !== null) {
        clock.setTimeout(() => {
          if (this.readyState === 1) this.receive({ type: 'pong', id: msg.id, timestamp: msg.timestamp, server_time: 0 });
        }, delay);
      }
    }
    close(code = 1000, reason = '') {
      this.closedWith = { code, reason };
      this.readyState = 3;
    }
    // ---- test controls ----
    open(connected = { connection_id: 'c-1', server_instance_id: 's-1' }) {
      this.readyState = 1;
      this._fire('open', {});
      if (connected) this.receive({ type: 'connected', server_time: 0, ...connected });
    }
    receive(frame) {
      this._fire('message', { data: JSON.stringify(frame) });
    }
    serverClose(code = 1006, reason = '') {
      this.readyState = 3;
      this._fire('close', { code, reason });
    }
    fail() {
      this.readyState = 3;
      this._fire('error', {});
      this._fire('close', { code: 1006, reason: '' });
    }
    sentOfType(type) {
      return this.sent.filter((m) => m.type === type);
    }
    ackAll(type) {
      for (const m of this.sentOfType(type)) this.receive({ type: 'ack', id: m.id, duplicate: false });
    }
    pongAll() {
      for (const m of this.sentOfType('ping')) this.receive({ type: 'pong', id: m.id, timestamp: m.timestamp, server_time: 0 });
    }
    _fire(name, ev) {
      for (const fn of [...this.listeners[name]]) fn(ev);
    }
  }
  return FakeSocket;
}

/** A service (and optionally its health monitor) wired to fakes. */
export function setup({ bugs = [], timeScale = 1, minTimerMs = undefined, storage = new MemoryStorage(), random = () => 0.5, monitor = false, jitter = undefined } = {}) {
  const clock = new FakeClock();
  const Socket = makeSocketClass(clock);
  const service = new WebSocketService({
    url: 'ws://127.0.0.1:8765/ws/trigger',
    clientId: 'test',
    WebSocket: Socket,
    clock,
    timers: clock,
    random,
    storage,
    bugs,
    timeScale,
    minTimerMs,
    jitter,
  });
  const ctx = { clock, Socket, service, storage, last: () => Socket.instances[Socket.instances.length - 1] };
  /** Advance exactly to the pending reconnect attempt (creates the next socket). */
  ctx.nextAttempt = () => {
    const ev = service.history.filter((e) => e.type === 'reconnect_scheduled').at(-1);
    const due = ev.at + ev.delay_ms - clock.now();
    clock.advance(Math.max(0, due));
    return ctx.last();
  };
  if (monitor) {
    ctx.monitor = new ConnectionHealthMonitor({ service, clock, timers: clock, storage, timeScale, bugs });
  }
  return ctx;
}
