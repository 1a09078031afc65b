import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../static/js/connectionHealthMonitor.js';
import { setup } from './fakes.mjs';

function connected(opts = {}) {
  const ctx = setup({ monitor: true, ...opts });
  ctx.service.connect();
  ctx.monitor.start();
  ctx.last().open();
  return ctx;
}
const pings = (sock, source) => sock.sentOfType('ping').length;

test('thresholds: latency 200 ms -> DEGRADED, 1000 ms -> UNHEALTHY, missed pongs 1 / 2', () => {
  const c = (latencyMs, missedPongs = 0) => classify({ state: 'connected', attempt: 0, latencyMs, missedPongs }).level;
  assert.equal(c(null), 'HEALTHY');
  assert.equal(c(199), 'HEALTHY');
  assert.equal(c(200), 'DEGRADED');
  assert.equal(c(999), 'DEGRADED');
  assert.equal(c(1000), 'UNHEALTHY');
  assert.equal(c(10, 1), 'DEGRADED');
  assert.equal(c(10, 2), 'UNHEALTHY');
});

test('not connected: UNHEALTHY for up to 3 attempts, CRITICAL beyond and when failed', () => {
  const c = (state, attempt) => classify({ state, attempt, latencyMs: null, missedPongs: 0 }).level;
  assert.equal(c('reconnecting', 1), 'UNHEALTHY');
  assert.equal(c('reconnecting', 3), 'UNHEALTHY');
  assert.equal(c('reconnecting', 4), 'CRITICAL');
  assert.equal(c('offline', 0), 'UNHEALTHY');
  assert.equal(c('failed', 20), 'CRITICAL');
  assert.equal(classify({ state: 'connecting', attempt: 0, latencyMs: null, missedPongs: 0, previous: 'CRITICAL' }).level, 'CRITICAL');
});

test('latency is sampled automatically every 3 s from pings', () => {
  const ctx = connected();
  const sock = ctx.last();
  ctx.clock.advance(0);
  assert.equal(pings(sock), 1, 'a first sample right after connecting');
  ctx.clock.advance(3000);
  assert.equal(pings(sock), 2);
  ctx.clock.advance(9000);
  assert.equal(pings(sock), 5);
});

test('latency of 300 ms degrades the connection, raises an alert and samples faster (1.5 s)', () => {
  const ctx = connected();
  ctx.Socket.pongDelayMs = 300;
  ctx.clock.advance(301);
  assert.equal(ctx.monitor.level, 'DEGRADED');
  assert.equal(ctx.monitor.latencyMs, 300);
  const alert = ctx.monitor.alerts.list().at(-1);
  assert.equal(alert.level, 'DEGRADED');
  assert.match(alert.message, /300 ms/);
  assert.ok(alert.suggestion.length > 10);
  assert.equal(ctx.monitor.intervalMs(), 1500);
});

test('UNHEALTHY (1000 ms latency) triggers an automatic reconnect, then recovery is tracked', () => {
  const ctx = connected();
  const first = ctx.last();
  ctx.Socket.pongDelayMs = 1200;
  ctx.clock.advance(1200);
  assert.equal(first.closedWith && first.closedWith.code, 4001);
  assert.ok(ctx.service.history.some((e) => e.type === 'auto_remediation'));
  ctx.Socket.pongDelayMs = 20;
  ctx.clock.advance(0);
  ctx.last().open();
  ctx.clock.advance(20);
  assert.equal(ctx.monitor.level, 'HEALTHY');
  assert.equal(ctx.monitor.recovery.remediations, 1);
  assert.match(ctx.monitor.alerts.list().at(-1).message, /recovered/);
});

test('two missed pongs make it UNHEALTHY and reconnect', () => {
  const ctx = connected();
  ctx.Socket.pongDelayMs = null;
  const first = ctx.last();
  ctx.clock.advance(5000);
  assert.equal(ctx.monitor.level, 'DEGRADED');
  ctx.clock.advance(1500 + 5000);
  assert.ok(ctx.service.history.some((e) => e.type === 'auto_remediation' && e.reason === 'missed_pongs'));
  assert.notEqual(first.closedWith, null);
});

test('no_auto_remediation: UNHEALTHY is reported but nothing reconnects', () => {
  const ctx = connected({ bugs: ['no_auto_remediation'] });
  ctx.Socket.pongDelayMs = 1500;
  ctx.clock.advance(1500);
  assert.equal(ctx.monitor.level, 'UNHEALTHY');
  assert.equal(ctx.last().closedWith, null);
  assert.equal(ctx.Socket.instances.length, 1);
});

test('slow_health_check: samples every 5 s, not adaptive', () => {
  const ctx = connected({ bugs: ['slow_health_check'] });
  ctx.Socket.pongDelayMs = 300;
  ctx.clock.advance(300);
  assert.equal(ctx.monitor.level, 'DEGRADED');
  assert.equal(ctx.monitor.intervalMs(), 5000);
});

test('manual_latency: no automatic sampling, health ignores heartbeat latency; Test Connection measures', async () => {
  const ctx = connected({ bugs: ['manual_latency'] });
  ctx.Socket.pongDelayMs = 1500;
  ctx.clock.advance(60_000);
  assert.equal(ctx.monitor.level, 'HEALTHY');
  assert.equal(ctx.monitor.latencyMs, null);
  ctx.Socket.pongDelayMs = 500;
  const result = ctx.monitor.testConnection();
  ctx.clock.advance(500);
  assert.equal((await result).latencyMs, 500);
  assert.equal(ctx.monitor.latencyMs, 500);
  assert.equal(ctx.monitor.level, 'DEGRADED');
});

test('disconnect for more than 3 attempts -> CRITICAL; failed -> CRITICAL with score 0', () => {
  const ctx = connected({ bugs: ['max5_attempts'] });
  ctx.last().serverClose(1006);
  assert.equal(ctx.monitor.level, 'UNHEALTHY');
  for (let i = 0; i < 3; i++) ctx.nextAttempt().fail();
  assert.equal(ctx.service.attempt, 4);
  assert.equal(ctx.monitor.level, 'CRITICAL');
  ctx.nextAttempt().fail();
  ctx.nextAttempt().fail();
  assert.equal(ctx.service.state, 'failed');
  assert.equal(ctx.monitor.level, 'CRITICAL');
  assert.equal(ctx.monitor.qualityScore(), 0);
  assert.match(ctx.monitor.alerts.list().at(-1).message, /not connected after 3 attempts|Gave up/);
});

test('quality score stays within 0-100 and drops with latency', () => {
  const ctx = connected();
  ctx.Socket.pongDelayMs = 10;
  ctx.clock.advance(10_000);
  const good = ctx.monitor.qualityScore();
  assert.ok(good >= 90 && good <= 100, String(good));
  ctx.monitor._onPong(900, 'health');
  const worse = ctx.monitor.qualityScore();
  assert.ok(worse < good && worse >= 0, `${worse} < ${good}`);
});

test('hidden tab pauses health sampling too', () => {
  const ctx = connected();
  ctx.clock.advance(0);
  const before = pings(ctx.last());
  ctx.service.setHidden(true);
  ctx.clock.advance(14_000);
  assert.equal(pings(ctx.last()), before);
});
