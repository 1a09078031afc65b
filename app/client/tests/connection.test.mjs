import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from './fakes.mjs';

/** Fail every attempt until the service stops scheduling; returns the number of sockets. */
function failUntilGivenUp(ctx) {
  ctx.service.connect();
  for (let i = 0; i < 100 && ctx.service.state !== 'failed'; i++) {
    ctx.last().fail();
    if (ctx.service.state !== 'failed') ctx.nextAttempt();
  }
  return ctx.Socket.instances.length;
}

test('client_id is appended to the WebSocket URL', () => {
  const ctx = setup();
  ctx.service.connect();
  assert.equal(ctx.last().url, 'ws://127.0.0.1:8765/ws/trigger?client_id=test');
});

test('first connect goes connecting -> connected and records the ids', () => {
  const ctx = setup();
  ctx.service.connect();
  assert.equal(ctx.service.state, 'connecting');
  ctx.last().open({ connection_id: 'c-9', server_instance_id: 's-9' });
  assert.equal(ctx.service.state, 'connected');
  assert.equal(ctx.service.connectionId, 'c-9');
  assert.equal(ctx.service.serverInstanceId, 's-9');
});

test('after 20 failed reconnect attempts the state is failed, and nothing more is scheduled', () => {
  const ctx = setup();
  assert.equal(failUntilGivenUp(ctx), 21); // the first connect + 20 reconnect attempts
  assert.equal(ctx.service.state, 'failed');
  assert.equal(ctx.service.attempt, 20);
  assert.deepEqual(ctx.clock.delays(), []);
  ctx.clock.advance(10 * 60_000);
  assert.equal(ctx.Socket.instances.length, 21);
});

test('max5_attempts: gives up after 5 reconnect attempts', () => {
  const ctx = setup({ bugs: ['max5_attempts'] });
  assert.equal(failUntilGivenUp(ctx), 6);
  assert.equal(ctx.service.cfg.maxAttempts, 5);
});

test('manual reconnect from failed resets the attempts and connects at once', () => {
  const ctx = setup();
  failUntilGivenUp(ctx);
  ctx.service.reconnect();
  assert.equal(ctx.Socket.instances.length, 22);
  assert.equal(ctx.service.attempt, 0);
  ctx.last().open();
  assert.equal(ctx.service.state, 'connected');
});

test('a successful reconnect resets the attempt counter', () => {
  const ctx = setup();
  ctx.service.connect();
  ctx.last().fail();
  ctx.nextAttempt().fail();
  assert.equal(ctx.service.attempt, 2);
  ctx.nextAttempt().open();
  assert.equal(ctx.service.attempt, 0);
  assert.equal(ctx.service.state, 'connected');
});

test('listeners of the old socket are removed on reconnect; its late events are ignored', () => {
  const ctx = setup();
  ctx.service.connect();
  const first = ctx.last();
  first.open();
  ctx.service.forceReconnect('test');
  assert.equal(first.listenerCount(), 0);
  assert.equal(first.closedWith.code, 4001);
  ctx.nextAttempt().open();
  first._fire('close', { code: 1006 }); // must not disturb the new connection
  assert.equal(ctx.service.state, 'connected');
});

test('leak_listeners: old sockets keep their listeners', () => {
  const ctx = setup({ bugs: ['leak_listeners'] });
  ctx.service.connect();
  const first = ctx.last();
  first.open();
  ctx.service.forceReconnect('test');
  assert.equal(first.listenerCount(), 4);
});

test('server restart is detected from a new server_instance_id', () => {
  const ctx = setup();
  ctx.service.connect();
  ctx.last().open({ connection_id: 'c-1', server_instance_id: 's-1' });
  ctx.last().serverClose(1012);
  ctx.nextAttempt().open({ connection_id: 'c-2', server_instance_id: 's-2' });
  const restart = ctx.service.history.find((e) => e.type === 'server_restart');
  assert.deepEqual([restart.from, restart.to], ['s-1', 's-2']);
  assert.equal(ctx.service.connectionId, 'c-2');
});

test('no_connection_id: ids stay null and a restart is not detected', () => {
  const ctx = setup({ bugs: ['no_connection_id'] });
  ctx.service.connect();
  ctx.last().open({ connection_id: 'c-1', server_instance_id: 's-1' });
  ctx.last().serverClose(1012);
  ctx.nextAttempt().open({ connection_id: 'c-2', server_instance_id: 's-2' });
  assert.equal(ctx.service.connectionId, null);
  assert.equal(ctx.service.serverInstanceId, null);
  assert.equal(ctx.service.history.some((e) => e.type === 'server_restart'), false);
});

test('server_shutdown: reconnect waits reconnect_after_ms (plus up to 50% jitter)', () => {
  const ctx = setup({ random: () => 0 });
  ctx.service.connect();
  ctx.last().open();
  ctx.last().receive({ type: 'server_shutdown', reason: 'restart', reconnect_after_ms: 3000 });
  ctx.last().serverClose(1012);
  assert.equal(ctx.service.state, 'reconnecting');
  ctx.clock.advance(2999);
  assert.equal(ctx.Socket.instances.length, 1);
  ctx.clock.advance(1);
  assert.equal(ctx.Socket.instances.length, 2);
});

test('an attempt that never opens is abandoned after the connect timeout', () => {
  const ctx = setup({ bugs: ['no_jitter'] });
  ctx.service.connect();
  ctx.clock.advance(10_000);
  assert.equal(ctx.Socket.instances[0].closedWith.code, 4001);
  assert.equal(ctx.service.state, 'reconnecting');
  assert.ok(ctx.service.history.some((e) => e.type === 'connect_timeout'));
});

test('deliberate disconnect drains the queue first, then closes with 1000', async () => {
  const ctx = setup();
  ctx.service.connect();
  const sock = ctx.last();
  sock.open();
  ctx.service.sendTicket({ id: 'T-1', title: 'x' });
  const done = ctx.service.disconnect();
  sock.ackAll('ticket_notification');
  await done;
  assert.equal(ctx.service.queue.length, 0);
  assert.equal(sock.closedWith.code, 1000);
  assert.equal(ctx.service.state, 'disconnected');
  ctx.clock.advance(120_000);
  assert.equal(ctx.Socket.instances.length, 1);
});
