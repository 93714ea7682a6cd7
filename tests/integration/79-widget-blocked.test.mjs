// A blocked web identity is refused by the widget (docs/continuity.md
// "Merge, undo and blocking"): the open socket is closed at once on every
// instance (identity_blocked, 4403), a later hello with the same visitor
// token is refused and writes nothing, and unblocking lets the same visitor
// back into the same customer and thread.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, connect, customer, cleanup, withLogs, httpGet } from '../lib/harness.mjs';
import { loginCookie } from '../lib/fake-provider.mjs';

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
