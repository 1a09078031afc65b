import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from './fakes.mjs';

function connected(opts) {
  const ctx = setup(opts);
  ctx.service.connect();
  ctx.last().open();
  return ctx;
}
const heartbeats = (sock) => sock.sentOfType('ping').length;

test('a heartbeat ping with a timestamp goes out every 15 s', () => {
  const ctx = connected();
  const sock = ctx.last();
  ctx.clock.advance(14_999);
  assert.equal(heartbeats(sock), 0);
  ctx.clock.advance(1);
  assert.equal(heartbeats(sock), 1);
  assert.equal(sock.sent[0].timestamp, ctx.clock.now());
  ctx.clock.advance(45_000);
  assert.equal(heartbeats(sock), 4);
});

test('pongs feed the latency metric', () => {
  const ctx = connected();
  ctx.Socket.pongDelayMs = 120;
  ctx.clock.advance(16_000);
  assert.equal(ctx.service.quality().lastLatencyMs, 120);
});

test('slow_heartbeat: the interval is 30 s', () => {
  const ctx = connected({ bugs: ['slow_heartbeat'] });
  ctx.clock.advance(29_999);
  assert.equal(heartbeats(ctx.last()), 0);
  ctx.clock.advance(1);
  assert.equal(heartbeats(ctx.last()), 1);
});

test('time_scale shortens the heartbeat', () => {
  const ctx = connected({ timeScale: 0.1 });
  ctx.clock.advance(1500);
  assert.equal(heartbeats(ctx.last()), 1);
});

test('no pong within 5 s forces a reconnect', () => {
  const ctx = connected();
  ctx.Socket.pongDelayMs = null;
  const first = ctx.last();
  ctx.clock.advance(15_000 + 4_999);
  assert.equal(ctx.service.state, 'connected');
  ctx.clock.advance(1);
  assert.ok(ctx.service.history.some((e) => e.type === 'pong_timeout'));
  assert.equal(first.closedWith.code, 4001);
  assert.equal(ctx.Socket.instances.length, 2, 'the new attempt starts at once');
  assert.equal(ctx.service.state, 'reconnecting');
});

test('hidden tab: heartbeats pause; shown again: ping at once', () => {
  const ctx = connected();
  const sock = ctx.last();
  ctx.service.setHidden(true);
  ctx.clock.advance(120_000);
  assert.equal(heartbeats(sock), 0);
  ctx.service.setHidden(false);
  assert.equal(heartbeats(sock), 1);
  ctx.clock.advance(15_000);
  assert.equal(heartbeats(sock), 2);
});

test('shown again with a dead connection: the immediate ping times out and reconnects', () => {
  const ctx = connected();
  ctx.service.setHidden(true);
  ctx.Socket.pongDelayMs = null;
  ctx.clock.advance(600_000);
  ctx.service.setHidden(false);
  ctx.clock.advance(5_000);
  assert.ok(ctx.service.history.some((e) => e.type === 'pong_timeout'));
});

test('no_visibility: heartbeats continue while hidden, nothing special when shown', () => {
  const ctx = connected({ bugs: ['no_visibility'] });
  const sock = ctx.last();
  ctx.service.setHidden(true);
  ctx.clock.advance(45_000);
  assert.equal(heartbeats(sock), 3);
  ctx.service.setHidden(false);
  assert.equal(heartbeats(sock), 3);
});

test('offline: state offline at once, socket closed, no attempts until online', () => {
  const ctx = connected();
  const sock = ctx.last();
  ctx.service.handleOffline();
  assert.equal(ctx.service.state, 'offline');
  assert.equal(sock.closedWith.code, 1000);
  ctx.clock.advance(300_000);
  assert.equal(ctx.Socket.instances.length, 1);
});

test('online: reconnect at once with a fresh backoff', () => {
  const ctx = connected({ bugs: ['no_jitter'] });
  ctx.last().serverClose(1006);
  for (let i = 0; i < 4; i++) ctx.nextAttempt().fail();
  assert.equal(ctx.service.attempt, 5);
  ctx.service.handleOffline();
  ctx.service.handleOnline();
  ctx.clock.advance(0);
  assert.equal(ctx.Socket.instances.length, 6);
  assert.equal(ctx.service.attempt, 1);
  ctx.last().fail();
  const ev = ctx.service.history.filter((e) => e.type === 'reconnect_scheduled').at(-1);
  assert.equal(ev.delay_ms, 2000, 'backoff restarted from the beginning');
});

test('no_online_events: offline and online are ignored', () => {
  const ctx = connected({ bugs: ['no_online_events'] });
  ctx.service.handleOffline();
  assert.equal(ctx.service.state, 'connected');
  assert.equal(ctx.last().closedWith, null);
  ctx.last().serverClose(1006);
  ctx.service.handleOnline();
  assert.equal(ctx.Socket.instances.length, 1);
});
