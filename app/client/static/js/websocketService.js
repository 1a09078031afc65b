// The WebSocket client service: connection lifecycle, backoff, queue, heartbeat, metrics.
// DOM-free: the WebSocket constructor, clock, random, storage and timers are injected, and
// browser signals (visibility, online/offline) arrive as method calls, so Node tests can
// drive every path with fakes.

import { backoffDelay } from './backoff.js';
import { Emitter } from './emitter.js';
import { MessageQueue } from './messageQueue.js';
import { DEFAULT_MIN_TIMER_MS, withClientId } from './config.js';

/** Unscaled defaults (milliseconds); every one is multiplied by timeScale (see TIMEOUT_FLOOR). */
export const DEFAULTS = Object.freeze({
  baseDelayMs: 1000,
  maxDelayMs: 30000,
  maxAttempts: 20,
  heartbeatMs: 15000,
  pongTimeoutMs: 5000,
  connectTimeoutMs: 10000,
  ackTimeoutMs: 10000,
  triggerMaxSends: 5,
  drainTimeoutMs: 2000,
});

const OPEN = 1;
const EVENT_HISTORY = 50;

export class TimeoutError extends Error {}

/**
 * Timeouts that time scaling never pushes below `minTimerMs` (URL `min_timer_ms`, default
 * DEFAULT_MIN_TIMER_MS = 2000 real ms): a loaded machine can run a timer a second late, and a
 * pong timeout of 500 ms (5 s x 0.1) then fires on a healthy link. Timeouts only: delays and
 * intervals (backoff, heartbeat, health sampling) stay exactly scaled, since that schedule is
 * what a harness measures.
 */
export const FLOORED_TIMEOUTS = Object.freeze(['pongTimeoutMs', 'connectTimeoutMs', 'ackTimeoutMs']);

/**
 * Scaled timer settings after seeded bugs are applied. A floored timeout is never below
 * `minTimerMs`, nor raised above its unscaled default (time scale 1 changes nothing).
 */
export function effectiveSettings(timeScale, bugs, minTimerMs = DEFAULT_MIN_TIMER_MS) {
  const s = { ...DEFAULTS };
  if (bugs.has('max5_attempts')) s.maxAttempts = 5;
  if (bugs.has('slow_heartbeat')) s.heartbeatMs = 30000;
  for (const k of Object.keys(s)) {
    if (!k.endsWith('Ms')) continue;
    const floor = FLOORED_TIMEOUTS.includes(k) ? Math.min(s[k], minTimerMs) : 0;
    s[k] = Math.max(s[k] * timeScale, floor);
  }
  return s;
}

export class WebSocketService {
  /**
   * @param {object} o
   * @param {string} o.url WebSocket URL (client_id is appended)
   * @param {Function} o.WebSocket constructor
   * @param {{now: () => number}} [o.clock] milliseconds
   * @param {{setTimeout: Function, clearTimeout: Function}} [o.timers]
   * @param {number} [o.minTimerMs] floor of the scaled timeouts, real ms (default 2000; 0: none)
   */
  constructor(o) {
    this.url = withClientId(o.url, o.clientId);
    this.clientId = o.clientId || null;
    this.WebSocket = o.WebSocket;
    this.clock = o.clock || { now: () => Date.now() };
    this.timers = o.timers || { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h) };
    this.random = o.random || Math.random;
    this.bugs = new Set(o.bugs || []);
    this.jitter = o.jitter || 'equal'; // 'equal' or 'full': both correct; the no_jitter bug overrides it
    this.timeScale = o.timeScale || 1;
    this.minTimerMs = o.minTimerMs ?? DEFAULT_MIN_TIMER_MS;
    this.cfg = effectiveSettings(this.timeScale, this.bugs, this.minTimerMs);
    this.queue = new MessageQueue({ storage: o.storage || null });
    this.events = new Emitter();

