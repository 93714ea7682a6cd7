// Issue #12: live delivery never silently stops. The subscription stays up
// but Redis's pub/sub messages are dropped on the way (tcp-proxy
// dropMessages): no link fault, so no catch-up runs. The periodic gap check
// must notice that the watchers are behind their tickets' streams, tell them
// "stale", send the missed events, then "fresh".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs, sleep, httpGet } from '../lib/harness.mjs';
import { startProxy } from '../lib/tcp-proxy.mjs';

let redis, anaPw, proxy;

before(async () => {
  redis = await startRedis();
  anaPw = await addAgent(redis.url, 'ana', { display: 'Ana' });
});
after(async () => {
  await cleanup();
  if (proxy) await proxy.close();
});

const catchups = (hilo) => (hilo.logs().match(/catch-up started/g) || []).length;

test('events the subscription never heard are repaired by the gap check', withLogs(async () => {
  proxy = await startProxy({ targetPort: redis.port });
  const hilo = await startHilo({ redisUrl: proxy.url, args: ['--live-gap-check-ms', '300'] });
  await proxy.waitFor((p) => [...p.conns].some((c) => c.subscriber), 5000);

  const c = await customer(hilo, { locale: 'en' });
  c.send({ type: 'message', client_id: 'g-0', text: 'first' });
  const ref = (await c.next('ack')).ticket;
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'ticket.open', ticket: ref });
  // Live delivery works before the fault.
  c.send({ type: 'message', client_id: 'g-1', text: 'live' });
  const ack1 = await c.next((f) => f.type === 'ack' && f.client_id === 'g-1');
  assert.equal((await a.next((f) => f.type === 'event' && f.event.client_id === 'g-1')).event.id, ack1.event_id);
  await sleep(800); // a few quiet checks: no gap, nothing stale
  assert.equal(a.frames.filter((f) => f.type === 'stale').length, 0);
  const catchups0 = catchups(hilo);

  proxy.dropMessages(true);
  const acks = [];
  for (let i = 2; i <= 6; i++) {
    c.send({ type: 'message', client_id: `g-${i}`, text: `missed ${i}` });
    acks.push(await c.next((f) => f.type === 'ack' && f.client_id === `g-${i}`));
  }
  // Redis published them, and the proxy dropped every one.
  await proxy.waitFor((p) => p.droppedMessages >= 5, 5000);

  // The agent gets stale, every missed event in order, then fresh.
  const stale = await a.next((f) => f.type === 'stale', 10000);
  assert.equal(stale.ticket, ref);
  for (const ack of acks) {
    const ev = await a.next((f) => f.type === 'event' && f.event.client_id === ack.client_id, 10000);
    assert.equal(ev.event.id, ack.event_id);
  }
  const fresh = await a.next((f) => f.type === 'fresh', 10000);
  assert.equal(fresh.ticket, ref);
  const order = a.frames.filter((f) => ['stale', 'fresh'].includes(f.type) ||
    (f.type === 'event' && /^g-[2-6]$/.test(f.event.client_id || ''))).map((f) => f.type);
  assert.equal(order[0], 'stale');
  assert.equal(order.at(-1), 'fresh');
  // The sender's own connection is repaired too (it sees its own events live).
  for (const ack of acks)
    await c.next((f) => f.type === 'event' && f.event.id === ack.event_id, 10000);
  // No event twice to the agent.
  const ids = a.frames.filter((f) => f.type === 'event').map((f) => f.event.id);
  assert.equal(new Set(ids).size, ids.length);
  // The link never went down: no catch-up ran, the gap check did it.
  assert.equal(catchups(hilo), catchups0);
  assert.match(hilo.logs(), /live gap: .* behind on ticket/);
  // ... and counted it.
  const page = (await httpGet(hilo.url + '/metrics')).body;
  assert.ok(Number(/^hilo_live_gap_repairs_total (\d+)$/m.exec(page)[1]) >= 2); // agent and customer
  assert.ok(Number(/^hilo_live_stale_frames_total (\d+)$/m.exec(page)[1]) >= 2);

  // Delivery back to normal: live again, no new stale.
  proxy.dropMessages(false);
  const staleCount = a.frames.filter((f) => f.type === 'stale').length;
  c.send({ type: 'message', client_id: 'g-7', text: 'live again' });
  const ack7 = await c.next((f) => f.type === 'ack' && f.client_id === 'g-7');
  assert.equal((await a.next((f) => f.type === 'event' && f.event.client_id === 'g-7')).event.id, ack7.event_id);
  await sleep(800);
  assert.equal(a.frames.filter((f) => f.type === 'stale').length, staleCount);
  await Promise.all([c.close(), a.close()]);
}));

test('a customer watch is not repaired over and over for notes it may not see', withLogs(async () => {
  const hilo = await startHilo({ redisUrl: redis.url, args: ['--live-gap-check-ms', '200'] });
  const c = await customer(hilo, { locale: 'en' });
  c.send({ type: 'message', client_id: 'n-0', text: 'first' });
  const ref = (await c.next('ack')).ticket;
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'ticket.open', ticket: ref });
  a.send({ type: 'note', ticket: ref, client_id: 'note-1', text: 'internal' });
  await a.next((f) => f.type === 'ack' && f.client_id === 'note-1');
  await sleep(1500); // several checks
  const repairs = (hilo.logs().match(/live gap: /g) || []).length;
  assert.ok(repairs <= 1, `repaired ${repairs} times`);
  assert.equal(c.frames.filter((f) => f.type === 'event' && f.event.client_id === 'note-1').length, 0);
  await Promise.all([c.close(), a.close()]);
}));

test('the subscription reset: watchers are told stale, then fresh after the catch-up',
  withLogs(async () => {
    const px = await startProxy({ targetPort: redis.port });
    try {
      const hilo = await startHilo({ redisUrl: px.url });
      await px.waitFor((p) => [...p.conns].some((c) => c.subscriber), 5000);
      const c = await customer(hilo, { locale: 'en' });
      c.send({ type: 'message', client_id: 's-0', text: 'first' });
      const ref = (await c.next('ack')).ticket;
      const a = await agent(hilo, 'ana', anaPw);
      await a.request({ type: 'ticket.open', ticket: ref });
      assert.equal(px.reset((conn) => conn.subscriber), 1);
      assert.equal((await a.next((f) => f.type === 'stale', 10000)).ticket, ref);
      assert.equal((await c.next((f) => f.type === 'stale', 10000)).ticket, ref);
      assert.equal((await a.next((f) => f.type === 'fresh', 15000)).ticket, ref);
      assert.equal((await c.next((f) => f.type === 'fresh', 15000)).ticket, ref);
      await Promise.all([c.close(), a.close()]);
    } finally {
      await px.close();
    }
  }));
