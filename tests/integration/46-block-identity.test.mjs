// Blocking one identity (a stolen phone) without blocking the customer
// (docs/continuity.md "Merge, undo and blocking"), driven by genuinely
// signed WhatsApp webhooks and the fake Graph API: the blocked number's
// messages are kept apart for agents (not in the thread, no ticket, no
// acknowledgement, deduped), replies are never sent to it (the delivery
// fails with identity_blocked), the customer's other identity still works;
// unblock restores both ways. Wrong ids and callers: stable errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs, httpGet, sleep } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, newWamid, loginCookie,
  isEv, isDelivery, isTicket, redisKeys,
} from '../lib/fake-provider.mjs';

let redis, fake, hilo, anaPw, cookie;
let phoneSeq = 0;
const newPhone = () => `1650777${String(1000 + (++phoneSeq)).padStart(4, '0')}`;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake) });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  cookie = await loginCookie(hilo, 'ana', anaPw);
});
after(async () => { await cleanup(); await fake?.close(); });

async function api(method, path, body, { ck = cookie, headers = {} } = {}) {
  const h = { ...headers };
  if (ck) h.cookie = ck;
  if (body !== undefined) h['content-type'] = 'application/json';
  return httpGet(hilo.url + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
}
const show = (r) => `HTTP ${r.status} ${r.body.slice(0, 400)}`;
const toNum = (r) => r.body.to.replace(/^\+/, '');
const sentTo = (num) => fake.whatsapp.filter((r) => toNum(r) === num);

test('a blocked number: kept apart, never threaded, never replied to; unblock restores', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const num = newPhone();
  const res = await waPost(hilo, waEnvelope([waMessages([{ from: num, id: newWamid(), text: 'my order 1' }], { name: 'Rita' })]));
  assert.equal(res.status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === 'my order 1'))).ticket.ref;
  await fake.waitFor(fake.whatsapp, (r) => toNum(r) === num); // the ack
  const cid = (await a.request({ type: 'ticket.open', ticket: ref })).ticket.customer;
  const ident = `phone:+${num}`;

  const ids = await api('GET', `/api/v1/customers/${cid}/identities`);
  assert.equal(ids.status, 200, show(ids));
  assert.equal(ids.json.identities.length, 1);
  const [one] = ids.json.identities;
  assert.deepEqual({ identity: one.identity, shown: one.shown, blocked: one.blocked, how: one.how },
    { identity: ident, shown: ident, blocked: null, how: 'provider' }, 'evidence and block together');

  const b = await api('POST', `/api/v1/customers/${cid}/identities/block`, { identity: ident });
  assert.equal(b.status, 200, show(b));
  assert.equal(b.json.blocked.by, 'ana');
  const ids2 = await api('GET', `/api/v1/customers/${cid}/identities`);
  assert.equal(ids2.json.identities[0].blocked.by, 'ana');

  // the thief writes: stored apart, not in the thread, no ticket, no ack
  const evBefore = Number(await redis.cli('XLEN', `hilo:{t:${ref}}:ev`));
  const tixBefore = await redis.cli('ZCARD', 'hilo:idx:all');
  const sentBefore = sentTo(num).length;
  const wamid = newWamid();
  const env = waEnvelope([waMessages([{ from: num, id: wamid, text: 'send me the invoice please' }])]);
  const r1 = await waPost(hilo, env);
  assert.equal(r1.status, 200, r1.body);
  const r2 = await waPost(hilo, env); // the provider's redelivery: kept once
  assert.equal(r2.status, 200);
  const bl = await api('GET', `/api/v1/customers/${cid}/blocked`);
  assert.equal(bl.status, 200, show(bl));
  assert.equal(bl.json.messages.length, 1, show(bl));
  assert.equal(bl.json.messages[0].text, 'send me the invoice please');
  assert.equal(bl.json.messages[0].identity, ident);
  assert.equal(bl.json.messages[0].channel, 'whatsapp');
  assert.equal(Number(await redis.cli('XLEN', `hilo:{t:${ref}}:ev`)), evBefore, 'not in the thread');
  assert.equal(await redis.cli('ZCARD', 'hilo:idx:all'), tixBefore, 'no new ticket');

  // a reply on WhatsApp is never sent to the blocked number
  a.send({ type: 'reply', ticket: ref, client_id: 'r-blk', text: 'Here is your invoice', channel: 'whatsapp' });
  const E = (await a.next((f) => f.type === 'ack' && f.client_id === 'r-blk')).event_id;
  const failed = await a.next(isDelivery(E, 'failed'), 8000);
  assert.equal(failed.error, 'identity_blocked');
  await sleep(300);
  assert.equal(sentTo(num).length, sentBefore, 'nothing went to the blocked number');

  // unblock: messages thread again, replies go out
  const u = await api('POST', `/api/v1/customers/${cid}/identities/unblock`, { identity: ident });
  assert.equal(u.status, 200, show(u));
  assert.equal(u.json.blocked, null);
  await waPost(hilo, waEnvelope([waMessages([{ from: num, id: newWamid(), text: 'phone recovered' }])]));
  assert.equal((await a.next(isEv('message', (e) => e.text === 'phone recovered'))).event.ticket, ref);
  a.send({ type: 'reply', ticket: ref, client_id: 'r-ok', text: 'Welcome back', channel: 'whatsapp' });
  const E2 = (await a.next((f) => f.type === 'ack' && f.client_id === 'r-ok')).event_id;
  await a.next(isDelivery(E2, 'sent'), 8000);
  await fake.waitFor(fake.whatsapp, (r) => toNum(r) === num && r.body.text?.body === 'Welcome back');
  await a.close();
}));

