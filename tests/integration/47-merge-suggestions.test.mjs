// Merge suggestions (docs/continuity.md "Merge, undo and blocking"): weak
// matches (the same unverified email typed into the widget by two
// visitors, the same name) become suggestions an agent accepts (runs the
// merge) or dismisses; nothing is ever merged by itself. Stored in Redis.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startHilo, addAgent, customer, runHilo, cleanup, withLogs, httpGet,
} from '../lib/harness.mjs';
import { loginCookie } from '../lib/fake-provider.mjs';

let redis, hilo, cookie, key;
let seq = 0;
const uid = (p = 'u') => `${p}-${Date.now().toString(36)}-${++seq}`;

before(async () => {
  redis = await startRedis();
  hilo = await startHilo({ redisUrl: redis.url });
  const pw = await addAgent(hilo, 'ana', { display: 'Ana' });
  cookie = await loginCookie(hilo, 'ana', pw);
  key = (await runHilo(['apikey', 'add', 'shop', '--redis-url', redis.url])).stdout.trim();
});
after(cleanup);

async function api(method, path, body, { auth, ck = cookie } = {}) {
  const h = {};
  if (auth) h.authorization = `Bearer ${auth}`;
  else if (ck) h.cookie = ck;
  if (body !== undefined) h['content-type'] = 'application/json';
  return httpGet(hilo.url + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
}
const show = (r) => `HTTP ${r.status} ${r.body.slice(0, 400)}`;
const merged = async (cid) => (await redis.cli('HGET', `hilo:{c:${cid}}:cu`, 'merged_into'));
const ids = async (cid) => (await redis.cli('SMEMBERS', `hilo:{c:${cid}}:ids`)).split('\n').filter(Boolean).sort();

test('the same email typed into the widget by two visitors: a suggestion, never a merge; dismiss keeps it away', withLogs(async () => {
  const email = `${uid('w')}@example.com`;
  const c1 = await customer(hilo, { email, name: 'Pat' });
  const c2 = await customer(hilo, { email: email.toUpperCase(), name: 'Pat' });
  const A = c1.welcome.customer, B = c2.welcome.customer;
  assert.notEqual(A, B);
  const idsA = await ids(A), idsB = await ids(B);
  const s = await api('GET', `/api/v1/customers/${A}/suggestions`);
  assert.equal(s.status, 200, show(s));
  assert.equal(s.json.suggestions.length, 1, show(s));
  const sg = s.json.suggestions[0];
  assert.deepEqual([sg.a, sg.b].sort(), [A, B].sort());
  assert.deepEqual(sg.reasons.sort(), ['email', 'name']);
  assert.equal(sg.state, 'open');
  // stored, listed for everyone, and nothing merged
  const all = await api('GET', '/api/v1/suggestions');
  assert.ok(all.json.suggestions.some((x) => x.a === sg.a && x.b === sg.b));
  assert.equal(await merged(A), '');
  assert.equal(await merged(B), '');
  assert.deepEqual(await ids(A), idsA);
  assert.deepEqual(await ids(B), idsB);
  assert.equal(await redis.cli('ZCARD', 'hilo:merges'), '0');
  // dismiss: gone from the lists, not suggested again
  const d = await api('POST', `/api/v1/customers/${B}/suggestions/${A}/dismiss`);
  assert.equal(d.status, 200, show(d));
  assert.equal(d.json.suggestion.state, 'dismissed');
  assert.equal(d.json.suggestion.dismissed_by, 'ana');
  assert.equal((await api('GET', `/api/v1/customers/${A}/suggestions`)).json.suggestions.length, 0);
  assert.ok(!(await api('GET', '/api/v1/suggestions')).json.suggestions.some((x) => x.a === sg.a && x.b === sg.b));
  c1.close(); c2.close();
}));

test('the same name: suggested; accepting runs the merge and the suggestion is gone', withLogs(async () => {
  const name = `Marta Gómez ${uid('n')}`;
  const mk = async (email) => (await api('POST', '/api/v1/tickets', { channel: 'shopchat', customer: { email, name }, text: 'hola', locale: 'es' }, { auth: key })).json.ticket;
  const t1 = await mk(`${uid('m1')}@example.com`);
  const t2 = await mk(`${uid('m2')}@example.com`);
  const A = t1.customer, B = t2.customer;
  assert.notEqual(A, B);
  // (differently spaced and cased: still the same name)
  const c3 = await customer(hilo, { name: `  ${name.toUpperCase()}  ` });
  const C = c3.welcome.customer;
  const s = await api('GET', `/api/v1/customers/${B}/suggestions`);
  assert.equal(s.status, 200, show(s));
  const others = s.json.suggestions.map((x) => (x.a === B ? x.b : x.a)).sort();
  assert.deepEqual(others, [A, C].sort(), show(s));
  for (const x of s.json.suggestions) assert.deepEqual(x.reasons, ['name']);
  assert.equal(await merged(A), '');
  // accept = the agent runs the merge
  const m = await api('POST', `/api/v1/customers/${A}/merge`, { into: B });
  assert.equal(m.status, 200, show(m));
  assert.equal(await merged(A), B);
  const left = (await api('GET', '/api/v1/suggestions')).json.suggestions;
  assert.ok(!left.some((x) => x.a === A || x.b === A), 'suggestions naming the merged customer are gone');
  // the merged-away customer has none of its own
  assert.deepEqual((await api('GET', `/api/v1/customers/${A}/suggestions`)).json.suggestions, []);
  c3.close();
}));

test('suggestions: unknown customer, unknown pair, no session, API key: stable errors', withLogs(async () => {
  const r1 = await api('GET', '/api/v1/customers/cnobody/suggestions');
  assert.equal(r1.status, 404); assert.equal(r1.json.error.code, 'unknown_customer');
  const r2 = await api('POST', '/api/v1/customers/cnobody/suggestions/cother/dismiss');
  assert.equal(r2.status, 404); assert.equal(r2.json.error.code, 'not_found');
  const r3 = await api('GET', '/api/v1/suggestions', undefined, { ck: null });
  assert.equal(r3.status, 401); assert.equal(r3.json.error.code, 'unauthorized');
  const r4 = await api('GET', '/api/v1/suggestions', undefined, { auth: key });
  assert.equal(r4.status, 403); assert.equal(r4.json.error.code, 'forbidden');
  assert.equal(await redis.cli('EXISTS', 'hilo:{c:cnobody}:cu'), '0');
}));
