// Connection health: latency sampled from automatic pings, progressive levels
// HEALTHY -> DEGRADED -> UNHEALTHY -> CRITICAL, automatic reconnect at UNHEALTHY, a 0-100
// quality score, persisted alerts with actionable suggestions, and recovery tracking.
// DOM-free: it watches a WebSocketService and uses injected timers/clock/storage.

import { AlertStore } from './alertStore.js';
import { Emitter } from './emitter.js';
import { TimeoutError } from './websocketService.js';

export const LEVELS = Object.freeze(['HEALTHY', 'DEGRADED', 'UNHEALTHY', 'CRITICAL']);

/** Thresholds of docs/reference-app.md, "Health levels". */
export const THRESHOLDS = Object.freeze({
  degradedLatencyMs: 200,
  unhealthyLatencyMs: 1000,
  degradedMissedPongs: 1,
  unhealthyMissedPongs: 2,
  criticalAttempts: 3,
});

/** Unscaled sampling intervals (ms). */
export const SAMPLING = Object.freeze({ healthyMs: 3000, adaptiveMs: 1500, slowMs: 5000, remediationCooldownMs: 30000 });

/**
 * Pure level function.
 * @param {{state: string, attempt: number, latencyMs: number|null, missedPongs: number, previous: string}} s
 * @returns {{level: string, reason: string}}
 */
export function classify({ state, attempt, latencyMs, missedPongs, previous = 'HEALTHY' }) {
  const t = THRESHOLDS;
  if (state === 'failed') return { level: 'CRITICAL', reason: 'failed' };
  if (state === 'connected') {
    if (latencyMs !== null && latencyMs >= t.unhealthyLatencyMs) return { level: 'UNHEALTHY', reason: 'latency' };
    if (missedPongs >= t.unhealthyMissedPongs) return { level: 'UNHEALTHY', reason: 'missed_pongs' };
    if (latencyMs !== null && latencyMs >= t.degradedLatencyMs) return { level: 'DEGRADED', reason: 'latency' };
    if (missedPongs >= t.degradedMissedPongs) return { level: 'DEGRADED', reason: 'missed_pongs' };
    return { level: 'HEALTHY', reason: 'ok' };
  }
  if (state === 'connecting' && attempt === 0) return { level: previous, reason: 'connecting' };
  if (attempt > t.criticalAttempts) return { level: 'CRITICAL', reason: 'attempts' };
  return { level: 'UNHEALTHY', reason: state === 'offline' ? 'offline' : state === 'disconnected' ? 'disconnected' : 'disconnected_retrying' };
}

function alertText(level, reason, ctx) {
  const lat = ctx.latencyMs === null ? '?' : Math.round(ctx.latencyMs);
  const auto = ctx.autoRemediation;
  const table = {
    'DEGRADED:latency': [`High latency: ${lat} ms (threshold 200 ms)`, 'Updates may lag. Check for a slow or congested network (VPN, large downloads); no action needed if it passes.'],
    'DEGRADED:missed_pongs': ['The server did not answer a ping in time', 'If this repeats, press Test Connection; the app reconnects by itself after a second miss.'],
    'UNHEALTHY:latency': [`Very high latency: ${lat} ms (threshold 1000 ms)`, auto ? 'Reconnecting automatically. If it persists, check the network or the server load.' : 'Press Reconnect. If it persists, check the network or the server load.'],
    'UNHEALTHY:missed_pongs': [`${ctx.missedPongs} pings in a row went unanswered`, auto ? 'Reconnecting automatically; queued messages are kept and re-sent.' : 'The connection looks dead: press Reconnect; queued messages are kept.'],
    'UNHEALTHY:disconnected_retrying': [`Connection lost; reconnecting (attempt ${ctx.attempt} of ${ctx.maxAttempts})`, 'Keep working: messages are queued and delivered once the connection is back.'],
    'UNHEALTHY:offline': ['The browser is offline', 'Check the network connection (Wi-Fi, cable, VPN); the app reconnects as soon as the browser is back online.'],
    'UNHEALTHY:disconnected': ['Disconnected', 'Press Reconnect to connect again.'],
    'CRITICAL:attempts': [`Still not connected after ${ctx.attempt - 1} attempts`, 'Check that the server is running and reachable; press Reconnect to retry now.'],
    'CRITICAL:failed': [`Gave up after ${ctx.maxAttempts} reconnect attempts`, 'Check that the server is running, then press Reconnect. Queued messages are kept.'],
  };
  return table[`${level}:${reason}`] || [`Connection is ${level.toLowerCase()}`, 'Press Test Connection for details.'];
}

