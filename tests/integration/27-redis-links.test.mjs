// Redis link faults through a TCP proxy (tests/lib/tcp-proxy.mjs): a reset of
// the pub/sub connection, a stalled pub/sub connection, and connections reset
// right after they are accepted. After each, a message a customer sends still
// reaches an agent watching the ticket (live delivery never silently stops).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs, httpGet, sleep } from '../lib/harness.mjs';
import { startProxy } from '../lib/tcp-proxy.mjs';

let redis, anaPw;
const proxies = [];

before(async () => {
  redis = await startRedis();
  anaPw = await addAgent(redis.url, 'ana', { display: 'Ana' });
});
after(async () => {
  await cleanup();
  for (const p of proxies) await p.close();
});

// A hilo whose Redis links all go through a fresh proxy.
async function setup() {
  const proxy = await startProxy({ targetPort: redis.port });
  proxies.push(proxy);
  const hilo = await startHilo({ redisUrl: proxy.url });
  // Both links are up: the command link and the subscription.
  await proxy.waitFor((p) => [...p.conns].some((c) => c.subscriber), 5000);
  return { proxy, hilo };
}

// Polls a hilo's log until re matches count times (its own outcome, logged).
async function waitLog(hilo, re, count, ms) {
  const deadline = Date.now() + ms;
  while ((hilo.logs().match(re) || []).length < count) {
    if (Date.now() > deadline) assert.fail(`log ${re} not seen ${count} times within ${ms} ms`);
    await sleep(50);
  }
}

// A customer with a ticket and an agent watching it live.
async function watched(hilo, tag) {
  const c = await customer(hilo, { locale: 'en' });
  c.send({ type: 'message', client_id: `${tag}-0`, text: `${tag} first` });
  const ref = (await c.next('ack')).ticket;
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'ticket.open', ticket: ref });
  return { c, a, ref };
}

// The customer sends; the agent must get that very event (live, or through
// the catch-up after the subscription came back).
async function delivered(c, a, cid, ms = 15000) {
  let ack;
  const deadline = Date.now() + ms;
  while (!ack) {
    c.send({ type: 'message', client_id: cid, text: `text of ${cid}` });
    const f = await c.next((x) => (x.type === 'ack' || x.type === 'error') && x.client_id === cid, ms);
    if (f.type === 'ack') ack = f;
    else if (Date.now() > deadline) assert.fail(`${cid} still refused: ${JSON.stringify(f)}`);
    else await sleep(200); // retry of a refused send, same client_id (idempotent)
  }
  const ev = await a.next((f) => f.type === 'event' && f.event.client_id === cid, ms);
  assert.equal(ev.event.id, ack.event_id);
}

test('a TCP reset of the pub/sub link: delivery to a watching agent goes on', withLogs(async () => {
  const { proxy, hilo } = await setup();
  const { c, a } = await watched(hilo, 'rst');
  await delivered(c, a, 'rst-1', 5000);

  const before_ = proxy.accepted;
  assert.equal(proxy.reset((conn) => conn.subscriber), 1);
  // Sent right away: reaches the agent live or by the catch-up.
  await delivered(c, a, 'rst-2');
  // The subscription is a new connection, and live delivery works on it.
  await proxy.waitFor((p) => p.accepted > before_ && [...p.conns].some((x) => x.subscriber), 10000);
  await delivered(c, a, 'rst-3');
  assert.match(hilo.logs(), /redis pubsub: connection lost/);
  await Promise.all([c.close(), a.close()]);
}));

test('a stalled pub/sub link is noticed (ping deadline) and replaced', withLogs(async () => {
  const { proxy, hilo } = await setup();
  const { c, a } = await watched(hilo, 'stl');
  assert.equal(proxy.stall((conn) => conn.subscriber), 1);
  // Published while the subscription hears nothing: the ping deadline
  // replaces the link and the catch-up delivers it.
  await delivered(c, a, 'stl-1', 20000);
  await proxy.waitFor((p) => [...p.conns].some((x) => x.subscriber && !x.stalled), 10000);
  await delivered(c, a, 'stl-2');
  proxy.unstall();
  await Promise.all([c.close(), a.close()]);
}));

