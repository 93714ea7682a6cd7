// Merge and undo (docs/continuity.md "Merge, undo and blocking"): a merge
// moves every ticket and identity of one customer to another, each moved
// thread shows a "merged" event (agents only), search and the per-customer
// lists follow; undo restores both customers exactly (full dumps of their
// records compared); a later merge blocks an undo (undo_conflict); wrong
// ids and callers get stable errors and change nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startHilo, addAgent, agent, runHilo, cleanup, withLogs, httpGet,
} from '../lib/harness.mjs';
import { loginCookie, isEv } from '../lib/fake-provider.mjs';

let redis, hilo, cookie, key, anaPw;
let seq = 0;
const uid = (p = 'u') => `${p}-${Date.now().toString(36)}-${++seq}`;

before(async () => {
  redis = await startRedis();
  hilo = await startHilo({ redisUrl: redis.url });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  cookie = await loginCookie(hilo, 'ana', anaPw);
  const r = await runHilo(['apikey', 'add', 'shop', '--redis-url', redis.url]);
  key = r.stdout.trim();
});
after(cleanup);

async function api(method, path, { auth, cookie: ck, body, headers = {} } = {}) {
  const h = { ...headers };
  if (auth !== undefined) h.authorization = `Bearer ${auth}`;
  if (ck) h.cookie = ck;
  let b;
  if (body !== undefined) { b = typeof body === 'string' ? body : JSON.stringify(body); h['content-type'] = 'application/json'; }
  return httpGet(hilo.url + path, { method, headers: h, body: b });
}
const show = (r) => `HTTP ${r.status} ${r.body.slice(0, 400)}`;

async function newTicket(customer, text = 'Hello, where is my order?') {
  const r = await api('POST', '/api/v1/tickets', { auth: key, body: { channel: 'shopchat', customer, text, locale: 'en' } });
  assert.equal(r.status, 201, show(r));
  return r.json.ticket;
}

// Everything Redis holds about a customer, as sorted plain data.
async function dump(cid) {
  const hash = async (k) => {
    const flat = (await redis.cli('HGETALL', k)).split('\n').filter((_, i, a) => a.length > 1);
    const o = {};
    for (let i = 0; i + 1 < flat.length; i += 2) o[flat[i]] = flat[i + 1];
    return o;
  };
  const lines = async (...a) => (await redis.cli(...a)).split('\n').filter((l) => l !== '');
  const ids = (await lines('SMEMBERS', `hilo:{c:${cid}}:ids`)).sort();
  const tix = await lines('ZRANGE', `hilo:{c:${cid}}:tix`, '0', '-1', 'WITHSCORES');
  const ident = {};
  for (const i of ids) ident[i] = await redis.cli('GET', `hilo:ident:${i}`);
  const tickets = {};
  for (let i = 0; i < tix.length; i += 2) {
    const t = await hash(`hilo:{t:${tix[i]}}:tk`);
    delete t.updated_at; // nothing else may differ
    tickets[tix[i]] = t;
  }
  return { cu: await hash(`hilo:{c:${cid}}:cu`), ids, tix, ident, tickets };
}

