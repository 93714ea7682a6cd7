// Agent side: login/session, the live queue, ticket.open snapshots, live
// customer events, reply / resolve reaching the customer, reopening, typing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, connect, customer, agent, cleanup, withLogs, cmpId } from '../lib/harness.mjs';

let redis, hilo, anaPw, bobPw;

before(async () => {
  redis = await startRedis();
  hilo = await startHilo({ redisUrl: redis.url });
  [anaPw, bobPw] = await Promise.all([
    addAgent(hilo, 'ana', { display: 'Ana' }), addAgent(hilo, 'bob', { display: 'Bob' }),
  ]);
});
after(cleanup);

const isEvent = (kind, extra = () => true) => (f) => f.type === 'event' && f.event.kind === kind && extra(f.event);
const ticketFrame = (ref, extra = () => true) => (f) => f.type === 'ticket' && f.ticket.ref === ref && extra(f.ticket);

async function newTicket(locale = 'en', text = 'Hello, I need help') {
  const c = await customer(hilo, { locale });
  c.send({ type: 'message', client_id: 'm-1', text });
  const ack = await c.next('ack');
  assert.equal(ack.duplicate, false);
  const msg = (await c.next(isEvent('message'))).event;
  const ackEv = (await c.next(isEvent('ack'))).event;
  return { c, ref: ack.ticket, msg, ackEv };
}

test('login answers a session frame', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  const s = a.session;
  assert.equal(s.type, 'session');
  assert.match(s.token, /^s1\./);
  assert.deepEqual(s.agent, { name: 'ana', display: 'Ana', role: 'agent' });
  const ttl = s.expires_at - Date.now();
  assert.ok(ttl > 43200e3 - 60e3 && ttl <= 43200e3 + 5e3, `expires_at is ${ttl} ms away, expected ~12 h`);
  // The token authenticates a second connection.
  const b = await connect(hilo.wsUrl, 'hilo.agent.v1');
  const s2 = await b.request({ type: 'auth', token: s.token });
  assert.equal(s2.type, 'session');
  assert.deepEqual(s2.agent, s.agent);
  await a.close(); await b.close();
}));

test('agent watching the queue sees a new ticket live; ticket.open gives the thread; later messages arrive live', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  const q = await a.request({ type: 'queue.watch', req: 'q' });
  assert.equal(q.type, 'queue');
  assert.equal(q.req, 'q');
  assert.ok(Array.isArray(q.tickets));

  const { c, ref, msg, ackEv } = await newTicket('en', 'My parcel is late');
  const tf = await a.next(ticketFrame(ref));
  const t = tf.ticket;
  assert.equal(t.status, 'open');
  assert.equal(t.customer, c.welcome.customer);
  assert.equal(t.channel, 'web');
  assert.equal(t.locale, 'en');
  assert.equal(t.assignee, '');
  assert.ok(t.waiting_since > 0);
  assert.equal(t.first_response_at, 0);

  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.type, 'thread');
  assert.equal(th.ticket.ref, ref);
  assert.equal(th.ticket.status, 'open');
  assert.equal(th.ticket.messages, 1);
  assert.equal(th.ticket.last_text, 'My parcel is late');
  assert.equal(th.ticket.last_role, 'customer');
  assert.equal(th.customer.id, c.welcome.customer);
  assert.ok(Array.isArray(th.customer.identities) && th.customer.identities.includes('web'));
  // Same event objects as the customer received live.
  assert.deepEqual(th.events, [msg, ackEv]);

  // A second agent who starts watching now finds it in the queue snapshot.
  const b = await agent(hilo, 'bob', bobPw);
  const qb = await b.request({ type: 'queue.watch' });
  const mine = qb.tickets.find((x) => x.ref === ref);
  assert.ok(mine, `queue snapshot lacks ${ref}`);
  assert.equal(mine.status, 'open');

  c.send({ type: 'message', client_id: 'm-2', text: 'Order 555' });
  const ack2 = await c.next('ack');
  const live = await a.next(isEvent('message', (e) => e.client_id === 'm-2'));
  assert.equal(live.event.id, ack2.event_id);
  assert.equal(live.event.ticket, ref);
  assert.equal(live.event.text, 'Order 555');
  assert.deepEqual(live.event, (await c.next(isEvent('message', (e) => e.client_id === 'm-2'))).event);
  const tf2 = await a.next(ticketFrame(ref, (x) => x.messages === 2));
  assert.equal(tf2.ticket.last_text, 'Order 555');

  // ticket.close stops the live events.
  a.send({ type: 'ticket.close', ticket: ref });
  assert.equal((await a.request({ type: 'ping' })).type, 'pong'); // frames are handled in order
  await a.none('error', 0);
  c.send({ type: 'message', client_id: 'm-3', text: 'still there?' });
  await c.next('ack');
  await a.none(isEvent('message', (e) => e.client_id === 'm-3'), 400);
  await Promise.all([a.close(), b.close(), c.close()]);
}));

