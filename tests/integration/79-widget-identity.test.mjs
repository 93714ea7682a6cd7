// A blocked web identity is refused by the widget (docs/continuity.md
// "Merge, undo and blocking"): the open socket is closed at once on every
// instance (identity_blocked, 4403), a later hello with the same visitor
// token is refused and writes nothing, and unblocking lets the same visitor
// back into the same customer and thread.
//
// An open widget also follows a merge of its customer and the merge's undo, on
// every instance (docs/continuity.md "Merge, undo and blocking"): after A is
// merged into B, A's open widget writes as B into the same thread (its
// ticket is B's now); after the undo it writes as A again. Before, the
// socket kept A's id and its next message opened a new ticket for the
// merged-away A. A widget of B's that was shown A's thread during the merge
// is closed by the undo (4409) and shown B's own thread after its hello.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, connect, customer, cleanup, withLogs, httpGet } from '../lib/harness.mjs';
import { loginCookie } from '../lib/fake-provider.mjs';
import { startProxy } from '../lib/tcp-proxy.mjs';

let redis, h1, h2, cookie;

before(async () => {
  redis = await startRedis();
  h1 = await startHilo({ redisUrl: redis.url });
  h2 = await startHilo({ redisUrl: redis.url });
  const pw = await addAgent(h1, 'ana', { display: 'Ana' });
  cookie = await loginCookie(h1, 'ana', pw);
});
after(cleanup);

