// Redis forgets its scripts (SCRIPT FLUSH, or a failover to a server that
// never loaded them): the next EVALSHA gets NOSCRIPT, and the store reloads
// the script and retries, so a customer message still goes through.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, customer, cleanup, withLogs } from '../lib/harness.mjs';

let redis, hilo;

before(async () => {
  redis = await startRedis({ appendonly: false });
  hilo = await startHilo({ redisUrl: redis.url });
});
after(cleanup);

test('a message after SCRIPT FLUSH is stored and acknowledged', withLogs(async () => {
  const c = await customer(hilo, { locale: 'en' });
  c.send({ type: 'message', client_id: 'm-1', text: 'first' });
  const ack1 = await c.next('ack');

  assert.equal(await redis.cli('SCRIPT', 'FLUSH'), 'OK');

  c.send({ type: 'message', client_id: 'm-2', text: 'after the flush' });
  const ack2 = await c.next((f) => f.type === 'ack' || f.type === 'error');
  assert.equal(ack2.type, 'ack', `got ${JSON.stringify(ack2)}`);
  assert.equal(ack2.ticket, ack1.ticket);
  assert.equal(ack2.duplicate, false);
  const ev = await c.next((f) => f.type === 'event' && f.event.client_id === 'm-2');
  assert.equal(ev.event.text, 'after the flush');
  assert.ok(hilo.logs().includes('NOSCRIPT'), 'the reload was not logged');

  // The scripts are back: a new ticket (its script runs inside MULTI) works.
  const c2 = await customer(hilo, { locale: 'en' });
  c2.send({ type: 'message', client_id: 'n-1', text: 'new ticket' });
  const ack3 = await c2.next((f) => f.type === 'ack' || f.type === 'error');
  assert.equal(ack3.type, 'ack', `got ${JSON.stringify(ack3)}`);
  await c.close();
  await c2.close();
}));
