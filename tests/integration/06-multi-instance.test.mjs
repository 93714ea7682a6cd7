// Two hilo instances on one Redis: customer on one, agent on the other, live
// both ways (events and typing).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs } from '../lib/harness.mjs';

let redis, h1, h2, anaPw;

before(async () => {
  redis = await startRedis();
  [h1, h2] = await Promise.all([startHilo({ redisUrl: redis.url }), startHilo({ redisUrl: redis.url })]);
  anaPw = await addAgent(h1, 'ana', { display: 'Ana' });
});
after(cleanup);

const isEvent = (kind, extra = () => true) => (f) => f.type === 'event' && f.event.kind === kind && extra(f.event);

test('customer on instance 1, agent on instance 2: events and typing both ways', withLogs(async () => {
  const a = await agent(h2, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const c = await customer(h1, { locale: 'es-ES' });
  c.send({ type: 'message', client_id: 'm-1', text: 'hola desde h1' });
  const ack = await c.next('ack');
  const ref = ack.ticket;
  const tf = await a.next((f) => f.type === 'ticket' && f.ticket.ref === ref);
  assert.equal(tf.ticket.status, 'open');
  assert.equal(tf.ticket.last_text, 'hola desde h1');

  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.deepEqual(th.events.map((e) => e.kind), ['message', 'ack']);

  // customer -> agent
  c.send({ type: 'message', client_id: 'm-2', text: 'segundo' });
  const ack2 = await c.next((f) => f.type === 'ack' && f.client_id === 'm-2');
  const ev = await a.next(isEvent('message', (e) => e.client_id === 'm-2'));
  assert.equal(ev.event.id, ack2.event_id);
  assert.equal(ev.event.text, 'segundo');

  // agent -> customer
  a.send({ type: 'reply', ticket: ref, client_id: 'a-1', text: 'respuesta desde h2' });
  const rack = await a.next('ack');
  const rep = await c.next(isEvent('reply'));
  assert.equal(rep.event.id, rack.event_id);
  assert.equal(rep.event.text, 'respuesta desde h2');
  assert.deepEqual(rep.event.author, { role: 'agent', id: 'ana', name: 'Ana' });

  // typing both ways
  c.send({ type: 'typing', state: true });
  const ty = await a.next('typing');
  assert.equal(ty.ticket, ref);
  assert.equal(ty.role, 'customer');
  assert.equal(ty.state, true);
  a.send({ type: 'typing', ticket: ref, state: true });
  assert.deepEqual(await c.next('typing'), { type: 'typing', ticket: ref, role: 'agent', name: 'Ana', state: true });

  // A second tab of the same customer on instance 2 sees the customer's own messages.
  const tab2 = await customer(h2, { token: c.token });
  assert.equal(tab2.welcome.customer, c.welcome.customer);
  tab2.send({ type: 'resume', ticket: ref, after: rep.event.id });
  await tab2.next('resumed');
  c.send({ type: 'message', client_id: 'm-3', text: 'desde la pestaña 1' });
  const ack3 = await c.next((f) => f.type === 'ack' && f.client_id === 'm-3');
  const seen = await tab2.next(isEvent('message', (e) => e.client_id === 'm-3'));
  assert.equal(seen.event.id, ack3.event_id);

  // No event arrives twice on any connection.
  for (const conn of [a, c, tab2]) {
    const ids = conn.frames.filter((f) => f.type === 'event').map((f) => f.event.id);
    assert.equal(new Set(ids).size, ids.length);
  }
  await Promise.all([a.close(), c.close(), tab2.close()]);
}));