async function api(method, path, body) {
  const headers = { cookie };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return httpGet(h1.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

// A hello that is answered by an error, and the close that follows it.
async function refusedHello(hilo, hello) {
  const c = await connect(hilo.wsUrl, 'hilo.customer.v1');
  c.send({ type: 'hello', ...hello });
  const f = await c.next((x) => x.type === 'welcome' || x.type === 'error');
  const closed = await c.closed;
  return { f, closed };
}

test('blocking a visitor closes its open widget on another instance; its token is refused until unblocked', withLogs(async () => {
  // the visitor writes on instance 2
  const c = await customer(h2, { locale: 'en', name: 'Vera' });
  c.send({ type: 'message', client_id: 'm-1', text: 'hello, I need help' });
  const ref = (await c.next('ack')).ticket;
  const cid = c.welcome.customer;
  const token = c.token;
  const ids = await api('GET', `/api/v1/customers/${cid}/identities`);
  assert.equal(ids.status, 200, ids.body);
  const web = ids.json.identities.find((i) => i.identity.startsWith('web:'));
  assert.ok(web, `the visitor's web identity is listed: ${ids.body}`);

  // an agent blocks it on instance 1: the socket on instance 2 is told and closed
  const b = await api('POST', `/api/v1/customers/${cid}/identities/block`, { identity: web.identity });
  assert.equal(b.status, 200, b.body);
  const err = await c.next((f) => f.type === 'error', 10000);
  assert.equal(err.code, 'identity_blocked');
  assert.equal((await c.closed).code, 4403);

  // the same token is refused on either instance, and the hello's name is not written
  for (const h of [h1, h2]) {
    const r = await refusedHello(h, { token, locale: 'en', name: 'Mallory', after: '0' });
    assert.equal(r.f.type, 'error', JSON.stringify(r.f));
    assert.equal(r.f.code, 'identity_blocked');
    assert.equal(r.closed.code, 4403);
  }
  const cust = await api('GET', `/api/v1/customers/${cid}`);
  assert.equal(cust.status, 200, cust.body);
  assert.equal(cust.json.customer.name, 'Vera', 'a refused hello changes nothing');

  // a new visitor (another token) is not affected
  const other = await customer(h1, { locale: 'en' });
  assert.notEqual(other.welcome.customer, cid);
  await other.close();

  // unblocked: the same visitor is back, with its customer and thread
  const u = await api('POST', `/api/v1/customers/${cid}/identities/unblock`, { identity: web.identity });
  assert.equal(u.status, 200, u.body);
  const back = await customer(h1, { token, locale: 'en', after: '0' });
  assert.equal(back.welcome.customer, cid);
  assert.equal(back.welcome.ticket?.ref, ref);
  await back.close();
}));

async function say(c, id, text) {
  c.send({ type: 'message', client_id: id, text });
  const f = await c.next((x) => (x.type === 'ack' || x.type === 'error') && x.client_id === id, 10000);
  assert.equal(f.type, 'ack', `message ${id}: ${JSON.stringify(f)}`);
  return (await c.next((x) => x.type === 'event' && x.event.client_id === id, 10000)).event;
}

test('a merged customer\'s open widget writes as the surviving customer, and as itself again after the undo', withLogs(async () => {
  const va = await customer(h2, { locale: 'en', name: 'Ada' });
  const first = await say(va, 'a-1', 'my parcel is late');
  const A = va.welcome.customer;
  const refA = first.ticket;
  assert.equal(first.author.id, A);
  const vb = await customer(h1, { locale: 'en', name: 'Ada L.' });
  const B = (await say(vb, 'b-1', 'I wrote before from another browser')).author.id;
  assert.notEqual(A, B);

  const m = await api('POST', `/api/v1/customers/${A}/merge`, { into: B });
  assert.equal(m.status, 200, m.body);
  const mid = m.json.merge.id;

  // the widget on the other instance writes as B, in the same thread (B's
  // now), at once: whether the news on the events channel is there yet or
  // the refused write reads the identity's customer again
  let ev = await say(va, 'a-2', 'any news?');
  assert.equal(ev.author.id, B, 'after the merge the open widget writes as B');
  assert.equal(ev.ticket, refA, 'in the same thread');
  const t = await api('GET', `/api/v1/tickets/${refA}`);
  assert.equal(t.status, 200, t.body);
  assert.equal(t.json.ticket.customer, B);

  const u = await api('POST', `/api/v1/merges/${mid}/undo`, {});
  assert.equal(u.status, 200, u.body);
  ev = await say(va, 'a-3', 'still there?');
  assert.equal(ev.author.id, A, 'after the undo the open widget writes as A again');
  assert.equal(ev.ticket, refA);
  await Promise.all([va.close(), vb.close()]);
}));

test('after an undo a widget stops following the ticket that went back to the other customer', withLogs(async () => {
  const vb = await customer(h1, { locale: 'en', name: 'Bea M.' });
  const refB = (await say(vb, 'b-1', 'hello from my phone')).ticket;
  const B = vb.welcome.customer;
  // A's thread is the newer: after the merge it is B's current one
  const va = await customer(h1, { locale: 'en', name: 'Bea' });
  const refA = (await say(va, 'a-1', 'my order is wrong')).ticket;
  const A = va.welcome.customer;
  const m = await api('POST', `/api/v1/customers/${A}/merge`, { into: B });
  assert.equal(m.status, 200, m.body);
  // B's browser comes back (on the other instance) and is shown A's thread, B's now
  const y = await customer(h2, { locale: 'en', token: vb.token });
  assert.equal(y.welcome.customer, B);
  assert.equal(y.welcome.ticket?.ref, refA, 'the merged thread is B\'s current one');
  assert.equal((await say(y, 'y-0', 'I am Bea too')).ticket, refA, 'B writes in it (and follows it)');
  const u = await api('POST', `/api/v1/merges/${m.json.merge.id}/undo`, {});
  assert.equal(u.status, 200, u.body);
  // the thread is A's again: B's widget is closed to say hello again (4409)...
  const closed = await Promise.race([y.closed, new Promise((r) => setTimeout(() => r({ code: 'still open after 10 s' }), 10000))]);
  assert.equal(closed.code, 4409);
  // ...and is shown B's own thread, not A's; A's next words never reach it
  const y2 = await customer(h2, { locale: 'en', token: vb.token });
  assert.equal(y2.welcome.customer, B);
  assert.equal(y2.welcome.ticket?.ref, refB);
  await say(va, 'a-3', 'is anyone there?');
  await y2.none((f) => f.type === 'event' && f.event.ticket === refA, 500);
  const ev = await say(y2, 'y-1', 'me again');
  assert.equal(ev.author.id, B);
  assert.notEqual(ev.ticket, refA);
  const t = await api('GET', `/api/v1/tickets/${refA}`);
  assert.equal(t.json.ticket.customer, A);
  assert.ok(!(t.json.events ?? []).some((e) => e.text === 'me again'));
  await y2.close();
  await Promise.all([va.close(), vb.close(), y.close()]);
}));

test('a block whose news an instance missed (its events channel was down) still closes that instance\'s widget when the channel is back', withLogs(async () => {
  const px = await startProxy({ targetPort: redis.port });
  try {
    const h3 = await startHilo({ redisUrl: px.url });
    await px.waitFor((p) => [...p.conns].some((c) => c.subscriber), 5000);
    const c = await customer(h3, { locale: 'en', name: 'Olga' });
    await say(c, 'o-1', 'hola');
    const cid = c.welcome.customer;
    const ids = await api('GET', `/api/v1/customers/${cid}/identities`);
    const web = ids.json.identities.find((i) => i.identity.startsWith('web:'));
    // the block's news never reaches instance 3...
    px.dropMessages(true);
    const b = await api('POST', `/api/v1/customers/${cid}/identities/block`, { identity: web.identity });
    assert.equal(b.status, 200, b.body);
    await px.waitFor((p) => p.droppedMessages >= 1, 5000);
    px.dropMessages(false);
    // ...until its subscription is reset: then every widget asks Redis again
    assert.equal(px.reset((conn) => conn.subscriber), 1);
    const closed = await Promise.race([c.closed, new Promise((r) => setTimeout(() => r({ code: 'still open after 15 s' }), 15000))]);
    assert.equal(closed.code, 4403);
  } finally {
    await px.close();
  }
}));