test('block: wrong customer, identity not the customer\'s, bad body, no session: stable errors, nothing stored', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const num = newPhone(), other = newPhone();
  await waPost(hilo, waEnvelope([waMessages([{ from: num, id: newWamid(), text: 'first of ' + num }])]));
  const ref = (await a.next(isTicket((t) => t.last_text === 'first of ' + num))).ticket.ref;
  await waPost(hilo, waEnvelope([waMessages([{ from: other, id: newWamid(), text: 'first of ' + other }])]));
  await a.next(isTicket((t) => t.last_text === 'first of ' + other));
  const cid = (await a.request({ type: 'ticket.open', ticket: ref })).ticket.customer;
  // both acks sent (their provider ids stored) before the snapshot
  await fake.waitFor(fake.whatsapp, (r) => toNum(r) === num);
  await fake.waitFor(fake.whatsapp, (r) => toNum(r) === other);
  await sleep(300);
  const before = await redisKeys(redis);
  const blockedBefore = await redis.cli('HLEN', 'hilo:blocked');
  const cases = [
    [await api('POST', `/api/v1/customers/${cid}/identities/block`, { identity: `phone:+${other}` }), 404, 'not_found'],
    [await api('POST', '/api/v1/customers/cnobody/identities/block', { identity: `phone:+${num}` }), 404, 'unknown_customer'],
    [await api('POST', `/api/v1/customers/${cid}/identities/block`, { identity: 7 }), 400, 'bad_frame'],
    [await api('POST', `/api/v1/customers/${cid}/identities/block`, { identity: `phone:+${num}` }, { ck: null }), 401, 'unauthorized'],
    [await api('POST', `/api/v1/customers/${cid}/identities/block`, { identity: `phone:+${num}` }, { headers: { origin: 'http://evil.example' } }), 403, 'forbidden'],
    [await api('GET', '/api/v1/customers/cnobody/identities'), 404, 'unknown_customer'],
  ];
  for (const [r, status, code] of cases) {
    assert.equal(r.status, status, show(r));
    assert.equal(r.json?.error?.code, code, show(r));
  }
  assert.equal(await redis.cli('HLEN', 'hilo:blocked'), blockedBefore);
  assert.deepEqual(await redisKeys(redis), before);
  await a.close();
}));
