// Issue #13: closing without a reply (spam, duplicates). A status frame to
// "closed" may say why: spam, duplicate or other; the status event carries
// the reason, nothing is sent to the customer, the ticket leaves the queue.
// A reason anywhere else, or an unknown one, is bad_frame and changes nothing.
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

async function ticket(text) {
  const cu = await customer(hilo, { locale: 'en' });
  cu.send({ type: 'message', client_id: 'c-1', text });
  const ref = (await cu.next((f) => f.type === 'ack' && f.client_id === 'c-1')).ticket;
  return { cu, ref };
}

test('close as spam: the status event says so, the customer gets no reply, the queue drops it', withLogs(async () => {
  const { cu, ref } = await ticket('BUY CHEAP PILLS');
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  await a.request({ type: 'ticket.open', ticket: ref });
  const ok = await a.request({ type: 'status', ticket: ref, status: 'closed', reason: 'spam' });
  assert.equal(ok.type, 'ok', JSON.stringify(ok));
  const ev = (await a.next((f) => f.type === 'event' && f.event.kind === 'status' && f.event.ticket === ref)).event;
  assert.deepEqual([ev.from, ev.status, ev.reason, ev.author.id], ['open', 'closed', 'spam', 'ana']);
  const tk = (await a.next((f) => f.type === 'ticket' && f.ticket.ref === ref && f.ticket.status === 'closed')).ticket;
  assert.ok(tk.closed_at > 0);
  assert.equal(await redis.cli('HGET', `hilo:{t:${ref}}:tk`, 'close_reason'), 'spam');
  await cu.none((f) => f.type === 'event' && ['reply', 'resolution', 'message'].includes(f.event.kind) && f.event.author?.role !== 'customer', 400);
  const q = await a.request({ type: 'queue.watch' });
  assert.ok(!q.tickets.some((t) => t.ref === ref));
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.events.filter((e) => e.kind === 'reply' || e.kind === 'resolution').length, 0);
  await a.close();
  await cu.close();
}));

test('duplicate and other are accepted; bad reasons and reasons on other changes are bad_frame', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  const d = await ticket('same question again');
  assert.equal((await a.request({ type: 'status', ticket: d.ref, status: 'closed', reason: 'duplicate' })).type, 'ok');
  const o = await ticket('nothing to do');
  const bad = [
    { status: 'closed', reason: 'boring' },
    { status: 'closed', reason: 7 },
    { status: 'closed', reason: 'spam'.repeat(5) },
    { status: 'pending', reason: 'spam' },
    { status: 'open', reason: 'other' },
  ];
  for (const b of bad) {
    const r = await a.request({ type: 'status', ticket: o.ref, ...b });
    assert.equal(r.type, 'error', JSON.stringify(b));
    assert.equal(r.code, 'bad_frame', JSON.stringify(r));
  }
  const r = await a.request({ type: 'assign', ticket: o.ref, agent: 'ana', reason: 'spam' });
  assert.equal(r.code, 'bad_frame');
  assert.equal(await redis.cli('HGET', `hilo:{t:${o.ref}}:tk`, 'status'), 'open');
  assert.equal(await redis.cli('HGET', `hilo:{t:${o.ref}}:tk`, 'assignee'), '');
  assert.equal((await a.request({ type: 'status', ticket: o.ref, status: 'closed', reason: 'other' })).type, 'ok');
  assert.equal(await redis.cli('HGET', `hilo:{t:${o.ref}}:tk`, 'close_reason'), 'other');
  // a plain close still works and has no reason
  const p = await ticket('plain');
  assert.equal((await a.request({ type: 'status', ticket: p.ref, status: 'closed' })).type, 'ok');
  const th = await a.request({ type: 'ticket.open', ticket: p.ref });
  assert.equal(th.events.find((e) => e.kind === 'status').reason, undefined);
  await a.close();
}));