test('merge moves tickets and identities, the thread shows it, search follows; undo restores both exactly', withLogs(async () => {
  const ea = `${uid('a')}@example.com`, eb = `${uid('b')}@example.com`;
  const a1 = await newTicket({ id: uid(), email: ea, name: 'Ada Lovelace' });
  const A = a1.customer;
  const a2 = await newTicket({ email: ea }, 'second one');
  assert.equal(a2.customer, A);
  const b1 = await newTicket({ id: uid(), email: eb, phone: '+34600111333' });
  const B = b1.customer;
  assert.notEqual(A, B);
  const beforeA = await dump(A), beforeB = await dump(B);
  assert.equal(beforeA.tix.length, 4);

  const ag = await agent(hilo, 'ana', anaPw);
  ag.send({ type: 'ticket.open', ticket: a1.ref });
  await ag.next((f) => f.type === 'thread');

  const m = await api('POST', `/api/v1/customers/${A}/merge`, { cookie, body: { into: B } });
  assert.equal(m.status, 200, show(m));
  const rec = m.json.merge;
  assert.equal(rec.from, A);
  assert.equal(rec.into, B);
  assert.equal(rec.state, 'done');
  assert.equal(rec.snap, undefined, 'the undo snapshot is not shown');

  // tickets, identities, pointers
  const afterB = await dump(B), afterA = await dump(A);
  assert.deepEqual(afterA.ids, []);
  assert.deepEqual(afterA.tix, []);
  assert.equal(afterA.cu.merged_into, B);
  for (const ref of [a1.ref, a2.ref]) {
    assert.ok(afterB.tix.includes(ref), `${ref} is B's`);
    assert.equal(afterB.tickets[ref].customer, B);
  }
  for (const i of beforeA.ids) {
    assert.ok(afterB.ids.includes(i));
    assert.equal(afterB.ident[i], B);
  }
  assert.equal(afterB.cu.name, 'Ada Lovelace', "B's empty name filled from A");
  // the thread shows the merge (agents), live too
  const ev = (await redis.cli('XRANGE', `hilo:{t:${a1.ref}}:ev`, '-', '+')).split('\n');
  assert.ok(ev.includes('merged'), 'merged event in the thread');
  const live = await ag.next(isEv('merged', (e) => e.ticket === a1.ref && e.merge === rec.id));
  assert.equal(live.event.into, B);
  // GET customer B lists A's tickets; search by A's email finds them
  const cb = await api('GET', `/api/v1/customers/${B}`, { cookie });
  assert.equal(cb.status, 200);
  const refs = cb.json.tickets.map((t) => t.ref);
  assert.ok(refs.includes(a1.ref) && refs.includes(a2.ref) && refs.includes(b1.ref), show(cb));
  const s = await api('GET', `/api/v1/search?q=${encodeURIComponent(ea)}`, { cookie });
  assert.ok(s.json.tickets.some((t) => t.ref === a1.ref && t.customer === B), show(s));
  // a ticket posted with A's email now joins B
  const a3 = await newTicket({ email: ea }, 'after the merge');
  assert.equal(a3.customer, B);

  // history
  const h = await api('GET', `/api/v1/customers/${A}/merges`, { cookie });
  assert.deepEqual(h.json.merges.map((x) => x.id), [rec.id]);
  const all = await api('GET', '/api/v1/merges', { cookie });
  assert.ok(all.json.merges.some((x) => x.id === rec.id));

  // undo: A's tickets and identities back; B keeps what it gained later (a3)
  const u = await api('POST', `/api/v1/merges/${rec.id}/undo`, { cookie });
  assert.equal(u.status, 200, show(u));
  assert.equal(u.json.merge.state, 'undone');
  const undoneA = await dump(A), undoneB = await dump(B);
  assert.deepEqual(undoneA, beforeA, 'A exactly as before');
  // B: as before plus the ticket made after the merge
  const expectB = structuredClone(beforeB);
  // (the later ticket wrote its email into B's record: later writes stay)
  assert.deepEqual(undoneB.cu, { ...expectB.cu, cur: a3.ref, email: ea });
  assert.deepEqual(undoneB.ids, expectB.ids);
  assert.deepEqual(Object.keys(undoneB.tickets).sort(), [b1.ref, a3.ref].sort());
  const ev2 = (await redis.cli('XRANGE', `hilo:{t:${a1.ref}}:ev`, '-', '+')).split('\n');
  assert.ok(ev2.includes('unmerged'));
  // undone twice: bad_state, nothing changes
  const again = await api('POST', `/api/v1/merges/${rec.id}/undo`, { cookie });
  assert.equal(again.status, 409, show(again));
  assert.equal(again.json.error.code, 'bad_state');
  assert.deepEqual(await dump(A), beforeA);
  ag.close();
}));