test('connections reset right after accept: both links recover', withLogs(async () => {
  const { proxy, hilo } = await setup();
  const { c, a } = await watched(hilo, 'daa');
  proxy.dropAfterAccept(true, { afterData: true });
  const dropped0 = proxy.dropped;
  proxy.reset();
  // Several attempts of both links refused this way (the command link's
  // reconnects alone make the count grow, even on a client that would
  // never retry its subscription).
  await proxy.waitFor((p) => p.dropped >= dropped0 + 4, 20000);
  const ready = await httpGet(hilo.url + '/readyz');
  assert.equal(ready.status, 503);
  proxy.dropAfterAccept(false);
  await proxy.waitFor((p) => [...p.conns].some((x) => x.subscriber), 15000);
  await delivered(c, a, 'daa-1');
  await Promise.all([c.close(), a.close()]);
}));

// Issue #12, 2: the subscription comes back while the command link cannot,
// so the catch-up cannot run then; it must run once both are back (see
// docs/internals/store.md, "Links").
test('the subscription back before the command link: the catch-up waits and runs',
  withLogs(async () => {
    const { proxy, hilo } = await setup();
    const other = await startHilo({ redisUrl: redis.url }); // not through the proxy
    const c = await customer(other, { locale: 'en' });
    c.send({ type: 'message', client_id: 'cu-0', text: 'first' });
    const ref = (await c.next('ack')).ticket;
    const a = await agent(hilo, 'ana', anaPw);
    await a.request({ type: 'ticket.open', ticket: ref });
    await delivered(c, a, 'cu-1', 5000);

    // The command link hears nothing (nor will its next connections); the
    // subscription is cut and cannot come back yet.
    const isCmd = (conn) => !conn.subscriber;
    assert.equal(proxy.stall(isCmd), 1);
    proxy.stallNew(isCmd);
    proxy.dropAfterAccept(true);
    const dropped0 = proxy.dropped;
    assert.equal(proxy.reset((conn) => conn.subscriber), 1);
    await proxy.waitFor((p) => p.dropped > dropped0, 10000);
    // Stored and published while this instance is not subscribed.
    c.send({ type: 'message', client_id: 'cu-2', text: 'missed live' });
    const ack = await c.next((f) => f.type === 'ack' && f.client_id === 'cu-2');
    const m = Math.max(0, ...[...proxy.conns].map((x) => x.id));
    proxy.dropAfterAccept(false);
    // The command link gives up on its stalled connection and tries again
    // (held too); the subscription is back (it got its answer) meanwhile.
    await proxy.waitFor((p) => [...p.conns].some((x) => x.id > m && isCmd(x) && x.sent && x.stalled) &&
      [...p.conns].some((x) => x.id > m && x.subscriber && x.recv > 0), 20000);
    // ... and hilo has seen it: subscribed for the third time (start, after
    // the reset, after the command link was lost), the command link not ready.
    await waitLog(hilo, /redis pubsub: subscribed/g, 3, 10000);
    assert.equal((await httpGet(hilo.url + '/readyz')).status, 503);
    proxy.unstall();
    const ev = await a.next((f) => f.type === 'event' && f.event.client_id === 'cu-2', 20000);
    assert.equal(ev.event.id, ack.event_id);
    await Promise.all([c.close(), a.close()]);
  }));

// /readyz follows the subscription too.
test('/readyz is 503 while the subscription is down, 200 once it is back',
  withLogs(async () => {
    const { proxy, hilo } = await setup();
    proxy.dropAfterAccept(true);
    const dropped0 = proxy.dropped;
    assert.equal(proxy.reset((conn) => conn.subscriber), 1);
    await proxy.waitFor((p) => p.dropped > dropped0, 10000);
    assert.equal((await httpGet(hilo.url + '/readyz')).status, 503);
    proxy.dropAfterAccept(false);
    const deadline = Date.now() + 10000;
    let st;
    while ((st = (await httpGet(hilo.url + '/readyz')).status) !== 200 && Date.now() < deadline) await sleep(100);
    assert.equal(st, 200);
  }));
