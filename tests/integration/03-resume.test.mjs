// Reconnect and resume, duplicate client ids, internal notes, and who may
// resume which ticket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs, cmpId } from '../lib/harness.mjs';

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

async function newTicket(text = 'Hello') {
  const c = await customer(hilo, { locale: 'en' });
  c.send({ type: 'message', client_id: 'm-1', text });
  const ack = await c.next('ack');
  const msg = (await c.next(isEvent('message'))).event;
  const ackEv = (await c.next(isEvent('ack'))).event;
  return { c, ref: ack.ticket, msg, ackEv };
}

async function replies(a, ref, texts, kind = 'reply') {
  const out = [];
  for (const [i, text] of texts.entries()) {
    const cid = `${kind}-${text}-${i}`;
    a.send({ type: kind, ticket: ref, client_id: cid, text });
    const ack = await a.next((f) => f.type === 'ack' && f.client_id === cid);
    assert.equal(ack.duplicate, false);
    out.push(ack.event_id);
  }
  return out;
}

// Reads frames after `welcome` up to and including `resumed`.
async function collectResume(c, ref) {
  const resumed = await c.next('resumed');
  assert.equal(resumed.ticket, ref);
  const upTo = c.frames.indexOf(resumed);
  const before = new Set(c.frames.slice(0, upTo));
  const events = c.frames.slice(0, upTo).filter((f) => f.type === 'event').map((f) => f.event);
  c.drain((f) => before.has(f)); // consumed
  return { resumed, events };
}

// The stream(s) of a ticket, found by the reference in the key name.
async function ticketStreams(ref) {
  const keys = (await redis.cli('--scan', '--pattern', `*${ref}*`)).split('\n').filter(Boolean);
  const out = [];
  for (const k of keys) if ((await redis.cli('TYPE', k)) === 'stream') out.push(k);
  return out;
}

test('reconnect with hello.after gets exactly the missed replies in order, then resumed', withLogs(async () => {
  const { c, ref, ackEv } = await newTicket('Where is my order?');
  const X = ackEv.id;
  const token = c.token;
  await c.close();

  const a = await agent(hilo, 'ana', anaPw);
  const ids = await replies(a, ref, ['one', 'two', 'three']);

  const c2 = await customer(hilo, { token, after: X });
  assert.equal(c2.welcome.ticket.ref, ref);
  const { resumed, events } = await collectResume(c2, ref);
  assert.deepEqual(events.map((e) => [e.id, e.kind, e.text]), [
    [ids[0], 'reply', 'one'], [ids[1], 'reply', 'two'], [ids[2], 'reply', 'three'],
  ]);
  assert.equal(resumed.last, ids[2]);
  await c2.none('event', 300);

  // Live afterwards, still without duplicates.
  const [id4] = await replies(a, ref, ['four']);
  const live = (await c2.next(isEvent('reply'))).event;
  assert.equal(live.id, id4);
  const all = c2.frames.filter((f) => f.type === 'event').map((f) => f.event.id);
  assert.equal(new Set(all).size, all.length, 'an event arrived twice');
  await Promise.all([a.close(), c2.close()]);
}));

test('the resume frame does the same; without after, hello replays nothing', withLogs(async () => {
  const { c, ref, ackEv } = await newTicket('Resume me');
  const token = c.token;
  await c.close();
  const a = await agent(hilo, 'ana', anaPw);
  const ids = await replies(a, ref, ['r1', 'r2', 'r3']);

  const c2 = await customer(hilo, { token });
  await c2.none('event', 300);
  c2.send({ type: 'resume', ticket: ref, after: ackEv.id, req: 'res1' });
  const { resumed, events } = await collectResume(c2, ref);
  assert.equal(resumed.req, 'res1');
  assert.deepEqual(events.map((e) => e.id), ids);
  assert.deepEqual(events.map((e) => e.text), ['r1', 'r2', 'r3']);
  assert.equal(resumed.last, ids[2]);
  await Promise.all([a.close(), c2.close()]);
}));

test('resume after "0" returns the whole thread without notes; notes reach other agents live', withLogs(async () => {
  const { c, ref, msg, ackEv } = await newTicket('Full thread please');
  const a = await agent(hilo, 'ana', anaPw);
  const b = await agent(hilo, 'bob', bobPw);
  await a.request({ type: 'ticket.open', ticket: ref });
  await b.request({ type: 'ticket.open', ticket: ref });

  const [r1] = await replies(a, ref, ['first reply']);
  const [n1] = await replies(a, ref, ['SECRET internal note'], 'note');
  const noteEv = (await b.next(isEvent('note'))).event;
  assert.equal(noteEv.id, n1);
  assert.equal(noteEv.text, 'SECRET internal note');
  assert.deepEqual(noteEv.author, { role: 'agent', id: 'ana', name: 'Ana' });
  assert.equal((await a.next(isEvent('note'))).event.id, n1);
  const [r2] = await replies(a, ref, ['second reply']);
  await c.next((f) => f.type === 'event' && f.event.id === r2);
  // Live: the customer got both replies and never the note.
  assert.ok(!c.frames.some((f) => JSON.stringify(f).includes('SECRET')), 'a note reached the customer live');
  assert.deepEqual(c.frames.filter((f) => f.type === 'event').map((f) => f.event.id), [msg.id, ackEv.id, r1, r2]);
  await c.close();

  for (const via of ['hello', 'resume']) {
    const c2 = via === 'hello'
      ? await customer(hilo, { token: c.token, after: '0' })
      : await customer(hilo, { token: c.token });
    if (via === 'resume') c2.send({ type: 'resume', ticket: ref, after: '0' });
    const { resumed, events } = await collectResume(c2, ref);
    assert.deepEqual(events.map((e) => e.id), [msg.id, ackEv.id, r1, r2], `via ${via}`);
    assert.deepEqual(events[0], msg);
    assert.deepEqual(events[1], ackEv);
    assert.ok(!c2.frames.some((f) => JSON.stringify(f).includes('SECRET')), `a note reached the customer on resume (${via})`);
    assert.equal(resumed.last, r2);
    await c2.close();
  }

  // The agent's snapshot does include the note, in order.
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.deepEqual(th.events.map((e) => e.kind), ['message', 'ack', 'reply', 'note', 'reply']);
  assert.equal(th.events[3].id, n1);
  await Promise.all([a.close(), b.close()]);
}));

