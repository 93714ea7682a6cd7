// Issue #13, customer context: a customer's web message may carry the page it
// was written on and a short browser name; both become fields of the event
// (live, in the thread an agent opens, in the customer's history). Bad ones
// (not http(s), spaces, too long, not strings) are refused with bad_frame and
// store nothing; agents' frames cannot set them.
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

const PAGE = 'https://shop.example.com/checkout/step-2';
const BROWSER = 'Firefox 128 · Linux';

test('page and browser travel with the message: first message, later ones, thread and history', withLogs(async () => {
  const cu = await customer(hilo, { locale: 'en', name: 'Paula' });
  cu.send({ type: 'message', client_id: 'pg-1', text: 'the pay button does nothing', page: PAGE, browser: BROWSER });
  const ack = await cu.next((f) => (f.type === 'ack' || f.type === 'error') && f.client_id === 'pg-1');
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  const ref = ack.ticket;
  cu.send({ type: 'message', client_id: 'pg-2', text: 'now on the cart', page: 'http://shop.example.com/cart' });
  assert.equal((await cu.next((f) => (f.type === 'ack' || f.type === 'error') && f.client_id === 'pg-2')).type, 'ack');
  cu.send({ type: 'message', client_id: 'pg-3', text: 'no page this time' });
  assert.equal((await cu.next((f) => (f.type === 'ack' || f.type === 'error') && f.client_id === 'pg-3')).type, 'ack');

  const a = await agent(hilo, 'ana', anaPw);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  const msgs = th.events.filter((e) => e.kind === 'message');
  assert.deepEqual(msgs.map((e) => [e.text, e.page, e.browser]), [
    ['the pay button does nothing', PAGE, BROWSER],
    ['now on the cart', 'http://shop.example.com/cart', undefined],
    ['no page this time', undefined, undefined],
  ]);
  // live to the agent
  cu.send({ type: 'message', client_id: 'pg-4', text: 'live one', page: PAGE, browser: 'Safari 17 · iOS' });
  const live = await a.next((f) => f.type === 'event' && f.event.client_id === 'pg-4');
  assert.equal(live.event.page, PAGE);
  assert.equal(live.event.browser, 'Safari 17 · iOS');
  // agents cannot set them
  a.send({ type: 'reply', ticket: ref, client_id: 'pg-r', text: 'looking', page: PAGE, browser: 'x' });
  const rep = await a.next((f) => f.type === 'event' && f.event.client_id === 'pg-r');
  assert.equal(rep.event.page, undefined);
  assert.equal(rep.event.browser, undefined);
  await a.close();
  await cu.close();
}));

test('bad page or browser: bad_frame, nothing stored', withLogs(async () => {
  const cu = await customer(hilo, { locale: 'en' });
  cu.send({ type: 'message', client_id: 'ok-0', text: 'first' });
  const ref = (await cu.next((f) => f.type === 'ack' && f.client_id === 'ok-0')).ticket;
  const bad = [
    { page: 'javascript:alert(1)' },
    { page: 'data:text/html,hi' },
    { page: 'https://x.example/a b' },
    { page: `https://x.example/${'a'.repeat(1100)}` },
    { page: 42 },
    { browser: { name: 'x' } },
    { browser: 'b'.repeat(101) },
  ];
  let i = 0;
  for (const extra of bad) {
    const cid = `bad-${++i}`;
    cu.send({ type: 'message', client_id: cid, text: `bad ${i}`, ...extra });
    const f = await cu.next((x) => (x.type === 'ack' || x.type === 'error') && x.client_id === cid);
    assert.equal(f.type, 'error', `${JSON.stringify(extra).slice(0, 80)} -> ${JSON.stringify(f)}`);
    assert.equal(f.code, 'bad_frame');
  }
  const a = await agent(hilo, 'ana', anaPw);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.deepEqual(th.events.filter((e) => e.kind === 'message').map((e) => e.text), ['first']);
  await a.close();
  await cu.close();
}));
