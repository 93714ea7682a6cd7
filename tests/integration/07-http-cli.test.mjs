// HTTP endpoints (health, readiness, static files, path traversal, the agent
// session API) and the command line (--version, --help, unknown options,
// environment variables, SIGTERM).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { writeFile, mkdir } from 'node:fs/promises';
import {
  startRedis, startHilo, addAgent, connect, customer, agent, runHilo, tmpDir,
  cleanup, withLogs, httpGet,
} from '../lib/harness.mjs';

let redis, hilo, top, webRoot, anaPw;
const INDEX = '<!doctype html><title>hilo test index</title><p>static ok</p>\n';
const CSS = 'body { color: #123456; }\n';

before(async () => {
  redis = await startRedis();
  top = await tmpDir('hilo-web-');
  webRoot = path.join(top, 'web');
  await mkdir(path.join(webRoot, 'sub'), { recursive: true });
  await writeFile(path.join(webRoot, 'index.html'), INDEX);
  await writeFile(path.join(webRoot, 'style.css'), CSS);
  await writeFile(path.join(webRoot, 'sub', 'page.html'), '<p>sub</p>\n');
  await writeFile(path.join(top, 'secret.txt'), 'TOP-SECRET-OUTSIDE-WEB-ROOT\n');
  hilo = await startHilo({ redisUrl: redis.url, webRoot });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(cleanup);

// One raw HTTP/1.1 request, so the path reaches the server exactly as written.
function rawGet(port, target) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    s.setTimeout(5000, () => { s.destroy(); reject(new Error(`raw GET ${target}: timeout`)); });
    s.on('connect', () => s.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`));
    s.on('data', (d) => { data += d.toString('latin1'); });
    s.on('error', reject);
    s.on('close', () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      resolve({ status: m ? Number(m[1]) : 0, raw: data });
    });
  });
}

test('/healthz and /readyz', withLogs(async () => {
  const h = await httpGet(hilo.url + '/healthz');
  assert.equal(h.status, 200);
  assert.deepEqual(h.json, { status: 'ok' });
  const r = await httpGet(hilo.url + '/readyz');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { status: 'ready' });
}));

test('static files from --web-root with content types; 404 for missing files', withLogs(async () => {
  const idx = await httpGet(hilo.url + '/');
  assert.equal(idx.status, 200);
  assert.match(idx.headers.get('content-type') ?? '', /^text\/html/);
  assert.equal(idx.body, INDEX);
  const css = await httpGet(hilo.url + '/style.css');
  assert.equal(css.status, 200);
  assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
  assert.equal(css.body, CSS);
  const sub = await httpGet(hilo.url + '/sub/page.html');
  assert.equal(sub.status, 200);
  assert.equal(sub.body, '<p>sub</p>\n');
  const missing = await httpGet(hilo.url + '/no-such-file.html');
  assert.equal(missing.status, 404);
}));

test('path traversal out of the web root is refused', withLogs(async () => {
  for (const target of [
    '/../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E/secret.txt', '/sub/../../secret.txt',
    '/..%2fsecret.txt', '/sub/%2e%2e/%2e%2e/secret.txt', '/../etc/passwd', '/%2e%2e/etc/passwd',
    '/../../../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
  ]) {
    const r = await rawGet(hilo.port, target);
    assert.ok(r.status >= 400 && r.status < 500, `${target}: status ${r.status}`);
    assert.ok(!r.raw.includes('TOP-SECRET'), `${target} leaked a file outside the web root`);
    assert.ok(!/root:.*:0:0:/.test(r.raw), `${target} leaked /etc/passwd`);
  }
}));

test('agent session over HTTP: wrong credentials 401, login sets the cookie, the cookie authenticates a WebSocket', withLogs(async () => {
  const bad = await httpGet(hilo.url + '/api/v1/session', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ana', password: 'nope' }),
  });
  assert.equal(bad.status, 401);
  assert.equal(bad.json?.error?.code, 'bad_credentials');

  const ok = await httpGet(hilo.url + '/api/v1/session', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ana', password: anaPw }),
  });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json.agent, { name: 'ana', display: 'Ana', role: 'agent' });
  assert.equal(typeof ok.json.expires_at, 'number');
  const cookie = ok.headers.get('set-cookie') ?? '';
  const m = /^hilo_session=([^;]+)/.exec(cookie);
  assert.ok(m, `Set-Cookie: ${cookie}`);
  for (const attr of ['Path=/', 'HttpOnly', 'SameSite=Strict', 'Max-Age=43200']) {
    assert.ok(cookie.split(/;\s*/).includes(attr), `Set-Cookie lacks ${attr}: ${cookie}`);
  }
  const me = await httpGet(hilo.url + '/api/v1/session', { headers: { cookie: `hilo_session=${m[1]}` } });
  assert.equal(me.status, 200);
  assert.equal(me.json.agent.name, 'ana');
  assert.equal((await httpGet(hilo.url + '/api/v1/session')).status, 401);

  const a = await connect(hilo.wsUrl, 'hilo.agent.v1', { headers: { cookie: `hilo_session=${m[1]}` } });
  const s = await a.next('session');
  assert.deepEqual(s.agent, { name: 'ana', display: 'Ana', role: 'agent' });
  assert.equal(s.token, undefined);
  const q = await a.request({ type: 'queue.watch' });
  assert.equal(q.type, 'queue');
  await a.close();

  const del = await httpGet(hilo.url + '/api/v1/session', { method: 'DELETE', headers: { cookie: `hilo_session=${m[1]}` } });
  assert.equal(del.status, 204);
  assert.equal((await httpGet(hilo.url + '/api/v1/session', { headers: { cookie: `hilo_session=${m[1]}` } })).status, 401);
}));

test('--version, --help, unknown option', withLogs(async () => {
  const v = await runHilo(['--version']);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout.trim(), /^hilo \S+$/);
  const h = await runHilo(['--help']);
  assert.equal(h.code, 0, h.stderr);
  assert.match(h.stdout + h.stderr, /--listen/);
  assert.match(h.stdout + h.stderr, /--redis-url/);
  const u = await runHilo(['--no-such-option']);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /no-such-option/);
  const u2 = await runHilo(['serve', '--bogus-flag', 'x']);
  assert.equal(u2.code, 2);
  assert.match(u2.stderr, /bogus-flag/);
}));

test('hilo agent add prints only the password; the password logs in', withLogs(async () => {
  const pw = await addAgent(redis.url, 'carla', { display: 'Carla', admin: true });
  assert.ok(pw.length >= 8, `password "${pw}" is short`);
  assert.doesNotMatch(pw, /\s/);
  const a = await agent(hilo, 'carla', pw);
  assert.deepEqual(a.session.agent, { name: 'carla', display: 'Carla', role: 'admin' });
  await a.close();
}));

test('options also come from HILO_* environment variables', withLogs(async () => {
  const h = await startHilo({ redisUrl: redis.url, webRoot, env: { HILO_MAX_TEXT: '5' } });
  const c = await customer(h, {});
  c.send({ type: 'message', client_id: 'e-1', text: '123456' });
  const e = await c.next('error');
  assert.equal(e.code, 'text_too_long');
  assert.equal(e.client_id, 'e-1');
  c.send({ type: 'message', client_id: 'e-2', text: '12345' });
  assert.equal((await c.next('ack')).client_id, 'e-2');
  await c.close();
  assert.equal(await h.stop(), 0);
}));

test('SIGTERM closes WebSockets with 1001 and exits 0', withLogs(async () => {
  const h = await startHilo({ redisUrl: redis.url, webRoot });
  const c = await customer(h, {});
  const a = await agent(h, 'ana', anaPw);
  const code = await h.stop();
  assert.equal((await c.closed).code, 1001);
  assert.equal((await a.closed).code, 1001);
  assert.equal(code, 0, h.logs().slice(-2000));
}));

test('hilo agent add --team puts the agent in that team', withLogs(async () => {
  const r = await startRedis();
  const pw = (await runHilo(['agent', 'add', 'teamed', '--team', 'billing', '--display', 'Teamed One', '--redis-url', r.url])).stdout.trim();
  assert.match(pw, /^\S{20}$/);
  const team = (await r.cli('HGET', 'hilo:agent:teamed', 'team')).trim();
  assert.equal(team, 'billing');
}));