test('events written while a resume runs are neither lost nor doubled', withLogs(async () => {
  const { c, ref, ackEv } = await newTicket('busy ticket');
  const token = c.token;
  await c.close();
  const a = await agent(hilo, 'ana', anaPw);
  const before = await replies(a, ref, ['b1', 'b2', 'b3', 'b4', 'b5']);

  const c2 = await customer(hilo, { token });
  c2.send({ type: 'resume', ticket: ref, after: ackEv.id });
  const during = [];
  for (let i = 0; i < 5; i++) {
    a.send({ type: 'reply', ticket: ref, client_id: `d-${i}`, text: `d${i}` });
  }
  for (let i = 0; i < 5; i++) during.push((await a.next((f) => f.type === 'ack' && f.client_id === `d-${i}`)).event_id);
  await c2.next('resumed');
  await c2.next((f) => f.type === 'event' && f.event.id === during[4]);
  c2.drain('event');
  await c2.none('event', 300);
  const got = c2.frames.filter((f) => f.type === 'event').map((f) => f.event.id);
  assert.deepEqual(got, [...before, ...during]);
  await Promise.all([a.close(), c2.close()]);
}));

test('duplicate client_id: second send (also after reconnect) stores nothing and returns the original event id', withLogs(async () => {
  const { c, ref, msg } = await newTicket('only once');
  c.send({ type: 'message', client_id: 'm-1', text: 'only once' });
  const dup = await c.next('ack');
  assert.deepEqual(dup, { type: 'ack', client_id: 'm-1', ticket: ref, event_id: msg.id, duplicate: true });
  await c.none('event', 300);
  const token = c.token;
  await c.close();

  const c2 = await customer(hilo, { token });
  c2.send({ type: 'message', client_id: 'm-1', text: 'only once' });
  const dup2 = await c2.next('ack');
  assert.deepEqual(dup2, { type: 'ack', client_id: 'm-1', ticket: ref, event_id: msg.id, duplicate: true });
  await c2.none('event', 300);

  const a = await agent(hilo, 'ana', anaPw);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.deepEqual(th.events.map((e) => e.kind), ['message', 'ack']);
  assert.equal(th.ticket.messages, 1);
  const streams = await ticketStreams(ref);
  assert.equal(streams.length, 1, `expected one stream for ${ref}, found ${streams.join(', ') || 'none'}`);
  assert.equal(await redis.cli('XLEN', streams[0]), '2');

  // Agents deduplicate too (per agent).
  a.send({ type: 'reply', ticket: ref, client_id: 'a-1', text: 'hi' });
  const r1 = await a.next('ack');
  a.send({ type: 'reply', ticket: ref, client_id: 'a-1', text: 'hi' });
  const r2 = await a.next('ack');
  assert.deepEqual(r2, { type: 'ack', client_id: 'a-1', ticket: ref, event_id: r1.event_id, duplicate: true });
  assert.equal(await redis.cli('XLEN', streams[0]), '3');
  await Promise.all([a.close(), c2.close()]);
}));

test("a customer cannot resume another customer's ticket, and cannot tell it from an unknown one", withLogs(async () => {
  const { c: ca, ref } = await newTicket('A private ticket');
  const cb = await customer(hilo, { locale: 'en' });
  const e1 = await cb.request({ type: 'resume', ticket: ref, after: '0', req: 'steal' });
  assert.equal(e1.type, 'error');
  assert.equal(e1.code, 'unknown_ticket', 'a real ticket of someone else answers like an unknown one');
  assert.equal(e1.req, 'steal');
  assert.equal(typeof e1.message, 'string');
  await cb.none('event', 200);
  assert.ok(!cb.frames.some((f) => JSON.stringify(f).includes('A private ticket')));

  // A well-formed reference (valid check digit) that does not exist.
  const DAMM = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2], [7, 0, 9, 2, 1, 5, 4, 8, 6, 3], [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6], [6, 1, 2, 3, 0, 4, 5, 9, 7, 8], [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4], [8, 9, 4, 5, 3, 6, 2, 0, 1, 7], [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0]];
  let body = '9876543';
  if (body === ref.slice(0, 7)) body = '9876542';
  const unknown = body + [...body].reduce((i, d) => DAMM[i][Number(d)], 0);
  const e2 = await cb.request({ type: 'resume', ticket: unknown, after: '0', req: 'nope' });
  assert.equal(e2.type, 'error');
  assert.equal(e2.code, 'unknown_ticket');
  assert.equal(e2.req, 'nope');
  assert.equal(e2.message, e1.message, 'the same words for both');

  const a = await agent(hilo, 'ana', anaPw);
  const e3 = await a.request({ type: 'ticket.open', ticket: unknown });
  assert.equal(e3.code, 'unknown_ticket');
  await Promise.all([a.close(), ca.close(), cb.close()]);
}));
