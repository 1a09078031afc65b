import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MIN_TIMER_MS, loadConfig } from '../static/js/config.js';
import { effectiveSettings } from '../static/js/websocketService.js';
import { MemoryStorage, setup } from './fakes.mjs';

const none = new Set();

test('time scale 0.1: timeouts stop at the 2 s floor, delays and intervals stay exactly scaled', () => {
  const s = effectiveSettings(0.1, none);
  assert.equal(DEFAULT_MIN_TIMER_MS, 2000);
  assert.deepEqual([s.pongTimeoutMs, s.connectTimeoutMs, s.ackTimeoutMs], [2000, 2000, 2000]);
  assert.deepEqual([s.baseDelayMs, s.maxDelayMs, s.heartbeatMs, s.drainTimeoutMs], [100, 3000, 1500, 200]);
});

test('the floor never raises a timeout above its unscaled value, and 0 switches it off', () => {
  assert.equal(effectiveSettings(1, none).pongTimeoutMs, 5000);
  assert.equal(effectiveSettings(0.5, none).pongTimeoutMs, 2500);
  assert.equal(effectiveSettings(0.1, none, 8000).pongTimeoutMs, 5000);
  assert.equal(effectiveSettings(0.1, none, 0).pongTimeoutMs, 500);
});

test('min_timer_ms comes from the URL; a bad value keeps the default and is reported', () => {
  const page = 'http://127.0.0.1:8080/?time_scale=0.1&client_id=b0';
  assert.equal(loadConfig(page, new MemoryStorage()).minTimerMs, 2000);
  assert.equal(loadConfig(`${page}&min_timer_ms=3000`, new MemoryStorage()).minTimerMs, 3000);
  assert.equal(loadConfig(`${page}&min_timer_ms=0`, new MemoryStorage()).minTimerMs, 0);
  const bad = loadConfig(`${page}&min_timer_ms=soon`, new MemoryStorage());
  assert.deepEqual([bad.minTimerMs, bad.minTimerError], [2000, 'soon']);
  assert.equal(loadConfig(`${page}&min_timer_ms=-5`, new MemoryStorage()).minTimerError, '-5');
});

function connectedAt(opts) {
  const ctx = setup(opts);
  ctx.service.connect();
  ctx.last().open();
  return ctx;
}

test('time scale 0.1: pongs 1.5 s late keep the connection (the 500 ms timeout would not)', () => {
  const ctx = connectedAt({ timeScale: 0.1 });
  ctx.Socket.pongDelayMs = 1500;
  ctx.clock.advance(10_000);
  assert.equal(ctx.Socket.instances.length, 1);
  assert.equal(ctx.service.state, 'connected');
  assert.ok(!ctx.service.history.some((e) => e.type === 'pong_timeout'));
});

test('time scale 0.1: no pong within the 2 s floor forces a reconnect (code 4001)', () => {
  const ctx = connectedAt({ timeScale: 0.1 });
  ctx.Socket.pongDelayMs = null;
  const first = ctx.last();
  ctx.clock.advance(1500 + 1999); // the first heartbeat at 1.5 s, its pong due by 3.5 s
  assert.equal(ctx.service.state, 'connected');
  ctx.clock.advance(1);
  assert.ok(ctx.service.history.some((e) => e.type === 'pong_timeout'));
  assert.equal(first.closedWith.code, 4001);
});

test('min_timer_ms=0 switches the floor off: the pong timeout is 500 ms at time scale 0.1', () => {
  const ctx = connectedAt({ timeScale: 0.1, minTimerMs: 0 });
  ctx.Socket.pongDelayMs = null;
  const first = ctx.last();
  ctx.clock.advance(1500 + 499);
  assert.equal(ctx.service.state, 'connected');
  ctx.clock.advance(1);
  assert.equal(first.closedWith.code, 4001);
});
