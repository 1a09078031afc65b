import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeoutError } from '../static/js/websocketService.js';
import { flush, MemoryStorage, setup } from './fakes.mjs';

function connected(opts) {
  const ctx = setup(opts);
  ctx.service.connect();
  ctx.last().open();
  return ctx;
}

const titles = (sock) => sock.sentOfType('ticket_notification').map((m) => m.ticket.id);

test('every message carries a unique client-generated id', () => {
  const ctx = connected();
  for (let i = 1; i <= 15; i++) ctx.service.sendTicket({ id: `T-${i}`, title: `t${i}` });
  const ids = ctx.last().sentOfType('ticket_notification').map((m) => m.id);
  assert.equal(ids.length, 15);
  assert.equal(new Set(ids).size, 15);
});

test('messages sent while disconnected are queued and drained in order on reconnect', () => {
  const ctx = connected();
  ctx.last().serverClose(1006);
  for (let i = 1; i <= 5; i++) ctx.service.sendTicket({ id: `T-${i}`, title: 'x' });
  assert.equal(ctx.service.queue.length, 5);
  const sock = ctx.nextAttempt();
  sock.open();
  assert.deepEqual(titles(sock), ['T-1', 'T-2', 'T-3', 'T-4', 'T-5']);
  sock.ackAll('ticket_notification');
  assert.equal(ctx.service.queue.length, 0);
});

test('an acked message leaves the queue and resolves its promise', async () => {
  const ctx = connected();
  const { id, promise } = ctx.service.triggerWorkflow('T-1');
  assert.equal(ctx.service.queue.length, 1);
  ctx.last().receive({ type: 'ack', id, adw_id: 'adw-1', duplicate: false });
  assert.equal((await promise).adw_id, 'adw-1');
  assert.equal(ctx.service.queue.length, 0);
});

test('sent-but-unacked messages are re-sent with the same id after a reconnect', () => {
  const ctx = connected();
  const first = ctx.last();
  const { id } = ctx.service.triggerWorkflow('T-1');
  first.serverClose(1006);
  const second = ctx.nextAttempt();
  second.open();
  assert.deepEqual(second.sentOfType('trigger_workflow').map((m) => m.id), [id]);
});

test('the queue survives a reload (localStorage) and is sent by the next page', () => {
  const storage = new MemoryStorage();
  const a = setup({ storage });
  a.service.connect();
  a.last().fail();
  a.service.sendTicket({ id: 'T-1', title: 'one' });
  a.service.triggerWorkflow('T-1');
  const b = setup({ storage }); // the reloaded page
  assert.equal(b.service.queue.length, 2);
  b.service.connect();
  b.last().open();
  assert.deepEqual(b.last().sent.filter((m) => m.type !== 'ping').map((m) => m.type), ['ticket_notification', 'trigger_workflow']);
});

test('an unacked message is re-sent on the same socket after an exponentially growing timeout', () => {
  const ctx = connected();
  ctx.service.sendTicket({ id: 'T-1', title: 'x' });
  const sends = () => ctx.last().sentOfType('ticket_notification').length;
  ctx.clock.advance(10_000);
  assert.equal(sends(), 2);
  ctx.clock.advance(19_999);
  assert.equal(sends(), 2);
  ctx.clock.advance(1);
  assert.equal(sends(), 3);
});

test('a trigger promise rejects with a timeout after 5 unacked sends instead of waiting forever', async () => {
  const ctx = connected();
  const { promise } = ctx.service.triggerWorkflow('T-1');
  let err = null;
  promise.catch((e) => (err = e));
  for (let i = 0; i < 4; i++) ctx.clock.advance(10_000 * 2 ** i);
  await flush();
  assert.equal(err, null);
  ctx.clock.advance(160_000);
  await flush();
  assert.ok(err instanceof TimeoutError);
  assert.equal(ctx.service.queue.length, 1, 'the message itself stays queued until acked');
});