test('merge then undo with nothing in between: both customers exactly as before', withLogs(async () => {
  const a = await newTicket({ id: uid(), email: `${uid('x')}@example.com`, name: 'Xavi' });
  const b = await newTicket({ id: uid(), name: 'Yolanda', phone: '+34600999888' });
  const before = [await dump(a.customer), await dump(b.customer)];
  const m = await api('POST', `/api/v1/customers/${a.customer}/merge`, { cookie, body: { into: b.customer } });
  assert.equal(m.status, 200, show(m));
  const u = await api('POST', `/api/v1/merges/${m.json.merge.id}/undo`, { cookie });
  assert.equal(u.status, 200, show(u));
  assert.deepEqual([await dump(a.customer), await dump(b.customer)], before);
}));

test('a later merge must be undone first (undo_conflict, nothing changed)', withLogs(async () => {
  const a = await newTicket({ id: uid() });
  const b = await newTicket({ id: uid() });
  const c = await newTicket({ id: uid() });
  const m1 = await api('POST', `/api/v1/customers/${a.customer}/merge`, { cookie, body: { into: b.customer } });
  assert.equal(m1.status, 200, show(m1));
  const m2 = await api('POST', `/api/v1/customers/${b.customer}/merge`, { cookie, body: { into: c.customer } });
  assert.equal(m2.status, 200, show(m2));
  const snap = [await dump(a.customer), await dump(b.customer), await dump(c.customer)];
  const u1 = await api('POST', `/api/v1/merges/${m1.json.merge.id}/undo`, { cookie });
  assert.equal(u1.status, 409, show(u1));
  assert.equal(u1.json.error.code, 'undo_conflict');
  assert.deepEqual([await dump(a.customer), await dump(b.customer), await dump(c.customer)], snap);
  // in reverse order both undo
  assert.equal((await api('POST', `/api/v1/merges/${m2.json.merge.id}/undo`, { cookie })).status, 200);
  assert.equal((await api('POST', `/api/v1/merges/${m1.json.merge.id}/undo`, { cookie })).status, 200);
  assert.deepEqual((await dump(a.customer)).tix.filter((_, i) => i % 2 === 0), [a.ref]);
}));

test('wrong ids and callers: stable errors, nothing changes', withLogs(async () => {
  const a = await newTicket({ id: uid() });
  const b = await newTicket({ id: uid() });
  const before = [await dump(a.customer), await dump(b.customer)];
  const cases = [
    [await api('POST', `/api/v1/customers/${a.customer}/merge`, { body: { into: b.customer } }), 401, 'unauthorized'],
    [await api('POST', `/api/v1/customers/${a.customer}/merge`, { auth: key, body: { into: b.customer } }), 403, 'forbidden'],
    [await api('POST', `/api/v1/customers/${a.customer}/merge`, { cookie, body: { into: 'cnope' } }), 404, 'unknown_customer'],
    [await api('POST', '/api/v1/customers/cnope/merge', { cookie, body: { into: b.customer } }), 404, 'unknown_customer'],
    [await api('POST', `/api/v1/customers/${a.customer}/merge`, { cookie, body: { into: a.customer } }), 400, 'bad_frame'],
    [await api('POST', `/api/v1/customers/${a.customer}/merge`, { cookie, body: { into: 'x:y' } }), 400, 'bad_frame'],
    [await api('POST', `/api/v1/customers/${a.customer}/merge`, { cookie, body: '{' }), 400, 'bad_json'],
    [await api('POST', '/api/v1/merges/m999999/undo', { cookie }), 404, 'not_found'],
    [await api('POST', '/api/v1/merges/zz/undo', { cookie }), 404, 'not_found'],
    [await api('POST', `/api/v1/customers/${a.customer}/merge`, { cookie, body: { into: b.customer }, headers: { origin: 'http://evil.example' } }), 403, 'forbidden'],
  ];
  for (const [r, status, code] of cases) {
    assert.equal(r.status, status, show(r));
    assert.equal(r.json?.error?.code, code, show(r));
  }
  assert.deepEqual([await dump(a.customer), await dump(b.customer)], before);
}));
