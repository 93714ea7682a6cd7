// Issue #12: "unavailable" during a Redis stall. A write that went to Redis
// and got no answer in time may have been stored: the error says so
// ("maybe_stored": true), the message reaches the watchers live once Redis
// stores it, and resending it with the same client_id never stores it twice.
// A write refused before it reached Redis says nothing of the kind and is
// not stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs, sleep } from '../lib/harness.mjs';

let redis, anaPw;

before(async () => {
  redis = await startRedis();
  anaPw = await addAgent(redis.url, 'ana', { display: 'Ana' });
});
after(async () => {
  try { process.kill(redis.proc.pid, 'SIGCONT'); } catch {}
  await cleanup();
});

const stop = () => process.kill(redis.proc.pid, 'SIGSTOP');
const cont = () => process.kill(redis.proc.pid, 'SIGCONT');

// Thread entries of ref whose client_id field is cid.
async function stored(ref, cid) {
  const raw = await redis.cli('--no-raw', 'XRANGE', `hilo:{t:${ref}}:ev`, '-', '+');
  return (raw.match(new RegExp(`"${cid}"`, 'g')) || []).length;
}

// Sends until an answer that is not a plain "unavailable" comes.
async function resendUntilAck(c, cid, text) {
  const deadline = Date.now() + 20000;
  for (;;) {
    c.send({ type: 'message', client_id: cid, text });
    const f = await c.next((x) => (x.type === 'ack' || x.type === 'error') && x.client_id === cid, 10000);
    if (f.type === 'ack') return f;
    if (Date.now() > deadline) assert.fail(`${cid}: ${JSON.stringify(f)}`);
    await sleep(200);
  }
}

const hiloArgs = ['--redis-timeout-ms', '400', '--live-gap-check-ms', '300'];

test('an append during a stall: maybe_stored, delivered live once stored, resend deduplicated',
  withLogs(async () => {
    const hilo = await startHilo({ redisUrl: redis.url, args: hiloArgs });
    const c = await customer(hilo, { locale: 'en' });
    c.send({ type: 'message', client_id: 'ms-0', text: 'first' });
    const ref = (await c.next('ack')).ticket;
    const a = await agent(hilo, 'ana', anaPw);
    await a.request({ type: 'ticket.open', ticket: ref });

    stop();
    let e1, e2;
    try {
      c.send({ type: 'message', client_id: 'ms-1', text: 'sent into the stall' });
      e1 = await c.next((f) => f.type === 'error' && f.client_id === 'ms-1', 10000);
      // The link is down now: this one never reaches Redis.
      c.send({ type: 'message', client_id: 'ms-2', text: 'refused at once' });
      e2 = await c.next((f) => f.type === 'error' && f.client_id === 'ms-2', 10000);
    } finally {
      cont();
    }
    assert.equal(e1.code, 'unavailable');
    assert.equal(e1.maybe_stored, true);
    assert.equal(e2.code, 'unavailable');
    assert.equal(e2.maybe_stored, undefined);

    // Redis ran the write it had in its socket buffer: the agent and the
    // sender's own connection get it live (the catch-up or the gap check).
    const ev = await a.next((f) => f.type === 'event' && f.event.client_id === 'ms-1', 20000);
    await c.next((f) => f.type === 'event' && f.event.client_id === 'ms-1', 20000);
    assert.equal(await stored(ref, 'ms-1'), 1);
    assert.equal(await stored(ref, 'ms-2'), 0);
    // The resend is a duplicate of what was stored.
    const ack1 = await resendUntilAck(c, 'ms-1', 'sent into the stall');
    assert.equal(ack1.duplicate, true);
    assert.equal(ack1.event_id, ev.event.id);
    assert.equal(await stored(ref, 'ms-1'), 1);
    // The refused one is stored by its resend, once.
    const ack2 = await resendUntilAck(c, 'ms-2', 'refused at once');
    assert.equal(ack2.duplicate, false);
    const ack2b = await resendUntilAck(c, 'ms-2', 'refused at once');
    assert.equal(ack2b.duplicate, true);
    assert.equal(await stored(ref, 'ms-2'), 1);
    const ids = a.frames.filter((f) => f.type === 'event').map((f) => f.event.id);
    assert.equal(new Set(ids).size, ids.length);
    await Promise.all([c.close(), a.close()]);
  }));

test('a first message during a stall: one ticket, whatever the resends', withLogs(async () => {
  const hilo = await startHilo({ redisUrl: redis.url, args: hiloArgs });
  const c = await customer(hilo, { locale: 'en' });
  stop();
  let e1;
  try {
    c.send({ type: 'message', client_id: 'mf-1', text: 'hello from the stall' });
    e1 = await c.next((f) => f.type === 'error' && f.client_id === 'mf-1', 10000);
  } finally {
    cont();
  }
  assert.equal(e1.maybe_stored, true);
  // Stored when Redis resumed, and delivered to the sender's connection.
  const ev = await c.next((f) => f.type === 'event' && f.event.client_id === 'mf-1', 20000);
  const ack = await resendUntilAck(c, 'mf-1', 'hello from the stall');
  assert.equal(ack.duplicate, true);
  assert.equal(ack.event_id, ev.event.id);
  assert.equal(ack.ticket, ev.event.ticket);
  assert.equal(await stored(ack.ticket, 'mf-1'), 1);
  // No second ticket holds it.
  const keys = (await redis.cli('--scan', '--pattern', 'hilo:{t:*}:ev')).split('\n').filter(Boolean);
  let copies = 0;
  for (const k of keys) copies += await stored(k.slice('hilo:{t:'.length, -'}:ev'.length), 'mf-1');
  assert.equal(copies, 1);
  await c.close();
}));
