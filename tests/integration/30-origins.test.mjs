// Same-site pages that are not the console (another port of the same host,
// a text/plain form) cannot act with an agent's cookie: agent WebSockets and
// cookie-authenticated REST calls need a console Origin (--console-origins,
// else --public-url's origin, else the request's own host), and JSON bodies.
// The web root serves only built files; the console's CSP connects only to
// Hilo's own origin. See docs/security.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startHilo, addAgent, connect, cleanup, withLogs, httpGet, runHilo,
} from '../lib/harness.mjs';
import { loginCookie } from '../lib/fake-provider.mjs';

let redis, hilo, rootPw, cookie;
const EVIL_PORT = 1; // another port of the same host: same site, another origin
const evil = () => `http://127.0.0.1:${EVIL_PORT}`;

before(async () => {
  redis = await startRedis();
  hilo = await startHilo({ redisUrl: redis.url, prefix: 'orig' });
  rootPw = await addAgent(hilo, 'root', { admin: true, display: 'Root' });
  cookie = await loginCookie(hilo, 'root', rootPw);
});
after(cleanup);

const agents = async () => {
  const r = await httpGet(hilo.url + '/api/v1/agents', { headers: { cookie } });
  assert.equal(r.status, 200, r.body);
  return r.json.agents.map((a) => a.name).sort();
};

function assertForbidden(r, what) {
  assert.equal(r.status, 403, `${what}: HTTP ${r.status} ${r.body}`);
  assert.equal(r.json?.error?.code, 'forbidden', `${what}: ${r.body}`);
  assert.equal(typeof r.json.error.message, 'string');
}

test('an agent WebSocket from another origin of the same site is refused with 403; the console\'s own origin and non-browsers get in', withLogs(async () => {
  const err = await connect(hilo.wsUrl, 'hilo.agent.v1', { origin: evil(), headers: { cookie } }).then(
    (c) => { c.close(); return null; }, (e) => e);
  assert.ok(err, 'a page on another port got the agent socket');
  assert.equal(err.status, 403);
  const nul = await connect(hilo.wsUrl, 'hilo.agent.v1', { origin: 'null', headers: { cookie } }).then(
    (c) => { c.close(); return null; }, (e) => e);
  assert.equal(nul?.status, 403, 'Origin: null (a sandboxed page) got the agent socket');

  for (const origin of [hilo.url, undefined]) {
    const a = await connect(hilo.wsUrl, 'hilo.agent.v1', { origin, headers: { cookie } });
    const s = await a.next('session');
    assert.equal(s.agent.name, 'root', `origin ${origin}`);
    await a.close();
  }
  // the customer side keeps its own rule (--widget-origins)
  const c = await connect(hilo.wsUrl, 'hilo.customer.v1', { origin: hilo.url });
  await c.close();
}));

test('--console-origins, else --public-url, decides which origins are the console\'s', withLogs(async () => {
  const h2 = await startHilo({ redisUrl: redis.url, prefix: 'orig',
    args: ['--console-origins', 'https://console.example, https://ops.example:8443'] });
  const h3 = await startHilo({ redisUrl: redis.url, prefix: 'orig', args: ['--public-url', 'https://support.example/'] });
  const tryAgent = (h, origin) => connect(h.wsUrl, 'hilo.agent.v1', { origin, headers: { cookie } })
    .then(async (c) => { await c.next('session'); await c.close(); return 101; }, (e) => e.status);
  assert.equal(await tryAgent(h2, 'https://console.example'), 101);
  assert.equal(await tryAgent(h2, 'https://ops.example:8443'), 101);
  assert.equal(await tryAgent(h2, h2.url), 403, 'the listed origins replace the same-host default');
  assert.equal(await tryAgent(h3, 'https://support.example'), 101);
  assert.equal(await tryAgent(h3, h3.url), 403, 'public_url replaces the same-host default');
  const r = await httpGet(h2.url + '/api/v1/agents', {
    method: 'POST', headers: { cookie, origin: 'https://console.example', 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'c2', display: 'C2', role: 'agent', team: '' }),
  });
  assert.equal(r.status, 201, r.body);
  assertForbidden(await httpGet(h2.url + '/api/v1/agents/c2', {
    method: 'DELETE', headers: { cookie, origin: h2.url } }), 'DELETE from a non-listed origin');
  await h2.stop();
  await h3.stop();
}));

