// Issue #12: faults under load. A customer sends a stream of messages (each
// resent with the same client_id until acknowledged) while Redis is stopped
// (SIGSTOP/SIGCONT), while the agent's hilo is stopped, or while the
// customer's hilo is killed. Asserted by final state, not timing: every
// acknowledged message is in Redis exactly once and reaches the agent that
// stays connected to the other instance, each event once.
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

// A send loop goes faster than the default frame rate allows.
const args = ['--redis-timeout-ms', '500', '--live-gap-check-ms', '300', '--msg-rate', '10000', '--msg-burst', '10000'];

async function stored(ref, cid) {
  const raw = await redis.cli('--no-raw', 'XRANGE', `hilo:{t:${ref}}:ev`, '-', '+');
  return (raw.match(new RegExp(`"${cid}"`, 'g')) || []).length;
}

// Sends tag-1..n one after another; each is resent until acknowledged, or
// until the connection is gone. Resolves with the acknowledgements.
async function sendLoop(c, tag, n) {
  const acks = new Map();
  for (let i = 1; i <= n && !c.isClosed; i++) {
    const cid = `${tag}-${i}`;
    while (!acks.has(cid) && !c.isClosed) {
      c.send({ type: 'message', client_id: cid, text: `load ${cid}` });
      let f;
      try {
        f = await c.next((x) => (x.type === 'ack' || x.type === 'error') && x.client_id === cid, 3000);
      } catch { if (c.isClosed) break; continue; }
      if (f.type === 'ack') acks.set(cid, f);
      else await sleep(100);
    }
  }
  return acks;
}

async function setup(tag) {
  const h1 = await startHilo({ redisUrl: redis.url, args });
  const h2 = await startHilo({ redisUrl: redis.url, args });
  const c = await customer(h1, { locale: 'en' });
  c.send({ type: 'message', client_id: `${tag}-0`, text: 'first' });
  const ref = (await c.next('ack')).ticket;
  const a = await agent(h2, 'ana', anaPw);
  await a.request({ type: 'ticket.open', ticket: ref });
  return { h1, h2, c, a, ref };
}

async function check(a, ref, acks) {
  assert.ok(acks.size > 0);
  for (const [cid, ack] of acks) {
    assert.equal(await stored(ref, cid), 1, `${cid} stored once`);
    const ev = await a.next((f) => f.type === 'event' && f.event.client_id === cid, 20000);
    assert.equal(ev.event.id, ack.event_id);
  }
  const ids = a.frames.filter((f) => f.type === 'event').map((f) => f.event.id);
  assert.equal(new Set(ids).size, ids.length, 'no event twice');
}

test('Redis stopped and continued under a send loop', withLogs(async () => {
  const { c, a, ref } = await setup('rs');
  const loop = sendLoop(c, 'rs', 40);
  await sleep(300);
  process.kill(redis.proc.pid, 'SIGSTOP');
  await sleep(1500);
  process.kill(redis.proc.pid, 'SIGCONT');
  const acks = await loop;
  assert.equal(acks.size, 40);
  await check(a, ref, acks);
  await Promise.all([c.close(), a.close()]);
}));

test("the agent's hilo stopped and continued under a send loop", withLogs(async () => {
  const { h2, c, a, ref } = await setup('hs');
  const loop = sendLoop(c, 'hs', 40);
  await sleep(300);
  h2.proc.kill('SIGSTOP');
  await sleep(1500);
  h2.proc.kill('SIGCONT');
  const acks = await loop;
  assert.equal(acks.size, 40);
  await check(a, ref, acks);
  await Promise.all([c.close(), a.close()]);
}));

test("the customer's hilo killed under a send loop", withLogs(async () => {
  const { h1, c, a, ref } = await setup('hk');
  const loop = sendLoop(c, 'hk', 1e6); // ends when the connection dies
  await sleep(800);
  await h1.kill('SIGKILL');
  const acks = await loop;
  assert.ok(c.isClosed && acks.size < 1e6);
  await check(a, ref, acks);
  await a.close();
}));
