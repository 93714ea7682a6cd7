// Ending a session ends it everywhere at once (docs/security.md "Sessions"):
// logout, a password reset (CLI or REST), removing or demoting an agent close
// the agent's sockets with 4401 on every instance sharing Redis, and the old
// cookie or token is refused afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startHilo, addAgent, agent, connect, cleanup, withLogs, httpGet, runHilo,
  LOGIN_TIMEOUT_MS,
} from '../lib/harness.mjs';

let redis, h1, h2, rootCookie;
const pw = {};

// Bounded wait for the server to close a socket (no sleeping: the close
// itself resolves it).
const CLOSE_WAIT_MS = 5000;
async function closedWith(c, what) {
  const t = new Promise((_, rej) => setTimeout(() => rej(new Error(`${what}: socket still open after ${CLOSE_WAIT_MS} ms`)), CLOSE_WAIT_MS));
  const info = await Promise.race([c.closed, t]);
  assert.equal(info.code, 4401, `${what}: closed with ${info.code} ${info.reason}`);
}

async function api(h, method, path, { cookie, body } = {}) {
  const headers = {};
  if (cookie) headers.cookie = cookie;
  let b;
  if (body !== undefined) { b = JSON.stringify(body); headers['content-type'] = 'application/json'; }
  return httpGet(h.url + path, { method, headers, body: b });
}

async function loginCookie(h, name, password) {
  const r = await api(h, 'POST', '/api/v1/session', { body: { name, password } });
  assert.equal(r.status, 200, `login ${name}: HTTP ${r.status} ${r.body}`);
  const m = /^hilo_session=([^;]+)/.exec(r.headers.get('set-cookie') ?? '');
  assert.ok(m, `login ${name}: no cookie`);
  return { cookie: `hilo_session=${m[1]}`, token: m[1] };
}

// An agent socket on h signed in by the upgrade's session cookie.
async function cookieSocket(h, cookie) {
  const c = await connect(h.wsUrl, 'hilo.agent.v1', { origin: h.url, headers: { cookie } });
  c.session = await c.next((f) => f.type === 'session' || f.type === 'error', LOGIN_TIMEOUT_MS);
  assert.equal(c.session.type, 'session', `cookie socket: ${JSON.stringify(c.session)}`);
  return c;
}

// `auth` with a token on a fresh socket: the answer frame.
async function authWith(h, token) {
  const c = await connect(h.wsUrl, 'hilo.agent.v1');
  const r = await c.request({ type: 'auth', token }, LOGIN_TIMEOUT_MS);
  await c.close();
  return r;
}

before(async () => {
  redis = await startRedis();
  [h1, h2] = await Promise.all([startHilo({ redisUrl: redis.url }), startHilo({ redisUrl: redis.url })]);
  for (const n of ['ana', 'bob', 'cat', 'eve']) pw[n] = await addAgent(h1, n);
  pw.root = await addAgent(h1, 'root', { admin: true });
  pw.dora = await addAgent(h1, 'dora', { admin: true });
  rootCookie = (await loginCookie(h1, 'root', pw.root)).cookie;
});
after(cleanup);

test('logout on instance A closes the sockets of that session on instance B (4401); other sessions live on', withLogs(async () => {
  const s1 = await loginCookie(h1, 'ana', pw.ana);
  const onB = await cookieSocket(h2, s1.cookie);
  const onA = await cookieSocket(h1, s1.cookie);
  const other = await agent(h2, 'ana', pw.ana); // a second session of ana
  const r = await api(h1, 'DELETE', '/api/v1/session', { cookie: s1.cookie });
  assert.equal(r.status, 204);
  await closedWith(onB, 'socket on B after logout on A');
  await closedWith(onA, 'socket on A after logout on A');
  assert.equal((await api(h2, 'GET', '/api/v1/session', { cookie: s1.cookie })).status, 401);
  assert.equal((await authWith(h2, s1.token)).code, 'unauthorized');
  // The other session of ana is untouched.
  const ok = await other.request({ type: 'queue.watch' });
  assert.notEqual(ok.type, 'error', JSON.stringify(ok));
  await other.close();
}));

