// Login throttling (docs/security.md "Login throttling"): failures are
// counted per name and per client address in Redis (every instance sees
// them); past the limit a login is refused with rate_limited before any
// password check, for a lockout that doubles with each further failure; and
// at most --login-hashes checks run at once, with a short queue, beyond
// which a login is refused at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startHilo, addAgent, connect, cleanup, withLogs, httpGet, LOGIN_TIMEOUT_MS,
} from '../lib/harness.mjs';

const LOCKOUT_MS = 5000; // long enough for the checks made while locked (no password check among them)
let redis, h1, h2;
const pw = {};

// The hilos trust 127.0.0.1 as a proxy, so each test names its own client
// address in X-Forwarded-For.
async function login(h, name, password, ip) {
  return httpGet(h.url + '/api/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ name, password }),
  });
}

function assertLimited(r, what) {
  assert.equal(r.status, 429, `${what}: HTTP ${r.status} ${r.body}`);
  assert.equal(r.json?.error?.code, 'rate_limited', `${what}: ${r.body}`);
  assert.ok(Number.isInteger(r.json.error.retry_after) && r.json.error.retry_after >= 1,
    `${what}: retry_after ${r.body}`);
  assert.equal(r.headers.get('retry-after'), String(r.json.error.retry_after), `${what}: Retry-After header`);
}

// Retries the right password until the lockout is over: a bounded wait on
// the outcome itself (each refused try counts no failure).
async function waitUnlocked(h, name, password, ip) {
  const deadline = Date.now() + LOCKOUT_MS * 4 + 10000;
  for (;;) {
    const r = await login(h, name, password, ip);
    if (r.status !== 429) return r;
    assertLimited(r, 'during the lockout');
    if (Date.now() > deadline) throw new Error(`${name} still locked out after ${LOCKOUT_MS * 4 + 10000} ms`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

before(async () => {
  redis = await startRedis();
  const args = ['--trusted-proxies', '127.0.0.1', '--login-fail-max', '5', '--login-ip-fail-max', '8',
    '--login-lockout-ms', String(LOCKOUT_MS)];
  [h1, h2] = await Promise.all([startHilo({ redisUrl: redis.url, args }), startHilo({ redisUrl: redis.url, args })]);
  for (const n of ['bob', 'alice', 'carl', 'dan']) pw[n] = await addAgent(h1, n);
});
after(cleanup);

test('the 6th wrong password of a name is refused without a check: even the right one is, on every instance, until the lockout ends', withLogs(async () => {
  const ip = '10.0.0.1';
  for (let i = 1; i <= 5; i++) {
    const r = await login(i % 2 ? h1 : h2, 'bob', 'wrong-' + i, ip);
    assert.equal(r.status, 401, `attempt ${i}: ${r.body}`);
    assert.equal(r.json.error.code, 'bad_credentials');
  }
  assertLimited(await login(h1, 'bob', 'wrong-6', ip), '6th wrong password');
  // The right password is refused too: no password was checked. From another
  // address and on the other instance as well (the count is the name's, in Redis).
  assertLimited(await login(h1, 'bob', pw.bob, ip), 'right password during the lockout');
  assertLimited(await login(h2, 'bob', pw.bob, '10.0.0.99'), 'right password from elsewhere, other instance');
  const ws = await connect(h2.wsUrl, 'hilo.agent.v1');
  const e = await ws.request({ type: 'login', name: 'bob', password: pw.bob }, LOGIN_TIMEOUT_MS);
  assert.equal(e.type, 'error');
  assert.equal(e.code, 'rate_limited');
  await ws.close();

  // Another name from the same address still signs in (within the address's budget).
  assert.equal((await login(h1, 'alice', pw.alice, ip)).status, 200);

  // The lockout ends; the right password then works and clears the count.
  const ok = await waitUnlocked(h2, 'bob', pw.bob, ip);
  assert.equal(ok.status, 200, ok.body);
  const again = await login(h1, 'bob', 'wrong-again', ip);
  assert.equal(again.status, 401, `after a good login the count starts over: ${again.body}`);
}));

test('an address past its budget is refused for every name; other addresses are not', withLogs(async () => {
  const ip = '10.0.0.2';
  // 8 failures spread over names (none reaches the per-name limit of 5).
  const names = ['carl', 'carl', 'carl', 'carl', 'dan', 'dan', 'dan', 'nobody'];
  for (const [i, n] of names.entries()) {
    const r = await login(h1, n, 'wrong', ip);
    assert.equal(r.status, 401, `failure ${i + 1}: ${r.body}`);
  }
  assertLimited(await login(h2, 'dan', pw.dan, ip), 'right password from a locked address');
  // a WebSocket login from that address is refused the same way
  const ws = await connect(h2.wsUrl, 'hilo.agent.v1', { headers: { 'x-forwarded-for': ip } });
  const e = await ws.request({ type: 'login', name: 'dan', password: pw.dan }, LOGIN_TIMEOUT_MS);
  assert.equal(e.code, 'rate_limited', `WebSocket login from a locked address: ${JSON.stringify(e)}`);
  await ws.close();
  assert.equal((await login(h2, 'dan', pw.dan, '10.0.0.3')).status, 200, 'another address');
}));

test('password checks are bounded: beyond --login-hashes running and --login-queue waiting, a login is refused at once', withLogs(async () => {
  const h = await startHilo({ redisUrl: redis.url, args: ['--login-hashes', '1', '--login-queue', '1'] });
  // Unknown names: each costs one full check; distinct names so no per-name limit applies.
  const rs = await Promise.all(Array.from({ length: 8 }, (_, i) => login(h, `ghost${i}`, 'x', `10.1.0.${i}`)));
  const codes = rs.map((r) => r.status);
  assert.ok(codes.includes(429), `some refused at once: ${codes}`);
  assert.ok(codes.includes(401), `some checked: ${codes}`);
  for (const r of rs.filter((x) => x.status === 429)) assertLimited(r, 'queue full');
  // Once the burst is over a real login works.
  assert.equal((await login(h, 'alice', pw.alice, '10.1.1.1')).status, 200);
  await h.stop();
}));
