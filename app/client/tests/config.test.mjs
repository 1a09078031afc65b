import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_BUGS, REPORT_BUGS, loadConfig, parseBugs, parseJitter, seededRandom, withClientId } from '../static/js/config.js';
import { TicketStore } from '../static/js/tickets.js';
import { MemoryStorage } from './fakes.mjs';

test('URL parameters: ws, time_scale, bugs, client_id, seed', () => {
  const cfg = loadConfig('http://127.0.0.1:8080/?ws=ws://127.0.0.1:9000/ws/trigger&time_scale=0.1&bugs=no_jitter,no_queue&client_id=b0&seed=7', new MemoryStorage());
  assert.equal(cfg.wsUrl, 'ws://127.0.0.1:9000/ws/trigger');
  assert.equal(cfg.timeScale, 0.1);
  assert.deepEqual(cfg.bugs, ['no_jitter', 'no_queue']);
  assert.equal(cfg.clientId, 'b0');
  assert.equal(cfg.seed, '7');
});

test('defaults: ws on the page host port 8765, time scale 1, client id kept in storage', () => {
  const storage = new MemoryStorage();
  const a = loadConfig('http://localhost:8080/', storage);
  assert.equal(a.wsUrl, 'ws://localhost:8765/ws/trigger');
  assert.equal(a.timeScale, 1);
  assert.deepEqual(a.bugs, []);
  assert.equal(loadConfig('http://localhost:8080/', storage).clientId, a.clientId);
});

test('jitter: equal by default, full on request, anything else reported and equal', () => {
  assert.equal(loadConfig('http://localhost:8080/', new MemoryStorage()).jitter, 'equal');
  assert.equal(loadConfig('http://localhost:8080/?jitter=full', new MemoryStorage()).jitter, 'full');
  assert.deepEqual(parseJitter('fulll'), { jitter: 'equal', error: 'fulll' });
  assert.deepEqual(parseJitter(''), { jitter: 'equal', error: null });
});

test('legacy switches on every client bug of the bug report; unknown names are reported', () => {
  assert.deepEqual(parseBugs('legacy').bugs, [...REPORT_BUGS]);
  assert.deepEqual(parseBugs('legacy,no_event_dedupe').bugs, [...CLIENT_BUGS]);
  assert.deepEqual(parseBugs('no_jitter, nope').unknown, ['nope']);
  assert.equal(REPORT_BUGS.length, 13);
  assert.equal(CLIENT_BUGS.length, 14);
});

test('client_id is added to the WebSocket URL', () => {
  assert.equal(withClientId('ws://h:1/ws/trigger', 'b 1'), 'ws://h:1/ws/trigger?client_id=b+1');
});

test('a seed makes the jitter sequence replayable', () => {
  const a = seededRandom('7:b0');
  const b = seededRandom('7:b0');
  const xs = [a(), a(), a()];
  assert.deepEqual(xs, [b(), b(), b()]);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
});

test('ticket ids are T-<n>, unique per client, also after a reload', () => {
  const storage = new MemoryStorage();
  const s1 = new TicketStore({ storage });
  const ids = Array.from({ length: 15 }, (_, i) => s1.create(`t${i}`).id);
  assert.equal(new Set(ids).size, 15);
  assert.equal(ids[0], 'T-1');
  const s2 = new TicketStore({ storage });
  assert.equal(s2.list().length, 15);
  assert.equal(s2.create('again').id, 'T-16');
});

test('workflow status follows ack and status_update frames', () => {
  const store = new TicketStore();
  const t = store.create('x');
  store.trackMessage('m1', t.id);
  store.update(t.id, { status: 'sent', pendingMessage: 'm1' });
  store.applyFrame({ type: 'ack', id: 'm1', adw_id: 'adw-1', duplicate: false });
  assert.equal(t.status, 'accepted');
  store.applyFrame({ type: 'status_update', adw_id: 'adw-1', ticket_id: t.id, status: 'running', progress: 50 });
  assert.deepEqual([t.status, t.progress], ['running', 50]);
  store.applyFrame({ type: 'status_update', adw_id: 'adw-1', ticket_id: t.id, status: 'completed', progress: 100 });
  assert.equal(t.status, 'completed');
});