test('hilo agent passwd ends every session: sockets close, the old cookie gets 401, the old token fails', withLogs(async () => {
  const s = await loginCookie(h1, 'bob', pw.bob);
  const ws = await agent(h2, 'bob', pw.bob);
  const oldToken = ws.session.token;
  assert.ok(oldToken);
  const res = await runHilo(['agent', 'passwd', 'bob', '--redis-url', redis.url]);
  assert.equal(res.code, 0, res.stderr);
  const newPw = res.stdout.trim();
  await closedWith(ws, 'socket on B after hilo agent passwd');
  assert.equal((await api(h1, 'GET', '/api/v1/session', { cookie: s.cookie })).status, 401);
  assert.equal((await api(h2, 'GET', '/api/v1/tickets', { cookie: s.cookie })).status, 401);
  assert.equal((await authWith(h2, oldToken)).code, 'unauthorized');
  assert.equal((await authWith(h1, s.token)).code, 'unauthorized');
  // The new password makes a working session.
  const fresh = await loginCookie(h2, 'bob', newPw);
  assert.equal((await api(h1, 'GET', '/api/v1/session', { cookie: fresh.cookie })).status, 200);
}));

test('a password change over REST ends the agent\'s sessions on every instance', withLogs(async () => {
  const s = await loginCookie(h1, 'eve', pw.eve);
  const ws = await cookieSocket(h2, s.cookie);
  const r = await api(h1, 'POST', '/api/v1/agents/eve/password', { cookie: rootCookie, body: {} });
  assert.equal(r.status, 200, r.body);
  await closedWith(ws, 'socket on B after a REST password change on A');
  assert.equal((await api(h2, 'GET', '/api/v1/session', { cookie: s.cookie })).status, 401);
  // root's own session is not touched by it.
  assert.equal((await api(h2, 'GET', '/api/v1/session', { cookie: rootCookie })).status, 200);
}));

test('an agent changing its own password stays signed in where it did it; its other sessions end', withLogs(async () => {
  const first = await loginCookie(h1, 'ana', pw.ana);
  const here = await loginCookie(h2, 'ana', pw.ana);
  const elsewhere = await cookieSocket(h2, first.cookie);
  const hereSock = await cookieSocket(h1, here.cookie);
  const r = await api(h2, 'POST', '/api/v1/agents/ana/password', { cookie: here.cookie, body: {} });
  assert.equal(r.status, 200, r.body);
  pw.ana = r.json.password;
  await closedWith(elsewhere, 'the other session\'s socket');
  assert.equal((await api(h1, 'GET', '/api/v1/session', { cookie: first.cookie })).status, 401);
  assert.equal((await api(h1, 'GET', '/api/v1/session', { cookie: here.cookie })).status, 200);
  const ok = await hereSock.request({ type: 'queue.watch' });
  assert.notEqual(ok.type, 'error', JSON.stringify(ok));
  await hereSock.close();
}));

test('deleting an agent closes its sockets on every instance', withLogs(async () => {
  const ws = await agent(h2, 'cat', pw.cat);
  const r = await api(h1, 'DELETE', '/api/v1/agents/cat', { cookie: rootCookie });
  assert.equal(r.status, 204, r.body);
  await closedWith(ws, 'socket on B after deleting the agent on A');
  assert.equal((await authWith(h2, ws.session.token)).code, 'unauthorized');
  // An agent re-created under the same name does not bring old sessions back.
  const again = await api(h1, 'POST', '/api/v1/agents', { cookie: rootCookie, body: { name: 'cat' } });
  assert.equal(again.status, 201, again.body);
  assert.equal((await authWith(h2, ws.session.token)).code, 'unauthorized');
}));

test('demoting an admin drops its admin rights at once: sockets closed, the old cookie refused', withLogs(async () => {
  const s = await loginCookie(h1, 'dora', pw.dora);
  const ws = await cookieSocket(h2, s.cookie);
  assert.equal(ws.session.agent.role, 'admin');
  // Same role again changes nothing.
  const same = await api(h1, 'PATCH', '/api/v1/agents/dora', { cookie: rootCookie, body: { role: 'admin' } });
  assert.equal(same.status, 200, same.body);
  const still = await ws.request({ type: 'queue.watch' });
  assert.notEqual(still.type, 'error', JSON.stringify(still));
  const r = await api(h1, 'PATCH', '/api/v1/agents/dora', { cookie: rootCookie, body: { role: 'agent' } });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.agent.role, 'agent');
  await closedWith(ws, 'socket on B after demotion on A');
  // The admin-only endpoint refuses the old cookie, and a new login is an agent.
  assert.equal((await api(h2, 'GET', '/api/v1/agents', { cookie: s.cookie })).status, 401);
  const fresh = await loginCookie(h2, 'dora', pw.dora);
  assert.equal((await api(h2, 'POST', '/api/v1/agents', { cookie: fresh.cookie, body: { name: 'zed' } })).status, 403);
  const again = await agent(h1, 'dora', pw.dora);
  assert.equal(again.session.agent.role, 'agent');
  await again.close();
}));