export class ConnectionHealthMonitor {
  constructor({ service, clock, timers, storage = null, timeScale = 1, bugs = [], fetchHealth = null }) {
    this.service = service;
    this.clock = clock || service.clock;
    this.timers = timers || service.timers;
    this.bugs = new Set(bugs);
    this.timeScale = timeScale;
    this.fetchHealth = fetchHealth;
    this.alerts = new AlertStore({ storage, persist: !this.bugs.has('no_alert_persistence') });
    this.events = new Emitter();

    this.level = 'HEALTHY';
    this.reason = 'ok';
    this.latencyMs = null;
    this.samples = [];
    this.outcomes = [];
    this.missedPongs = 0;
    this.healthResponseMs = null;
    this.recovery = { count: 0, lastMs: null, reconnects: 0, failures: 0, remediations: 0 };
    this._troubleSince = null;
    this._lastRemediationAt = -Infinity;
    this._sampling = false;
    this._paused = false;
    this._timer = null;
    this._startedAt = this.clock.now();
    this._connectedMs = 0;
    this._connectedSince = null;
  }

  start() {
    const s = this.service.events;
    s.on('state', ({ to }) => this._onState(to));
    s.on('pong', ({ latencyMs, source }) => this._onPong(latencyMs, source));
    s.on('visibility', ({ hidden }) => this._onVisibility(hidden));
    s.on('event', (e) => {
      if (e.type === 'connected' && e.after_attempts > 0) this.recovery.reconnects += 1;
      if (e.type === 'failed') this.recovery.failures += 1;
      if (e.type === 'reconnect_scheduled') this._evaluate(); // the attempt count moves the level
    });
    // Before the first connect() there is nothing to judge (and nothing to alert about).
    if (this.service.state !== 'disconnected') this._onState(this.service.state);
  }

  stop() {
    this._clearTimer();
  }

  /** Current sampling interval: 3 s, 1.5 s when not HEALTHY; a fixed 5 s with slow_health_check. */
  intervalMs() {
    if (this.bugs.has('slow_health_check')) return SAMPLING.slowMs * this.timeScale;
    return (this.level === 'HEALTHY' ? SAMPLING.healthyMs : SAMPLING.adaptiveMs) * this.timeScale;
  }

  /** Quality score 0-100 from latency, ping and message reliability, and uptime. */
  qualityScore() {
    const st = this.service.state;
    if (st === 'failed') return 0;
    const lat = this.latencyMs;
    const latScore = lat === null ? 100 : Math.max(0, Math.min(100, 100 - ((lat - 100) / 1900) * 100));
    const pongRel = this.outcomes.length ? (100 * this.outcomes.filter(Boolean).length) / this.outcomes.length : 100;
    const msgRel = 100 * this.service.quality().successRate;
    const score = 0.4 * latScore + 0.2 * pongRel + 0.2 * msgRel + 0.2 * 100 * this.uptimeRatio();
    return Math.round(st === 'connected' ? score : score * 0.5);
  }

  uptimeRatio() {
    const now = this.clock.now();
    const total = now - this._startedAt;
    const up = this._connectedMs + (this._connectedSince === null ? 0 : now - this._connectedSince);
    return total > 0 ? Math.min(1, up / total) : this.service.state === 'connected' ? 1 : 0;
  }

  /** Network quality estimated from the latency pattern (average and jitter of recent samples). */
  networkQuality() {
    const xs = this.samples.slice(-10);
    if (!xs.length) return 'unknown';
    const avg = xs.reduce((a, b) => a + b, 0) / xs.length;
    const jitter = xs.length > 1 ? xs.slice(1).reduce((a, x, i) => a + Math.abs(x - xs[i]), 0) / (xs.length - 1) : 0;
    if (avg < 50 && jitter < 20) return 'excellent';
    if (avg < 150 && jitter < 75) return 'good';
    if (avg < 400) return 'fair';
    return 'poor';
  }

  /** On-demand check (button): a ping, plus the health endpoint's response time if wired. */
  async testConnection() {
    const result = { ok: false, latencyMs: null, healthResponseMs: null, error: null };
    try {
      result.latencyMs = await this.service.ping('manual');
      result.ok = true;
    } catch (err) {
      result.error = err instanceof TimeoutError ? 'no answer from the server within 5 s' : String(err.message || err);
    }
    if (this.fetchHealth) {
      try {
        result.healthResponseMs = await this.fetchHealth();
        this.healthResponseMs = result.healthResponseMs;
      } catch (_) {
        result.healthResponseMs = null;
      }
    }
    this.service._record('test_connection', { ok: result.ok, latency_ms: result.latencyMs === null ? null : Math.round(result.latencyMs) });
    this.events.emit('test', result);
    return result;
  }