test('CSRF: cookie-authenticated POST/PATCH/DELETE need a console Origin and a JSON body, and a refusal changes nothing', withLogs(async () => {
  const before = await agents();
  const form = 'name=mallory&role=admin&display=M&team=&x={"name":"mallory","display":"M","role":"admin","team":""}';
  const json = JSON.stringify({ name: 'mallory', display: 'M', role: 'admin', team: '' });
  const cases = [
    ['auto-submitted text/plain form from another port', { origin: evil(), 'content-type': 'text/plain' }, form],
    ['JSON-looking text/plain from another port', { origin: evil(), 'content-type': 'text/plain' }, json],
    ['JSON from another port', { origin: evil(), 'content-type': 'application/json' }, json],
    ['JSON without Origin', { 'content-type': 'application/json' }, json],
    ['text/plain from the console\'s origin', { origin: hilo.url, 'content-type': 'text/plain' }, json],
    ['form-urlencoded from the console\'s origin', { origin: hilo.url, 'content-type': 'application/x-www-form-urlencoded' }, json],
    ['no content type from the console\'s origin', { origin: hilo.url }, json],
  ];
  for (const [what, headers, body] of cases) {
    const r = await httpGet(hilo.url + '/api/v1/agents', { method: 'POST', headers: { cookie, ...headers }, body, noOrigin: true });
    assertForbidden(r, what);
  }
  assert.deepEqual(await agents(), before, 'a refused request created an agent');
  assertForbidden(await httpGet(hilo.url + '/api/v1/agents/root', {
    method: 'PATCH', headers: { cookie, origin: evil(), 'content-type': 'application/json' }, body: '{"display":"pwned"}' }), 'PATCH');
  assertForbidden(await httpGet(hilo.url + '/api/v1/agents/root/password', {
    method: 'POST', headers: { cookie, origin: evil() } }), 'password reset without a body');
  // logout from another page: refused, the session lives on
  assertForbidden(await httpGet(hilo.url + '/api/v1/session', { method: 'DELETE', headers: { cookie, origin: evil() } }), 'logout');
  assert.equal((await httpGet(hilo.url + '/api/v1/session', { headers: { cookie } })).status, 200);
  const list = (await httpGet(hilo.url + '/api/v1/agents', { headers: { cookie } })).json.agents;
  assert.equal(list.find((a) => a.name === 'root').display, 'Root', 'a refused PATCH changed the agent');

  // what the console sends is accepted; GET needs no Origin
  const ok = await httpGet(hilo.url + '/api/v1/agents', {
    method: 'POST', headers: { cookie, origin: hilo.url, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ name: 'dora', display: 'Dora', role: 'agent', team: '' }),
  });
  assert.equal(ok.status, 201, ok.body);
  assert.equal((await httpGet(hilo.url + '/api/v1/agents/dora', { method: 'DELETE', headers: { cookie, origin: hilo.url } })).status, 204);
  // API keys are never sent by a browser on its own: no Origin needed
  const k = await runHilo(['apikey', 'add', 'shop', '--redis-url', redis.url, '--prefix', 'orig']);
  assert.equal(k.code, 0, k.stderr);
  const key = k.stdout.trim();
  const viaKey = await httpGet(hilo.url + '/api/v1/tickets', {
    method: 'POST', headers: { authorization: `Bearer ${key}`, cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ channel: 'shopchat', customer: { id: 'u-orig-1' }, text: 'via a key', locale: 'en' }),
  });
  assert.equal(viaKey.status, 201, `an API key request was taken for CSRF: ${viaKey.body}`);
  // login needs no cookie, so no Origin (curl, scripts); a cookie-less request is no CSRF
  assert.equal((await httpGet(hilo.url + '/api/v1/session', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'root', password: rootPw }) })).status, 200);
  // the cookie keeps SameSite=Strict
  const l = await httpGet(hilo.url + '/api/v1/session', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'root', password: rootPw }) });
  assert.match(l.headers.get('set-cookie'), /;\s*SameSite=Strict/);
}));

test('the web root serves the built files only, not their sources', withLogs(async () => {
  for (const p of ['/build.mjs', '/console/src/api.js', '/console/src/main.js', '/widget/src/main.js', '/widget/README.md']) {
    const r = await httpGet(hilo.url + p);
    assert.equal(r.status, 404, `${p}: HTTP ${r.status}`);
    assert.equal(r.json?.error?.code, 'not_found', p);
  }
  for (const p of ['/', '/widget.js', '/console/', '/console/app.js', '/console/app.css', '/demo/logo.svg']) {
    assert.equal((await httpGet(hilo.url + p)).status, 200, p);
  }
}));

test('the console\'s CSP lets it connect to Hilo\'s own origin only', withLogs(async () => {
  const r = await httpGet(hilo.url + '/console/');
  const csp = r.headers.get('content-security-policy') ?? '';
  const connect = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('connect-src'));
  assert.equal(connect, "connect-src 'self'", csp);
}));
