// Issue #13: labels on tickets. {"type":"tags","ticket","tags":[…]} sets the
// whole list (at most 10; each 1-32 bytes, no commas, spaces or control
// characters; ASCII lower-cased; duplicates once). The summary carries
// "tags" ("a,b"), an internal "tags" event says who changed them, the
// customer sees nothing. Bad lists are bad_frame and change nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, customer, cleanup, withLogs } from '../lib/harness.mjs';

let redis, hilo, anaPw;
before(async () => {
  redis = await startRedis();
  hilo = await startHilo({ redisUrl: redis.url });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(async () => { await cleanup(); });

test('set, normalise, clear; summary, event, REST; customers see nothing', withLogs(async () => {
  const cu = await customer(hilo, { locale: 'en' });
  cu.send({ type: 'message', client_id: 't-1', text: 'refund please' });
  const ref = (await cu.next((f) => f.type === 'ack' && f.client_id === 't-1')).ticket;
  const a = await agent(hilo, 'ana', anaPw);
  const q = await a.request({ type: 'queue.watch' });
  assert.equal(q.tickets.find((t) => t.ref === ref).tags, '');
  await a.request({ type: 'ticket.open', ticket: ref });
  const ok = await a.request({ type: 'tags', ticket: ref, tags: ['VIP', 'refund', 'vip', 'facturación'] });
  assert.equal(ok.type, 'ok', JSON.stringify(ok));
  const ev = (await a.next((f) => f.type === 'event' && f.event.kind === 'tags')).event;
  assert.equal(ev.tags, 'vip,refund,facturación');
  assert.equal(ev.author.id, 'ana');
  const tk = (await a.next((f) => f.type === 'ticket' && f.ticket.ref === ref && f.ticket.tags)).ticket;
  assert.equal(tk.tags, 'vip,refund,facturación');
  // the same list again: nothing new
  assert.equal((await a.request({ type: 'tags', ticket: ref, tags: ['vip', 'refund', 'facturación'] })).type, 'ok');
  await a.none((f) => f.type === 'event' && f.event.kind === 'tags', 300);
  // REST summary
  const cookie = (await fetch(`${hilo.url}/api/v1/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ana', password: anaPw }),
  })).headers.get('set-cookie').split(';')[0];
  const rest = await (await fetch(`${hilo.url}/api/v1/tickets/${ref}`, { headers: { cookie } })).json();
  assert.equal(rest.ticket.tags, 'vip,refund,facturación');
  // clear
  assert.equal((await a.request({ type: 'tags', ticket: ref, tags: [] })).type, 'ok');
  assert.equal((await a.next((f) => f.type === 'event' && f.event.kind === 'tags')).event.tags ?? '', '');
  assert.equal(await redis.cli('HGET', `hilo:{t:${ref}}:tk`, 'tags'), '');
  // the customer never saw a tags event
  await cu.none((f) => f.type === 'event' && f.event.kind === 'tags', 200);
  await a.close();
  await cu.close();
}));

test('bad lists: bad_frame, nothing changes', withLogs(async () => {
  const cu = await customer(hilo, { locale: 'en' });
  cu.send({ type: 'message', client_id: 't-2', text: 'hi' });
  const ref = (await cu.next((f) => f.type === 'ack' && f.client_id === 't-2')).ticket;
  const a = await agent(hilo, 'ana', anaPw);
  assert.equal((await a.request({ type: 'tags', ticket: ref, tags: ['keep'] })).type, 'ok');
  const bad = [
    'vip', null, [1], ['a,b'], ['two words'], [''], ['x'.repeat(33)], ['tab\there'],
    Array.from({ length: 11 }, (_, i) => `t${i}`),
  ];
  for (const tags of bad) {
    const r = await a.request({ type: 'tags', ticket: ref, tags });
    assert.equal(r.type, 'error', JSON.stringify(tags));
    assert.equal(r.code, 'bad_frame', JSON.stringify(r));
  }
  const r = await a.request({ type: 'tags', ticket: '00000000', tags: ['x'] });
  assert.equal(r.type, 'error');
  assert.equal(await redis.cli('HGET', `hilo:{t:${ref}}:tk`, 'tags'), 'keep');
  // customers cannot send it
  cu.send({ type: 'tags', ticket: ref, tags: ['hacked'], req: 'ct' });
  const e = await cu.next((f) => f.type === 'error');
  assert.ok(e.code);
  assert.equal(await redis.cli('HGET', `hilo:{t:${ref}}:tk`, 'tags'), 'keep');
  await a.close();
  await cu.close();
}));