test('reply and resolution reach the customer; a later customer message reopens the same ticket', withLogs(async () => {
  const { c, ref, ackEv } = await newTicket('es-ES', 'No funciona');
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.type, 'thread');

  a.send({ type: 'reply', ticket: ref, client_id: 'a-1', text: 'Lo miro ahora' });
  const rack = await a.next('ack');
  assert.deepEqual(rack, { type: 'ack', client_id: 'a-1', ticket: ref, event_id: rack.event_id, duplicate: false });
  const reply = (await c.next(isEvent('reply'))).event;
  assert.equal(reply.id, rack.event_id);
  assert.equal(reply.ticket, ref);
  assert.equal(reply.text, 'Lo miro ahora');
  assert.deepEqual(reply.author, { role: 'agent', id: 'ana', name: 'Ana' });
  assert.equal(reply.client_id, 'a-1');
  assert.ok(cmpId(reply.id, ackEv.id) > 0);
  assert.deepEqual((await a.next(isEvent('reply'))).event, reply);
  const afterReply = await a.next(ticketFrame(ref, (t) => t.first_response_at > 0));
  assert.equal(afterReply.ticket.waiting_since, 0);
  assert.equal(afterReply.ticket.last_role, 'agent');

  a.send({ type: 'resolve', ticket: ref, client_id: 'a-2', text: 'Resuelto: reenviamos el pedido' });
  const sack = await a.next('ack');
  assert.equal(sack.client_id, 'a-2');
  assert.equal(sack.ticket, ref);
  assert.equal(sack.duplicate, false);
  const resolution = (await c.next(isEvent('resolution'))).event;
  assert.equal(resolution.text, 'Resuelto: reenviamos el pedido');
  assert.deepEqual(resolution.author, { role: 'agent', id: 'ana', name: 'Ana' });
  const st = (await c.next(isEvent('status'))).event;
  assert.equal(st.status, 'resolved');
  assert.equal(st.from, 'open');
  assert.ok(cmpId(st.id, resolution.id) > 0, 'status event must follow the resolution');
  const resolvedT = await a.next(ticketFrame(ref, (t) => t.status === 'resolved'));
  assert.ok(resolvedT.ticket.resolved_at > 0);

  // Customer writes again: same ticket, status open again.
  c.send({ type: 'message', client_id: 'm-2', text: 'Sigue sin llegar' });
  const ack2 = await c.next('ack');
  assert.equal(ack2.ticket, ref);
  assert.equal(ack2.duplicate, false);
  const reopened = await a.next(ticketFrame(ref, (t) => t.status === 'open'));
  assert.ok(reopened.ticket.waiting_since > 0);
  await c.close();
  const c2 = await customer(hilo, { token: c.token });
  assert.equal(c2.welcome.ticket.ref, ref);
  assert.equal(c2.welcome.ticket.status, 'open');
  await Promise.all([a.close(), c2.close()]);
}));

