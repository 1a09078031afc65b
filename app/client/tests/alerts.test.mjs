import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALERTS_KEY, AlertStore } from '../static/js/alertStore.js';
import { MemoryStorage, setup } from './fakes.mjs';

test('alerts are persisted to localStorage and only the last 50 are kept', () => {
  const storage = new MemoryStorage();
  const store = new AlertStore({ storage });
  for (let i = 0; i < 60; i++) store.add({ level: 'DEGRADED', message: `m${i}`, suggestion: 's', at: i });
  const saved = JSON.parse(storage.getItem(ALERTS_KEY));
  assert.equal(saved.length, 50);
  assert.equal(saved[0].message, 'm10');
  assert.equal(saved.at(-1).message, 'm59');
  assert.equal(new AlertStore({ storage }).list().length, 50);
});

test('health alerts survive a reload', () => {
  const storage = new MemoryStorage();
  const a = setup({ storage, monitor: true });
  a.service.connect();
  a.monitor.start();
  a.last().open();
  a.Socket.pongDelayMs = 400;
  a.clock.advance(400);
  const reloaded = setup({ storage, monitor: true });
  const alert = reloaded.monitor.alerts.list().at(-1);
  assert.deepEqual(Object.keys(alert).sort(), ['at', 'level', 'message', 'suggestion']);
  assert.equal(alert.level, 'DEGRADED');
});

test('no_alert_persistence: alerts are lost on reload', () => {
  const storage = new MemoryStorage();
  const a = setup({ storage, monitor: true, bugs: ['no_alert_persistence'] });
  a.service.connect();
  a.monitor.start();
  a.last().open();
  a.Socket.pongDelayMs = 400;
  a.clock.advance(400);
  assert.ok(a.monitor.alerts.list().length > 0);
  assert.equal(storage.getItem(ALERTS_KEY), null);
  const reloaded = setup({ storage, monitor: true, bugs: ['no_alert_persistence'] });
  assert.equal(reloaded.monitor.alerts.list().length, 0);
});
