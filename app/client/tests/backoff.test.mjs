import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../static/js/backoff.js';
import { setup } from './fakes.mjs';

const opts = { baseMs: 1000, capMs: 30000 };

test('raw backoff doubles from 1 s and is capped at 30 s', () => {
  const seq = [1, 2, 3, 4, 5, 6, 7, 20].map((n) => backoffDelay(n, { ...opts, jitter: false }));
  assert.deepEqual(seq, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
});

test('jitter keeps every delay within [0.5, 1] x the raw delay', () => {
  for (const r of [0, 0.25, 0.999999]) {
    for (let n = 1; n <= 20; n++) {
      const raw = backoffDelay(n, { ...opts, jitter: false });
      const d = backoffDelay(n, { ...opts, random: () => r });
      assert.ok(d >= raw * 0.5 && d <= raw, `attempt ${n}, random ${r}: ${d} vs raw ${raw}`);
    }
  }
  assert.equal(backoffDelay(3, { ...opts, random: () => 0 }), 2000);
  assert.equal(backoffDelay(3, { ...opts, random: () => 1 }), 4000);
});

test('full jitter spreads every delay over [0, 1] x the raw delay', () => {
  for (const r of [0, 0.25, 0.999999]) {
    for (let n = 1; n <= 20; n++) {
      const raw = backoffDelay(n, { ...opts, jitter: false });
      const d = backoffDelay(n, { ...opts, random: () => r, jitter: 'full' });
      assert.ok(d >= 0 && d <= raw, `attempt ${n}, random ${r}: ${d} vs raw ${raw}`);
    }
  }
  assert.equal(backoffDelay(3, { ...opts, random: () => 0, jitter: 'full' }), 0);
  assert.equal(backoffDelay(3, { ...opts, random: () => 0.5, jitter: 'full' }), 2000);
});

/** Drive a service whose every connection attempt fails; return the scheduled delays. */
function scheduledDelays(ctx, count) {
  const delays = [];
  ctx.service.connect();
  for (let i = 0; i < count; i++) {
    ctx.last().fail();
    const ev = ctx.service.history.filter((e) => e.type === 'reconnect_scheduled').at(-1);
    delays.push(ev.delay_ms);
    ctx.clock.advance(ev.delay_ms);
  }
  return delays;
}

test('the service waits the jittered exponential delays between attempts', () => {
  const ctx = setup({ random: () => 0 });
  assert.deepEqual(scheduledDelays(ctx, 7), [500, 1000, 2000, 4000, 8000, 15000, 15000]);
  assert.equal(ctx.Socket.instances.length, 8);
});

test('jitter: full makes the service draw its delays from 0..1 x the raw sequence', () => {
  const ctx = setup({ random: () => 0.25, jitter: 'full' });
  assert.deepEqual(scheduledDelays(ctx, 7), [250, 500, 1000, 2000, 4000, 7500, 7500]);
});

test('no_jitter overrides jitter: full with the raw sequence', () => {
  const ctx = setup({ random: () => 0.25, jitter: 'full', bugs: ['no_jitter'] });
  assert.deepEqual(scheduledDelays(ctx, 4), [1000, 2000, 4000, 8000]);
});

test('no_jitter: delays are exactly the raw exponential sequence', () => {
  const ctx = setup({ random: () => 0, bugs: ['no_jitter'] });
  assert.deepEqual(scheduledDelays(ctx, 7), [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
});

test('time_scale multiplies the backoff', () => {
  const ctx = setup({ bugs: ['no_jitter'], timeScale: 0.1 });
  assert.deepEqual(scheduledDelays(ctx, 3), [100, 200, 400]);
});

test('a reconnect timer fires only after its delay', () => {
  const ctx = setup({ bugs: ['no_jitter'] });
  ctx.service.connect();
  ctx.last().fail();
  ctx.clock.advance(999);
  assert.equal(ctx.Socket.instances.length, 1);
  ctx.clock.advance(1);
  assert.equal(ctx.Socket.instances.length, 2);
});
