// Redis outage: frames answered `unavailable` while Redis is down (nothing
// stored), /readyz follows Redis, and after Redis comes back (same dir, AOF)
// every acknowledged event is still there and live delivery resumes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs, httpGet, sleep } from '../lib/harness.mjs';

let redis, hilo, anaPw;

before(async () => {
  redis = await startRedis({ appendonly: true });
  hilo = await startHilo({ redisUrl: redis.url });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(cleanup);

async function waitStatus(path, status, ms) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await httpGet(hilo.url + path).catch((e) => ({ status: e.message }));
    if (last.status === status) return last;
    await sleep(100);
  }
  assert.fail(`${path} is ${last?.status} ${last?.body ?? ''}, expected ${status} within ${ms} ms`);
}

test('Redis stops and restarts: unavailable, readyz, durability, recovery', withLogs(async () => {
  const c = await customer(hilo, { locale: 'en' });
  const acked = [];
  for (const [cid, text] of [['m-1', 'before outage 1'], ['m-2', 'before outage 2']]) {
    c.send({ type: 'message', client_id: cid, text });
    const ack = await c.next((f) => f.type === 'ack' && f.client_id === cid);
    acked.push(ack.event_id);
  }
  const ref = c.frames.find((f) => f.type === 'ack').ticket;
  const a = await agent(hilo, 'ana', anaPw);
  const th0 = await a.request({ type: 'ticket.open', ticket: ref });
  a.send({ type: 'reply', ticket: ref, client_id: 'a-1', text: 'reply before outage' });
  acked.push((await a.next('ack')).event_id);
  const beforeIds = (await a.request({ type: 'ticket.open', ticket: ref })).events.map((e) => e.id);
  assert.equal(beforeIds.length, th0.events.length + 1);
  for (const id of acked) assert.ok(beforeIds.includes(id));

  await redis.stop();

  c.send({ type: 'message', client_id: 'lost-1', text: 'during outage', req: 'o1' });
  const e = await c.next((f) => f.type === 'error' && f.client_id === 'lost-1', 10000);
  assert.equal(e.code, 'unavailable');
  assert.equal(e.req, 'o1');
  a.send({ type: 'reply', ticket: ref, client_id: 'lost-2', text: 'agent during outage' });
  assert.equal((await a.next((f) => f.type === 'error' && f.client_id === 'lost-2', 10000)).code, 'unavailable');
  const nr = await waitStatus('/readyz', 503, 5000);
  assert.deepEqual(nr.json, { status: 'unavailable' });
  const hz = await httpGet(hilo.url + '/healthz');
  assert.equal(hz.status, 200);
  // The WebSockets stay open through the outage.
  assert.equal((await c.request({ type: 'ping' })).type, 'pong');

  await redis.restart();
  const ready = await waitStatus('/readyz', 200, 10000);
  assert.deepEqual(ready.json, { status: 'ready' });

  // A new message succeeds (retrying with the same client_id is idempotent).
  let ack;
  const deadline = Date.now() + 10000;
  while (!ack) {
    c.send({ type: 'message', client_id: 'm-3', text: 'after outage' });
    const f = await c.next((x) => (x.type === 'ack' || x.type === 'error') && x.client_id === 'm-3', 5000);
    if (f.type === 'ack') ack = f;
    else if (Date.now() > deadline) assert.fail(`m-3 still refused: ${JSON.stringify(f)}`);
    else await sleep(200);
  }
  assert.equal(ack.ticket, ref);

  // The agent, still watching the ticket, gets it live (subscription restored).
  const live = await a.next((f) => f.type === 'event' && f.event.client_id === 'm-3', 10000);
  assert.equal(live.event.id, ack.event_id);

  const th = await a.request({ type: 'ticket.open', ticket: ref });
  const texts = th.events.map((ev) => ev.text);
  for (const id of [...beforeIds, ack.event_id]) assert.ok(th.events.some((ev) => ev.id === id), `event ${id} lost`);
  assert.ok(!texts.includes('during outage'), 'a message answered unavailable was stored');
  assert.ok(!texts.includes('agent during outage'), 'a reply answered unavailable was stored');
  assert.deepEqual(th.events.map((ev) => ev.id), [...beforeIds, ack.event_id]);

  // A fresh customer connection resuming from 0 sees the same (minus notes).
  await c.close();
  const c2 = await customer(hilo, { token: c.token, after: '0' });
  await c2.next('resumed');
  const got = c2.frames.filter((f) => f.type === 'event').map((f) => f.event.id);
  assert.deepEqual(got, [...beforeIds, ack.event_id]);
  await Promise.all([a.close(), c2.close()]);
}));
