// A write the store refuses changes nothing: the append script's refusal
// (closed, forbidden, unknown ticket) must not leave the rest of its
// transaction behind. Before the fix, a customer's message on a closed
// ticket put the closed ticket back in the active index (the queue) while
// the message itself went to a new ticket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs } from '../lib/harness.mjs';

let redis, hilo, pw;

before(async () => {
  redis = await startRedis();
  hilo = await startHilo({ redisUrl: redis.url, prefix: 'rw' });
  pw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(cleanup);

const isEvent = (kind, extra = () => true) => (f) => f.type === 'event' && f.event.kind === kind && extra(f.event);
const active = async (ref) => redis.cli('ZSCORE', 'rw:idx:active', ref);

test('a message on a closed ticket goes to a new ticket and leaves the closed one out of the queue', withLogs(async () => {
  const c = await customer(hilo, { locale: 'en' });
  c.send({ type: 'message', client_id: 'm-1', text: 'first problem' });
  const ref = (await c.next('ack')).ticket;
  assert.notEqual(await active(ref), '', 'a new ticket is in the active index');

  const a = await agent(hilo, 'ana', pw);
  await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal((await a.request({ type: 'status', ticket: ref, status: 'closed' })).type, 'ok');
  await c.next(isEvent('status', (e) => e.status === 'closed'));
  assert.equal(await active(ref), '', 'closing takes it out of the active index');

  c.send({ type: 'message', client_id: 'm-2', text: 'another problem' });
  const ack = await c.next('ack');
  assert.notEqual(ack.ticket, ref);
  assert.notEqual(await active(ack.ticket), '', 'the new ticket is active');
  assert.equal(await active(ref), '', 'the refused append on the closed ticket must not re-index it');

  const q = await a.request({ type: 'queue.watch' });
  assert.equal(q.type, 'queue');
  assert.ok(Array.isArray(q.tickets), 'the queue lists tickets');
  assert.ok(q.tickets.some((t) => t.ref === ack.ticket), 'the new ticket is in the queue');
  assert.ok(!q.tickets.some((t) => t.ref === ref), 'the closed ticket is not in the queue');
  await Promise.all([a.close(), c.close()]);
}));

test('a refused status change leaves the queue alone: closed or unknown tickets are not listed', withLogs(async () => {
  const c = await customer(hilo, { locale: 'en' });
  c.send({ type: 'message', client_id: 'm-1', text: 'a problem' });
  const ref = (await c.next('ack')).ticket;
  const a = await agent(hilo, 'ana', pw);
  assert.equal((await a.request({ type: 'status', ticket: ref, status: 'closed' })).type, 'ok');
  assert.equal(await active(ref), '');

  const reopen = await a.request({ type: 'status', ticket: ref, status: 'pending' });
  assert.equal(reopen.type, 'error', JSON.stringify(reopen));
  assert.equal(await active(ref), '', 'a refused change on a closed ticket must not list it');

  const ghost = '99999999';
  const unknown = await a.request({ type: 'status', ticket: ghost, status: 'open' });
  assert.equal(unknown.type, 'error', JSON.stringify(unknown));
  assert.equal(unknown.code, 'unknown_ticket');
  assert.equal(await active(ghost), '', 'an unknown reference must not enter the queue');
  assert.equal(await redis.cli('EXISTS', `rw:{t:${ghost}}:tk`), '0');
  await Promise.all([a.close(), c.close()]);
}));