test('assign and status: ok answers and events everyone watching sees', withLogs(async () => {
  const { c, ref } = await newTicket();
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'ticket.open', ticket: ref });
  const ok = await a.request({ type: 'assign', ticket: ref, agent: 'bob', req: 'as1' });
  assert.deepEqual(ok, { type: 'ok', req: 'as1' });
  const asg = (await a.next(isEvent('assign'))).event;
  assert.equal(asg.assignee, 'bob');
  const bad = await a.request({ type: 'assign', ticket: ref, agent: 'nobody-here', req: 'as2' });
  assert.equal(bad.type, 'error');
  assert.equal(bad.code, 'unknown_agent');
  const ok2 = await a.request({ type: 'status', ticket: ref, status: 'pending', req: 'st1' });
  assert.deepEqual(ok2, { type: 'ok', req: 'st1' });
  const st = (await a.next(isEvent('status'))).event;
  assert.equal(st.status, 'pending');
  assert.equal(st.from, 'open');
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.ticket.assignee, 'bob');
  assert.equal(th.ticket.status, 'pending');
  await Promise.all([a.close(), c.close()]);
}));

test('typing is relayed customer -> agent watching the ticket and agent -> customer, never stored', withLogs(async () => {
  const { c, ref } = await newTicket();
  const a = await agent(hilo, 'ana', anaPw);
  const th1 = await a.request({ type: 'ticket.open', ticket: ref });
  const n = th1.events.length;

  c.send({ type: 'typing', state: true });
  const ty = await a.next('typing');
  assert.equal(ty.ticket, ref);
  assert.equal(ty.role, 'customer');
  assert.equal(ty.state, true);
  c.send({ type: 'typing', state: false });
  assert.equal((await a.next('typing')).state, false);

  a.send({ type: 'typing', ticket: ref, state: true });
  const ty2 = await c.next('typing');
  assert.deepEqual(ty2, { type: 'typing', ticket: ref, role: 'agent', name: 'Ana', state: true });

  const th2 = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th2.events.length, n, 'typing must not be stored');
  assert.ok(!th2.events.some((e) => e.kind === 'typing'));
  const keys = (await redis.cli('--scan', '--pattern', `*${ref}*`)).split('\n').filter(Boolean);
  let streams = 0;
  for (const k of keys) {
    if ((await redis.cli('TYPE', k)) === 'stream') {
      streams++;
      const raw = await redis.cli('XRANGE', k, '-', '+');
      assert.doesNotMatch(raw, /typing/, `typing stored in ${k}`);
    }
  }
  assert.ok(streams >= 1, `no stream among ${JSON.stringify(keys)}: the check above checked nothing`);
  await Promise.all([a.close(), c.close()]);
}));

test('closed tickets: resolve is bad_state; the next customer message opens a new ticket with a new ack', withLogs(async () => {
  const { c, ref } = await newTicket('en', 'first problem');
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'ticket.open', ticket: ref });
  assert.deepEqual(await a.request({ type: 'status', ticket: ref, status: 'closed', req: 'cl' }), { type: 'ok', req: 'cl' });
  const st = (await c.next(isEvent('status'))).event;
  assert.equal(st.status, 'closed');
  a.send({ type: 'resolve', ticket: ref, client_id: 'rs-1', text: 'too late', req: 'rs' });
  const e = await a.next((f) => f.req === 'rs');
  assert.equal(e.type, 'error');
  assert.equal(e.code, 'bad_state');
  assert.equal(e.client_id, 'rs-1');

  c.send({ type: 'message', client_id: 'm-2', text: 'another problem' });
  const ack = await c.next('ack');
  assert.notEqual(ack.ticket, ref);
  assert.match(ack.ticket, /^\d{8,9}$/);
  const ackEv = (await c.next(isEvent('ack', (x) => x.ticket === ack.ticket))).event;
  assert.ok(ackEv.text.replace(/\D/g, '').includes(ack.ticket));
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.ticket.status, 'closed');
  assert.ok(!th.events.some((x) => x.text === 'another problem'));
  await Promise.all([a.close(), c.close()]);
}));