    this.state = 'disconnected';
    this.attempt = 0;
    this.socket = null;
    this.generation = 0;
    this.openCount = 0;
    this.connectionId = null;
    this.serverInstanceId = null;
    this.hidden = false;
    this.history = [];
    this.lastClose = null;
    this.nextRetryAt = null;
    this.metrics = { sent: 0, acked: 0, failed: 0, dropped: 0, resent: 0, pings: 0, pongs: 0, latencies: [] };

    this._seq = 0;
    this._timers = {};
    this._ackTimers = new Map();
    this._waiters = new Map();
    this._pings = new Map();
    this._leakedOpenHandlers = [];
    this._shutdownHintMs = null;
  }

  // ---- public API -------------------------------------------------------------------------

  /** Open the first connection. */
  connect() {
    if (this.socket) return;
    this.attempt = 0;
    this._setState('connecting');
    this._open();
  }

  /** Manual reconnect (button): reset backoff and try at once, from any state. */
  reconnect(reason = 'manual') {
    this._record('manual_reconnect', { reason });
    this._dropSocket();
    this._clearTimer('reconnect');
    this.attempt = 0;
    this._setState('connecting');
    this._open();
  }

  /** Close the current socket and reconnect now (pong timeout, health remediation). */
  forceReconnect(reason) {
    if (this.state !== 'connected' && this.state !== 'connecting') return;
    this._record('forced_reconnect', { reason });
    this._dropSocket();
    this.attempt = 0;
    this._scheduleReconnect(0);
  }

  /** Deliberate disconnect: drain the queue first (bounded), then close. */
  async disconnect() {
    if (this.state === 'connected' && this.queue.length) {
      this._flush();
      await this._waitForEmptyQueue(this.cfg.drainTimeoutMs);
    }
    this._clearAllTimers();
    this._dropSocket(1000, 'client disconnect');
    this._setState('disconnected');
    this._record('disconnected', { deliberate: true, queued: this.queue.length });
    this._rejectWaiters('disconnected by the user; the message stays queued');
  }

  /** Queue a message that needs an ack. Returns {id, promise}. */
  send(type, fields = {}) {
    const msg = { type, id: this.newId(type === 'trigger_workflow' ? 'wf' : 'm'), ...fields };
    if (this.state !== 'connected' && this.bugs.has('no_queue')) {
      this.metrics.dropped += 1;
      this._record('message_dropped', { id: msg.id, type });
      return { id: msg.id, promise: Promise.reject(new Error('not connected: message dropped')) };
    }
    const promise = new Promise((resolve, reject) => this._waiters.set(msg.id, { resolve, reject }));
    promise.catch(() => {}); // callers may ignore the outcome
    this.queue.add(msg, this.clock.now());
    this._flush();
    this._emitQueue();
    return { id: msg.id, promise };
  }

  sendTicket(ticket) {
    return this.send('ticket_notification', { ticket });
  }

  /** Trigger a workflow through the queue; the promise settles on ack or (exponential) timeout. */
  triggerWorkflow(ticketId, workflow = 'adw_plan_build') {
    return this.send('trigger_workflow', { ticket_id: ticketId, workflow });
  }

  /**
   * Ping now; resolves with the round-trip latency in ms, rejects with TimeoutError.
   * `onTimeout` runs synchronously when the pong is late (timer-driven logic must not wait
   * for a promise turn).
   */
  ping(source = 'manual', timeoutMs = this.cfg.pongTimeoutMs, onTimeout = null) {
    if (this.state !== 'connected' || !this.socket) return Promise.reject(new Error('not connected'));
    const id = this.newId('p');
    const sentAt = this.clock.now();
    this.metrics.pings += 1;
    const promise = new Promise((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this._pings.delete(id);
        if (onTimeout) onTimeout();
        reject(new TimeoutError(`no pong within ${Math.round(timeoutMs)} ms`));
      }, timeoutMs);
      this._pings.set(id, { resolve, reject, timer, sentAt, source });
    });
    this._rawSend({ type: 'ping', id, timestamp: sentAt, source });
    return promise;
  }

  /** Page Visibility: pause heartbeats while hidden, check at once when shown. */
  setHidden(hidden) {
    if (this.bugs.has('no_visibility') || hidden === this.hidden) return;
    this.hidden = hidden;
    this._record(hidden ? 'hidden' : 'visible');
    this.events.emit('visibility', { hidden });
    if (hidden) this._clearTimer('heartbeat');
    else if (this.state === 'connected') this._heartbeatTick();
  }

  /** Browser went offline: stop at once, close the socket, wait for `online`. */
  handleOffline() {
    if (this.bugs.has('no_online_events')) return;
    this._record('offline');
    this._clearTimer('reconnect');
    this._dropSocket(1000, 'browser offline');
    this._setState('offline');
  }

  /** Browser came back online: reconnect at once with a fresh backoff. */
  handleOnline() {
    if (this.bugs.has('no_online_events')) return;
    this._record('online');
    if (this.state === 'connected') {
      this._heartbeatTick();
      return;
    }
    if (this.state === 'disconnected') return;
    this._clearTimer('reconnect');
    this._dropSocket();
    this.attempt = 0;
    this._scheduleReconnect(0);
  }

  newId(prefix) {
    this._seq += 1;
    const rnd = Math.floor(this.random() * 0xffffff).toString(36);
    return `${prefix}-${this.clientId || 'anon'}-${this.clock.now().toString(36)}-${this._seq}-${rnd}`;
  }

  /** Connection quality metrics: message success rate and latency. */
  quality() {
    const m = this.metrics;
    const done = m.acked + m.failed + m.dropped;
    const lat = m.latencies;
    return {
      sent: m.sent,
      acked: m.acked,
      failed: m.failed,
      dropped: m.dropped,
      resent: m.resent,
      successRate: done ? m.acked / done : 1,
      pongRate: m.pings ? m.pongs / m.pings : 1,
      avgLatencyMs: lat.length ? lat.reduce((a, b) => a + b, 0) / lat.length : null,
      lastLatencyMs: lat.length ? lat[lat.length - 1] : null,
    };
  }

  recentEvents(n = 10) {
    return this.history.slice(-n);
  }

  // ---- socket lifecycle -------------------------------------------------------------------

  _open() {
    this.generation += 1;
    const gen = this.generation;
    this._record('attempt', { attempt: this.attempt, url: this.url });
    let sock;
    try {
      sock = new this.WebSocket(this.url);
    } catch (err) {
      this._record('error', { message: String(err && err.message) });
      this._scheduleReconnect();
      return;
    }
    this.socket = sock;
    const handlers = {
      open: () => this._onOpen(gen),
      message: (ev) => this._onMessage(gen, ev),
      close: (ev) => this._onClose(gen, ev),
      error: () => {}, // always followed by close, which carries the code
    };
    for (const [name, fn] of Object.entries(handlers)) sock.addEventListener(name, fn);
    sock._kanbanHandlers = handlers;
    this._setTimer('connect', this.cfg.connectTimeoutMs, () => {
      if (gen !== this.generation || this.state === 'connected') return;
      this._record('connect_timeout', { attempt: this.attempt });
      this._dropSocket();
      this._afterClose({ code: 4000, reason: 'connect timeout' });
    });
  }

  /** Detach our listeners from the current socket and close it (no close event reaches us). */
  _dropSocket(code = 4001, reason = 'replaced') {
    const sock = this.socket;
    if (!sock) return;
    this.socket = null;
    this.generation += 1; // anything still in flight from the old socket is stale
    if (!this.bugs.has('leak_listeners') && sock._kanbanHandlers) {
      for (const [name, fn] of Object.entries(sock._kanbanHandlers)) sock.removeEventListener(name, fn);
    }
    try {
      sock.close(code >= 4000 || code === 1000 ? code : 1000, reason);
    } catch (_) {
      /* already closing */
    }
    this._cleanupConnection();
  }

  _onOpen(gen) {
    if (gen !== this.generation) return;
    this._clearTimer('connect');
    this.openCount += 1;
    const attempts = this.attempt;
    this.attempt = 0;
    this.nextRetryAt = null;
    this._shutdownHintMs = null;
    this._setState('connected');
    this._record('connected', { after_attempts: attempts });
    this._startHeartbeat();
    if (this.bugs.has('leak_listeners')) {
      // The legacy bug: one more open handler per connection, never removed; each flushes
      // the whole queue, so the n-th connection sends every queued message n times.
      this._leakedOpenHandlers.push(() => this._flush({ force: true }));
      for (const handler of this._leakedOpenHandlers) handler();
    } else {
      this._flush();
    }
  }

  _onClose(gen, ev) {
    if (gen !== this.generation) return;
    if (this.socket) {
      const sock = this.socket;
      this.socket = null;
      if (!this.bugs.has('leak_listeners') && sock._kanbanHandlers) {
        for (const [name, fn] of Object.entries(sock._kanbanHandlers)) sock.removeEventListener(name, fn);
      }
    }
    this._cleanupConnection();
    this._afterClose({ code: ev && ev.code, reason: ev && ev.reason });
  }

  _afterClose({ code, reason }) {
    this._clearTimer('connect');
    this.lastClose = { code: code ?? null, reason: reason || '' };
    this._record('closed', { code: code ?? null, reason: reason || '' });
    if (this.state === 'offline' || this.state === 'disconnected') return;
    const hint = this._shutdownHintMs;
    this._shutdownHintMs = null;
    if (hint !== null) {
      const jitter = this.bugs.has('no_jitter') ? 1 : 1 + this.random() * 0.5;
      this._scheduleReconnect(hint * jitter);
    } else {
      this._scheduleReconnect();
    }
  }

  /** Settle everything tied to the socket that just went away. */
  _cleanupConnection() {
    this._clearTimer('heartbeat');
    for (const [id, p] of this._pings) {
      this.timers.clearTimeout(p.timer);
      p.reject(new Error('connection closed'));
      this._pings.delete(id);
    }
    for (const [id, t] of this._ackTimers) {
      this.timers.clearTimeout(t);
      this._ackTimers.delete(id);
    }
    this._clearTimer('flush');
  }

  _scheduleReconnect(delayMs) {
    if (this.attempt >= this.cfg.maxAttempts) {
      this.nextRetryAt = null;
      this._setState('failed');
      this._record('failed', { attempts: this.attempt });
      this._rejectWaiters(`gave up after ${this.attempt} attempts; the message stays queued`);
      return;
    }
    this.attempt += 1;
    const jitter = this.bugs.has('no_jitter') ? false : this.jitter;
    const delay =
      delayMs ?? backoffDelay(this.attempt, { baseMs: this.cfg.baseDelayMs, capMs: this.cfg.maxDelayMs, random: this.random, jitter });
    this.nextRetryAt = this.clock.now() + delay;
    this._setState('reconnecting');
    this._record('reconnect_scheduled', { attempt: this.attempt, delay_ms: Math.round(delay) });
    this._setTimer('reconnect', delay, () => {
      this.nextRetryAt = null;
      this._open();
    });
  }

  // ---- incoming frames ----------------------------------------------------------------------

  _onMessage(gen, ev) {
    if (gen !== this.generation) return;
    let frame;
    try {
      frame = JSON.parse(ev.data);
    } catch (_) {
      this._record('bad_frame', { data: String(ev.data).slice(0, 200) });
      return;
    }
    switch (frame.type) {
      case 'connected':
        return this._onConnectedFrame(frame);
      case 'pong':
        return this._onPong(frame);
      case 'ack':
        return this._onAck(frame);
      case 'error':
        return this._onError(frame);
      case 'server_shutdown':
        this._shutdownHintMs = Number(frame.reconnect_after_ms) || 0;
        this._record('server_shutdown', { reason: frame.reason, reconnect_after_ms: frame.reconnect_after_ms });
        break;
      default:
        break;
    }
    this.events.emit('frame', frame);
  }

  _onConnectedFrame(frame) {
    if (this.bugs.has('no_connection_id')) return this.events.emit('frame', frame);
    const previous = this.serverInstanceId;
    this.connectionId = frame.connection_id || null;
    this.serverInstanceId = frame.server_instance_id || null;
    if (previous && this.serverInstanceId && previous !== this.serverInstanceId) {
      this._record('server_restart', { from: previous, to: this.serverInstanceId });
      // Nothing to resend here: _onOpen already re-sent every unacked message, and the
      // server's ledger (which survives restarts) dedupes by message id.
      this.events.emit('server_restart', { from: previous, to: this.serverInstanceId });
    }
    this._record('session', { connection_id: this.connectionId, server_instance_id: this.serverInstanceId });
    this.events.emit('frame', frame);
  }

  _onPong(frame) {
    const p = this._pings.get(frame.id);
    if (!p) return;
    this._pings.delete(frame.id);
    this.timers.clearTimeout(p.timer);
    const latencyMs = this.clock.now() - p.sentAt;
    this.metrics.pongs += 1;
    this.metrics.latencies = [...this.metrics.latencies.slice(-49), latencyMs];
    if (!this.bugs.has('no_connection_id') && frame.connection_id && this.connectionId && frame.connection_id !== this.connectionId) {
      this._record('connection_mismatch', { expected: this.connectionId, got: frame.connection_id });
    }
    this.events.emit('pong', { latencyMs, source: p.source });
    p.resolve(latencyMs);
  }

  _onAck(frame) {
    const item = this.queue.remove(frame.id);
    this._clearAckTimer(frame.id);
    if (item) {
      this.metrics.acked += 1;
      if (item.lastSentAt !== null) this.metrics.ackLatencyMs = this.clock.now() - item.lastSentAt;
    }
    const w = this._waiters.get(frame.id);
    if (w) {
      this._waiters.delete(frame.id);
      w.resolve(frame);
    }
    this.events.emit('frame', frame);
    this._emitQueue();
  }

  _onError(frame) {
    const item = frame.id ? this.queue.get(frame.id) : null;
    this._record('server_error', { code: frame.code, id: frame.id ?? null, message: frame.message });
    if (item && frame.code === 'rate_limited') {
      const waitMs = Math.max(0, Number(frame.retry_after) || 1) * 1000;
      this._clearAckTimer(item.id);
      item.sentOn = null;
      item.notBefore = this.clock.now() + waitMs;
      this._setTimer('flush', waitMs, () => this._flush());
    } else if (item && !frame.recoverable) {
      this.queue.remove(item.id);
      this._clearAckTimer(item.id);
      this.metrics.failed += 1;
      const w = this._waiters.get(item.id);
      this._waiters.delete(item.id);
      if (w) w.reject(new Error(`${frame.code}: ${frame.message}`));
      this._emitQueue();
    }
    this.events.emit('frame', frame);
  }

  // ---- queue --------------------------------------------------------------------------------

  /** Send, in order, every queued message not yet sent on the current socket. */
  _flush({ force = false } = {}) {
    if (this.state !== 'connected' || !this.socket) return;
    const now = this.clock.now();
    for (const item of this.queue.items) {
      if (item.notBefore > now) {
        // keep the order: nothing overtakes a rate-limited message
        this._setTimer('flush', item.notBefore - now, () => this._flush());
        break;
      }
      if (!force && item.sentOn === this.generation) continue;
      const stuck = this.bugs.has('no_trigger_timeout') && item.msg.type === 'trigger_workflow' && item.sends > 0;
      if (stuck && item.sentOn !== this.generation) continue; // legacy: never re-sent
      this._sendItem(item);
    }
    this.queue.save();
    this._emitQueue();
  }

  _sendItem(item) {
    if (item.sends > 0) this.metrics.resent += 1;
    this._rawSend(item.msg);
    item.sends += 1;
    item.sentOn = this.generation;
    item.lastSentAt = this.clock.now();
    this.metrics.sent += 1;
    this.queue.save();
    const legacyTrigger = this.bugs.has('no_trigger_timeout') && item.msg.type === 'trigger_workflow';
    if (!legacyTrigger) this._armAckTimer(item);
  }

  /** Exponential ack timeout: resend on the same socket; a trigger's promise gives up after N sends. */
  _armAckTimer(item) {
    this._clearAckTimer(item.id);
    const timeout = this.cfg.ackTimeoutMs * 2 ** Math.min(item.sends - 1, 4);
    const gen = this.generation;
    const t = this.timers.setTimeout(() => {
      this._ackTimers.delete(item.id);
      if (!this.queue.get(item.id) || gen !== this.generation || this.state !== 'connected') return;
      this._record('ack_timeout', { id: item.id, sends: item.sends });
      if (item.msg.type === 'trigger_workflow' && item.sends >= this.cfg.triggerMaxSends) {
        const w = this._waiters.get(item.id);
        this._waiters.delete(item.id);
        if (w) w.reject(new TimeoutError(`no ack after ${item.sends} sends; still queued`));
      }
      this._sendItem(item);
    }, timeout);
    this._ackTimers.set(item.id, t);
  }

  _clearAckTimer(id) {
    const t = this._ackTimers.get(id);
    if (t !== undefined) this.timers.clearTimeout(t);
    this._ackTimers.delete(id);
  }

  _waitForEmptyQueue(timeoutMs) {
    return new Promise((resolve) => {
      if (!this.queue.length) return resolve(true);
      const off = this.events.on('queue', ({ length }) => {
        if (length === 0) done(true);
      });
      const timer = this.timers.setTimeout(() => done(false), timeoutMs);
      const done = (ok) => {
        off();
        this.timers.clearTimeout(timer);
        resolve(ok);
      };
    });
  }

  _rejectWaiters(reason) {
    for (const [id, w] of this._waiters) {
      this._waiters.delete(id);
      w.reject(new Error(reason));
    }
  }

  // ---- heartbeat ----------------------------------------------------------------------------

  _startHeartbeat() {
    this._clearTimer('heartbeat');
    if (this.hidden && !this.bugs.has('no_visibility')) return;
    this._setTimer('heartbeat', this.cfg.heartbeatMs, () => this._heartbeatTick());
  }

  _heartbeatTick() {
    const gen = this.generation;
    const onTimeout = () => {
      if (gen !== this.generation) return;
      this._record('pong_timeout', {});
      this.forceReconnect('pong_timeout');
    };
    this.ping('heartbeat', this.cfg.pongTimeoutMs, onTimeout).catch(() => {});
    this._startHeartbeat();
  }

  // ---- helpers ------------------------------------------------------------------------------

  _rawSend(obj) {
    if (!this.socket || this.socket.readyState !== OPEN) return;
    this.socket.send(JSON.stringify(obj));
  }

  _setState(state) {
    if (this.state === state) return;
    const from = this.state;
    this.state = state;
    this.events.emit('state', { from, to: state });
  }

  _record(type, detail = {}) {
    const entry = { type, at: this.clock.now(), ...detail };
    this.history.push(entry);
    if (this.history.length > EVENT_HISTORY) this.history.splice(0, this.history.length - EVENT_HISTORY);
    this.events.emit('event', entry);
  }

  _emitQueue() {
    this.events.emit('queue', { length: this.queue.length });
  }

  _setTimer(name, ms, fn) {
    this._clearTimer(name);
    this._timers[name] = this.timers.setTimeout(() => {
      delete this._timers[name];
      fn();
    }, ms);
  }

  _clearTimer(name) {
    if (this._timers[name] !== undefined) this.timers.clearTimeout(this._timers[name]);
    delete this._timers[name];
  }

  _clearAllTimers() {
    for (const name of Object.keys(this._timers)) this._clearTimer(name);
    for (const id of [...this._ackTimers.keys()]) this._clearAckTimer(id);
  }
}
