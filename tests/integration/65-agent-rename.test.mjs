// Issue #13 (names): a renamed agent writes under the new display name at
// once, on every instance, without signing in again: event authors, typing
// and presence all use it. The rename travels over the events channel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs, httpGet,
} from '../lib/harness.mjs';

let redis, h1, h2, rootPw, anaPw;

before(async () => {
  redis = await startRedis();
  h1 = await startHilo({ redisUrl: redis.url });
  h2 = await startHilo({ redisUrl: redis.url });
  rootPw = await addAgent(h1, 'root', { admin: true, display: 'Root' });
  anaPw = await addAgent(h1, 'ana', { display: 'ana' });
});
after(cleanup);

async function cookieOf(h, name, password) {
  const r = await httpGet(`${h.url}/api/v1/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }),
  });
  assert.equal(r.status, 200, r.body);
  return /^hilo_session=([^;]+)/.exec(r.headers.get('set-cookie'))[0];
}

test('a display-name change applies to signed-in sockets on every instance (#13)', withLogs(async () => {
  const cu = await customer(h1, { locale: 'en' });
  cu.send({ type: 'message', client_id: 'm-1', text: 'Hello' });
  const ack = await cu.next((f) => f.type === 'ack' && f.client_id === 'm-1');
  const ref = ack.ticket;

  const ana = await agent(h2, 'ana', anaPw); // signed in on the other instance
  const th = await ana.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.type, 'thread');

  ana.send({ type: 'reply', ticket: ref, client_id: 'a-1', text: 'before' });
  const before1 = await cu.next((f) => f.type === 'event' && f.event.client_id === 'a-1');
  assert.equal(before1.event.author.name, 'ana');

  const display = 'Ana "La" López';
  const cookie = await cookieOf(h1, 'root', rootPw);
  const r = await httpGet(`${h1.url}/api/v1/agents/ana`, {
    method: 'PATCH', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ display }),
  });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.agent.display, display);

  // The rename is published before PATCH answers; the next frames of the
  // socket on h2 are handled after it arrives only if Redis delivered it
  // first, so wait for the proof (a typing frame under the new name)
  // rather than for a fixed time.
  let typing;
  for (let i = 0; i < 100 && !typing; i++) {
    ana.send({ type: 'typing', ticket: ref, state: i % 2 === 0 });
    const f = await cu.next((x) => x.type === 'typing' && x.role === 'agent');
    if (f.name === display) typing = f;
    else assert.equal(f.name, 'ana', `typing name is the old or the new one, got ${f.name}`);
  }
  assert.ok(typing, 'typing frames never carried the new display name');

  ana.send({ type: 'reply', ticket: ref, client_id: 'a-2', text: 'after' });
  const after2 = await cu.next((f) => f.type === 'event' && f.event.client_id === 'a-2');
  assert.equal(after2.event.author.name, display);
  assert.equal(after2.event.author.id, 'ana');

  // the stored event carries it too (a reload shows the same)
  const again = await ana.request({ type: 'ticket.open', ticket: ref, after: before1.event.id });
  assert.equal(again.type, 'thread');
  const stored = again.events.find((e) => e.client_id === 'a-2');
  assert.equal(stored.author.name, display);
}));

test('a PATCH without display (team only) renames nobody', withLogs(async () => {
  const cu = await customer(h2, { locale: 'en' });
  cu.send({ type: 'message', client_id: 'm-1', text: 'Hi' });
  const ref = (await cu.next((f) => f.type === 'ack')).ticket;
  const cookie = await cookieOf(h2, 'root', rootPw);
  const r = await httpGet(`${h2.url}/api/v1/agents/root`, {
    method: 'PATCH', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ team: 'tech' }),
  });
  assert.equal(r.status, 200, r.body);
  const root = await agent(h1, 'root', rootPw);
  await root.request({ type: 'ticket.open', ticket: ref });
  root.send({ type: 'reply', ticket: ref, client_id: 'r-1', text: 'x' });
  const ev = await cu.next((f) => f.type === 'event' && f.event.client_id === 'r-1');
  assert.equal(ev.event.author.name, 'Root');
}));