  // ---- internals ----------------------------------------------------------------------------

  _onState(to) {
    const now = this.clock.now();
    if (to === 'connected') {
      this._connectedSince = now;
      this.latencyMs = null; // judge the new connection on its own samples
      this.missedPongs = 0;
      this._evaluate();
      this._schedule(0);
      return;
    }
    if (this._connectedSince !== null) this._connectedMs += now - this._connectedSince;
    this.latencyMs = null; // no connection, no latency: do not show a stale value
    this._connectedSince = null;
    this._clearTimer();
    this._evaluate();
  }

  _onPong(latencyMs, source) {
    if (source === 'health') this._sampling = false;
    if (this.bugs.has('manual_latency') && source !== 'manual') return;
    this.latencyMs = latencyMs;
    this.samples = [...this.samples.slice(-49), latencyMs];
    this.outcomes = [...this.outcomes.slice(-19), true];
    this.missedPongs = 0;
    this._evaluate();
  }

  _onVisibility(hidden) {
    this._paused = hidden;
    if (hidden) this._clearTimer();
    else if (this.service.state === 'connected') this._schedule(0);
  }

  _schedule(delayMs) {
    this._clearTimer();
    if (this.bugs.has('manual_latency') || this._paused) return;
    this._timer = this.timers.setTimeout(() => {
      this._timer = null;
      this._sample();
    }, delayMs ?? this.intervalMs());
  }

  _sample() {
    if (this.service.state !== 'connected') return;
    if (!this._sampling) {
      this._sampling = true;
      const gen = this.service.generation;
      const onTimeout = () => {
        this._sampling = false;
        if (gen !== this.service.generation) return;
        this.missedPongs += 1;
        this.outcomes = [...this.outcomes.slice(-19), false];
        this._evaluate();
      };
      this.service
        .ping('health', this.service.cfg.pongTimeoutMs, onTimeout)
        .then(() => (this._sampling = false), () => (this._sampling = false));
    }
    this._schedule();
  }

  _evaluate() {
    const svc = this.service;
    const { level, reason } = classify({
      state: svc.state,
      attempt: svc.attempt,
      latencyMs: this.latencyMs,
      missedPongs: this.missedPongs,
      previous: this.level,
    });
    const changed = level !== this.level;
    const prev = this.level;
    this.level = level;
    this.reason = reason;
    if (changed) this._onLevelChange(prev, level, reason);
    this.events.emit('change', { level, reason });
  }

  _onLevelChange(prev, level, reason) {
    const now = this.clock.now();
    const autoRemediation = !this.bugs.has('no_auto_remediation');
    if (level === 'HEALTHY') {
      const took = this._troubleSince === null ? null : now - this._troubleSince;
      this._troubleSince = null;
      this.recovery.count += 1;
      this.recovery.lastMs = took;
      const secs = took === null ? '' : ` after ${(took / 1000).toFixed(1)} s`;
      this._alert('HEALTHY', `Connection recovered${secs}`, 'No action needed.');
      return;
    }
    if (this._troubleSince === null) this._troubleSince = now;
    const [message, suggestion] = alertText(level, reason, {
      latencyMs: this.latencyMs,
      missedPongs: this.missedPongs,
      attempt: this.service.attempt,
      maxAttempts: this.service.cfg.maxAttempts,
      autoRemediation,
    });
    this._alert(level, message, suggestion);
    const cooldown = SAMPLING.remediationCooldownMs * this.timeScale;
    if (level === 'UNHEALTHY' && this.service.state === 'connected' && autoRemediation && now - this._lastRemediationAt >= cooldown) {
      this._lastRemediationAt = now;
      this.recovery.remediations += 1;
      this.service._record('auto_remediation', { reason });
      this.service.forceReconnect(`health ${level} (${reason})`);
    }
  }

  _alert(level, message, suggestion) {
    const alert = this.alerts.add({ level, message, suggestion, at: this.clock.now() });
    this.events.emit('alert', alert);
  }

  _clearTimer() {
    if (this._timer !== null) this.timers.clearTimeout(this._timer);
    this._timer = null;
  }
}