test('rate_limited: the message is retried after retry_after, keeping the order', () => {
  const ctx = connected();
  const sock = ctx.last();
  const a = ctx.service.triggerWorkflow('T-1');
  sock.receive({ type: 'error', id: a.id, code: 'rate_limited', message: 'slow down', recoverable: true, retry_after: 2 });
  const b = ctx.service.triggerWorkflow('T-2');
  assert.deepEqual(sock.sentOfType('trigger_workflow').map((m) => m.ticket_id), ['T-1']);
  ctx.clock.advance(2000);
  assert.deepEqual(sock.sentOfType('trigger_workflow').map((m) => m.ticket_id), ['T-1', 'T-1', 'T-2']);
  assert.equal(ctx.service.queue.length, 2);
  assert.ok(b.id);
});

test('a non-recoverable error drops the message and rejects its promise', async () => {
  const ctx = connected();
  const { id, promise } = ctx.service.triggerWorkflow('T-1');
  ctx.last().receive({ type: 'error', id, code: 'missing_field', message: 'ticket_id', recoverable: false, retry_after: null });
  await assert.rejects(promise, /missing_field/);
  assert.equal(ctx.service.queue.length, 0);
});

test('no_queue: messages sent while not connected are dropped', async () => {
  const ctx = connected({ bugs: ['no_queue'] });
  ctx.last().serverClose(1006);
  const { promise } = ctx.service.sendTicket({ id: 'T-1', title: 'x' });
  await assert.rejects(promise, /dropped/);
  assert.equal(ctx.service.queue.length, 0);
  const sock = ctx.nextAttempt();
  sock.open();
  assert.equal(sock.sentOfType('ticket_notification').length, 0);
});

test('leak_listeners: the n-th connection sends each queued message n times, even after the ack', () => {
  const ctx = connected({ bugs: ['leak_listeners'] });
  for (let k = 2; k <= 3; k++) {
    ctx.last().serverClose(1006);
    ctx.service.sendTicket({ id: `T-${k}`, title: 'x' });
    const sock = ctx.nextAttempt();
    sock.open();
    assert.equal(sock.sentOfType('ticket_notification').length, k);
    sock.ackAll('ticket_notification');
    assert.equal(ctx.service.queue.length, 0);
  }
});

test('without the bug each queued message is sent once per connection', () => {
  const ctx = connected();
  for (let k = 2; k <= 3; k++) {
    ctx.last().serverClose(1006);
    ctx.service.sendTicket({ id: `T-${k}`, title: 'x' });
    const sock = ctx.nextAttempt();
    sock.open();
    assert.equal(sock.sentOfType('ticket_notification').length, 1);
    sock.ackAll('ticket_notification');
  }
});

test('no_trigger_timeout: a trigger unacked when the connection drops is never re-sent; its promise waits', async () => {
  const ctx = connected({ bugs: ['no_trigger_timeout'] });
  const { promise } = ctx.service.triggerWorkflow('T-1');
  let settled = false;
  promise.then(() => (settled = true), () => (settled = true));
  ctx.last().serverClose(1006);
  const sock = ctx.nextAttempt();
  sock.open();
  ctx.clock.advance(600_000);
  await flush();
  assert.equal(sock.sentOfType('trigger_workflow').length, 0);
  assert.equal(settled, false);
  assert.equal(ctx.service.queue.length, 1);
});

test('failed: pending promises are settled (rejected), the messages stay queued', async () => {
  const ctx = connected({ bugs: ['max5_attempts'] });
  const { promise } = ctx.service.triggerWorkflow('T-1');
  ctx.last().serverClose(1006);
  for (let i = 0; i < 5; i++) ctx.nextAttempt().fail();
  assert.equal(ctx.service.state, 'failed');
  await assert.rejects(promise, /gave up/);
  assert.equal(ctx.service.queue.length, 1);
});
