// TLS served by Hilo itself (docs/security.md "TLS"): --tls-cert/--tls-key
// give HTTPS and WSS on the listening port, with Strict-Transport-Security on
// every response and Secure session cookies; plain HTTP is refused there. A
// certificate that cannot serve (unreadable, mismatched key, expired,
// encrypted key) stops Hilo at start-up with a message naming the option.
// SIGHUP re-reads the files: new connections get the new certificate, an
// open WSS connection keeps working, and a bad new pair is refused while the
// old one stays. Outbound HTTPS (curl) verifies the peer's certificate.
// Certificates are made with the openssl command at test time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, writeFileSync, readFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import tls from 'node:tls';
import path from 'node:path';
import WebSocket from 'ws';
import {
  startRedis, tmpDir, freePort, runHilo, addAgent, cleanup, withLogs, sleep, repoRoot, HILO_BIN,
} from '../lib/harness.mjs';

let redis, dir, A, B, hilo, hook, hookServer;

// ---------------------------------------------------------------- certificates

function openssl(...args) {
  return execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

// A self-signed certificate for 127.0.0.1/localhost: {cert, key} paths.
function selfSigned(name, cn) {
  const cert = path.join(dir, `${name}.crt`), key = path.join(dir, `${name}.key`);
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '30', '-subj', `/CN=${cn}`,
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1');
  return { cert, key, pem: readFileSync(cert, 'utf8'), cn };
}

// A certificate valid only in January 2020 (openssl req cannot backdate).
function expired(keyPath) {
  const ca = path.join(dir, 'ca');
  execFileSync('mkdir', ['-p', ca]);
  writeFileSync(path.join(ca, 'index.txt'), '');
  writeFileSync(path.join(ca, 'serial'), '01\n');
  writeFileSync(path.join(ca, 'ca.cnf'), `[ca]\ndefault_ca = d\n[d]\ndatabase = ${ca}/index.txt\n`
    + `new_certs_dir = ${ca}\nserial = ${ca}/serial\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n`);
  const csr = path.join(ca, 'old.csr'), out = path.join(dir, 'old.crt');
  openssl('req', '-new', '-key', keyPath, '-subj', '/CN=old', '-out', csr);
  openssl('ca', '-batch', '-config', path.join(ca, 'ca.cnf'), '-selfsign', '-keyfile', keyPath,
    '-in', csr, '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-out', out);
  return out;
}

// ---------------------------------------------------------------- clients

// One HTTPS request trusting only ca: {status, headers, body, json}.
function httpsReq(port, p, { ca, method = 'GET', headers = {}, body } = {}) {
  if (body) headers = { ...headers, 'content-length': Buffer.byteLength(body) };
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, path: p, method, headers, ca, agent: false, timeout: 5000,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json;
        try { json = JSON.parse(text); } catch {}
        resolve({ status: res.statusCode, headers: res.headers, body: text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

// Plain HTTP: {status, headers, body}.
function httpReq(port, p, { method = 'GET', headers = {}, body } = {}) {
  if (body) headers = { ...headers, 'content-length': Buffer.byteLength(body) };
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method, headers, agent: false, timeout: 5000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

// The CN of the certificate a new TLS connection is served (no verification).
function servedCn(port) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      const cn = s.getPeerCertificate().subject?.CN;
      s.end();
      resolve(cn);
    });
    s.on('error', reject);
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
  });
}

// A WSS client of subprotocol trusting ca, with a queue of parsed frames.
function wss(port, subprotocol, ca) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, [subprotocol], { ca, handshakeTimeout: 5000 });
    const c = { ws, queue: [], waiters: [] };
    ws.on('message', (d) => {
      let f;
      try { f = JSON.parse(d.toString()); } catch { f = { type: '__raw__', raw: d.toString() }; }
      c.queue.push(f);
      for (const w of c.waiters.slice()) {
        const i = c.queue.findIndex(w.pred);
        if (i >= 0) { c.waiters.splice(c.waiters.indexOf(w), 1); clearTimeout(w.t); w.resolve(c.queue.splice(i, 1)[0]); }
      }
    });
    c.send = (o) => ws.send(JSON.stringify(o));
    c.next = (type, ms = 10000) => new Promise((res, rej) => {
      const pred = typeof type === 'function' ? type : (f) => f.type === type || f.type === 'error';
      const i = c.queue.findIndex(pred);
      if (i >= 0) return res(c.queue.splice(i, 1)[0]);
      const w = { pred, resolve: res };
      w.t = setTimeout(() => { c.waiters.splice(c.waiters.indexOf(w), 1); rej(new Error(`no ${type} frame in ${ms} ms; queue ${JSON.stringify(c.queue)}`)); }, ms);
      c.waiters.push(w);
    });
    ws.on('open', () => resolve(c));
    ws.on('error', reject);
  });
}

// ---------------------------------------------------------------- hilo with TLS

// Starts hilo with TLS (cert/key paths) and waits for HTTPS /readyz.
async function startTlsHilo(certPaths, ca, extra = []) {
  const port = await freePort();
  const argv = ['serve', '--listen', `127.0.0.1:${port}`, '--web-root', path.join(repoRoot, 'web'),
    '--var-dir', await tmpDir('hilo-var-'), '--redis-url', redis.url, '--prefix', `tls${port}`,
    '--tls-cert', certPaths.cert, '--tls-key', certPaths.key, ...extra];
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HILO_')));
  const proc = spawn(HILO_BIN, argv, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  const h = { port, proc, exited, logs: () => out, prefix: `tls${port}`, redisUrl: redis.url };
  h.stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(t);
  };
  const deadline = Date.now() + 15000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`hilo exited ${proc.exitCode}: ${out}`);
    try {
      if ((await httpsReq(port, '/readyz', { ca })).status === 200) break;
    } catch {}
    if (Date.now() > deadline) { await h.stop(); throw new Error(`hilo TLS /readyz not ready: ${out}`); }
    await sleep(100);
  }
  return h;
}

const waitFor = async (check, ms, what) => {
  const deadline = Date.now() + ms;
  for (;;) {
    try { if (await check()) return; } catch {}
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
};

before(async () => {
  dir = await tmpDir('hilo-tls-');
  A = selfSigned('a', 'hilo-a');
  B = selfSigned('b', 'hilo-b');
  redis = await startRedis();
  // an https webhook receiver with a certificate no CA vouches for
  hook = { requests: 0, tlsErrors: [] };
  hookServer = https.createServer({ cert: readFileSync(B.cert), key: readFileSync(B.key) }, (req, res) => {
    hook.requests++;
    res.end('ok');
  });
  hookServer.on('tlsClientError', (e) => hook.tlsErrors.push(String(e.message)));
  await new Promise((r) => hookServer.listen(0, '127.0.0.1', r));
  // the files hilo serves are copies, so the reload test can replace them
  const live = { cert: path.join(dir, 'live.crt'), key: path.join(dir, 'live.key') };
  copyFileSync(A.cert, live.cert);
  copyFileSync(A.key, live.key);
  hilo = await startTlsHilo(live, A.pem, [
    '--webhook-url', `https://127.0.0.1:${hookServer.address().port}/hook`, '--webhook-secret', 'w',
    '--outbox-attempts', '1', '--hsts-max-age', '600',
  ]);
  hilo.live = live;
});
after(async () => {
  await hilo?.stop();
  hookServer?.close();
  await cleanup();
});

test('HTTPS serves /healthz, static files, 404s and lws\'s own refusals with Strict-Transport-Security', withLogs(async () => {
  const h = await httpsReq(hilo.port, '/healthz', { ca: A.pem });
  assert.equal(h.status, 200);
  assert.deepEqual(h.json, { status: 'ok' });
  assert.equal(h.headers['strict-transport-security'], 'max-age=600');
  const s = await httpsReq(hilo.port, '/widget.js', { ca: A.pem });
  assert.equal(s.status, 200);
  assert.match(s.headers['content-type'], /javascript/);
  assert.equal(s.headers['strict-transport-security'], 'max-age=600');
  const nf = await httpsReq(hilo.port, '/no-such-file.js', { ca: A.pem });
  assert.equal(nf.status, 404);
  assert.equal(nf.headers['strict-transport-security'], 'max-age=600');
  // an upgrade naming no subprotocol of ours: refused by lws's status page
  const up = await httpsReq(hilo.port, '/ws', {
    ca: A.pem,
    headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-protocol': 'nope' },
  });
  assert.equal(up.status, 400);
  assert.equal(up.headers['strict-transport-security'], 'max-age=600');
}));

test('plain HTTP on the TLS port gets no HTTP answer', withLogs(async () => {
  await assert.rejects(httpReq(hilo.port, '/healthz'), (e) => {
    assert.ok(['ECONNRESET', 'EPIPE'].includes(e.code) || /socket hang up|Parse Error/.test(e.message), e.message);
    return true;
  });
  // and a client that does not trust the certificate is refused by its own check
  await assert.rejects(httpsReq(hilo.port, '/healthz', { ca: B.pem }), /self[- ]signed|unable to verify|certificate/i);
}));

test('the widget protocol works over WSS', withLogs(async () => {
  const c = await wss(hilo.port, 'hilo.customer.v1', A.pem);
  c.send({ type: 'hello', locale: 'es' });
  const w = await c.next('welcome');
  assert.equal(w.type, 'welcome', JSON.stringify(w));
  c.send({ type: 'message', client_id: 'tls-1', text: 'hola por wss' });
  const ack = await c.next('ack');
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  c.ws.close();
}));

test('login over HTTPS sets a Secure session cookie; logout clears it Secure too', withLogs(async () => {
  const pw = await addAgent(hilo, 'tlsroot', { admin: true });
  const origin = `https://127.0.0.1:${hilo.port}`;
  const r = await httpsReq(hilo.port, '/api/v1/session', {
    ca: A.pem, method: 'POST', headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify({ name: 'tlsroot', password: pw }),
  });
  assert.equal(r.status, 200, r.body);
  const cookie = [].concat(r.headers['set-cookie'])[0];
  assert.match(cookie, /^hilo_session=[^;]+;/);
  assert.match(cookie, /; Secure(;|$)/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.equal(r.headers['strict-transport-security'], 'max-age=600');
  const out = await httpsReq(hilo.port, '/api/v1/session', {
    ca: A.pem, method: 'DELETE', headers: { cookie: cookie.split(';')[0], origin },
  });
  assert.equal(out.status, 204, out.body);
  assert.match([].concat(out.headers['set-cookie'])[0], /Max-Age=0; Secure/);
}));

test('outbound HTTPS verifies the peer: a webhook receiver with an untrusted certificate gets no request', withLogs(async () => {
  // a new ticket is a thread change: hilo POSTs it to the webhook URL
  const c = await wss(hilo.port, 'hilo.customer.v1', A.pem);
  c.send({ type: 'hello' });
  await c.next('welcome');
  c.send({ type: 'message', client_id: 'tls-hook', text: 'webhook please' });
  await c.next('ack');
  await waitFor(() => hook.tlsErrors.length > 0, 15000, 'the webhook TLS handshake to fail');
  assert.match(hook.tlsErrors.join(' '), /alert|unknown ca|certificate/i);
  assert.equal(hook.requests, 0, 'no request got through an unverified connection');
  c.ws.close();
}));

test('SIGHUP: new connections get the new certificate, an open WSS connection keeps working; a bad pair is refused and the old one stays', withLogs(async () => {
  assert.equal(await servedCn(hilo.port), 'hilo-a');
  const c = await wss(hilo.port, 'hilo.customer.v1', A.pem);
  c.send({ type: 'hello' });
  await c.next('welcome');
  c.send({ type: 'message', client_id: 'hup-1', text: 'antes del cambio' });
  await c.next('ack');

  copyFileSync(B.cert, hilo.live.cert);
  copyFileSync(B.key, hilo.live.key);
  hilo.proc.kill('SIGHUP');
  await waitFor(async () => (await servedCn(hilo.port)) === 'hilo-b', 10000, 'certificate B on new connections');
  assert.match(hilo.logs(), /SIGHUP: TLS certificate reloaded/);
  const h = await httpsReq(hilo.port, '/healthz', { ca: B.pem });
  assert.equal(h.status, 200);
  await assert.rejects(httpsReq(hilo.port, '/healthz', { ca: A.pem }), /certificate|self[- ]signed|unable/i);

  // the connection opened under A still carries messages both ways
  c.send({ type: 'message', client_id: 'hup-2', text: 'después del cambio' });
  const ack = await c.next((f) => (f.type === 'ack' && f.client_id === 'hup-2') || f.type === 'error');
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  const ev = await c.next((f) => f.type === 'event' && f.event?.client_id === 'hup-2');
  assert.equal(ev.event.text, 'después del cambio');
  assert.equal(c.ws.readyState, WebSocket.OPEN);

  // a mismatched pair (B's certificate, A's key): refused, B stays
  copyFileSync(A.key, hilo.live.key);
  hilo.proc.kill('SIGHUP');
  await waitFor(() => /TLS certificate not reloaded, the previous one stays: option tls_key: the key in .* does not match/.test(hilo.logs()), 10000, 'the refused reload in the log');
  assert.equal(await servedCn(hilo.port), 'hilo-b');
  assert.equal((await httpsReq(hilo.port, '/healthz', { ca: B.pem })).status, 200);
  c.ws.close();
}));

// ---------------------------------------------------------------- start-up refusals

async function refused(args, want) {
  const port = await freePort();
  const r = await runHilo(['serve', '--listen', `127.0.0.1:${port}`, '--redis-url', redis.url, ...args], { timeoutMs: 10000 });
  assert.equal(r.code, 2, `exit ${r.code} ${r.signal ?? ''}: ${r.stderr}`);
  assert.match(r.stderr, want);
  return r;
}

test('a certificate that cannot serve stops hilo at start-up with a message naming the option', withLogs(async () => {
  await refused(['--tls-cert', path.join(dir, 'missing.crt'), '--tls-key', A.key],
    /option tls_cert: cannot read .*missing\.crt: No such file or directory/);
  await refused(['--tls-cert', A.cert, '--tls-key', path.join(dir, 'missing.key')],
    /option tls_key: cannot read .*missing\.key/);
  await refused(['--tls-cert', A.cert, '--tls-key', B.key],
    /option tls_key: the key in .*b\.key does not match the certificate in .*a\.crt/);
  await refused(['--tls-cert', expired(A.key), '--tls-key', A.key],
    /option tls_cert: the certificate in .*old\.crt expired on Jan\s+2 00:00:00 2020 GMT/);
  const junk = path.join(dir, 'junk.crt');
  writeFileSync(junk, 'not a certificate\n');
  await refused(['--tls-cert', junk, '--tls-key', A.key], /option tls_cert: .*junk\.crt holds no readable PEM certificate/);
  // a certificate's key file is not a key
  await refused(['--tls-cert', A.cert, '--tls-key', A.cert], /option tls_key: .*a\.crt holds no readable, unencrypted PEM private key/);
  const enc = path.join(dir, 'enc.key');
  openssl('pkey', '-in', A.key, '-aes256', '-passout', 'pass:secret', '-out', enc);
  await refused(['--tls-cert', A.cert, '--tls-key', enc], /option tls_key: .*enc\.key holds no readable, unencrypted PEM private key/);
  await refused(['--tls-cert', A.cert], /option tls_key: needed with tls_cert/);
  await refused(['--tls-key', A.key], /option tls_cert: needed with tls_key/);
  await refused(['--tls-cert', A.cert, '--tls-key', A.key, '--public-url', 'http://support.example.com'],
    /option public_url: .*http:\/\/ but tls_cert/);
}));

test('a chain file is sent after the certificate', withLogs(async () => {
  // B's certificate as a (nonsensical but well-formed) chain certificate
  const h = await startTlsHilo({ cert: A.cert, key: A.key }, A.pem, ['--tls-chain', B.cert]);
  try {
    const chain = await new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: h.port, rejectUnauthorized: false }, () => {
        const leaf = s.getPeerCertificate(true);
        resolve([leaf.subject.CN, leaf.issuerCertificate && leaf.issuerCertificate !== leaf ? leaf.issuerCertificate.subject.CN : null]);
        s.end();
      });
      s.on('error', reject);
    });
    assert.equal(chain[0], 'hilo-a');
    // the raw handshake carries two certificates: count them with openssl
    const txt = execFileSync('openssl', ['s_client', '-connect', `127.0.0.1:${h.port}`, '-showcerts'],
      { input: '', stdio: ['pipe', 'pipe', 'ignore'], timeout: 10000 }).toString();
    assert.equal((txt.match(/-----BEGIN CERTIFICATE-----/g) || []).length, 2, txt.slice(0, 2000));
    assert.match(txt, /CN = hilo-b/);
  } finally {
    await h.stop();
  }
}));

// ---------------------------------------------------------------- behind a reverse proxy

test('behind a trusted proxy that says https (X-Forwarded-Proto), the cookie is Secure and HSTS is sent; from any other peer the header is ignored', withLogs(async () => {
  const { startHilo } = await import('../lib/harness.mjs');
  const proxied = await startHilo({ redisUrl: redis.url, prefix: 'tlsproxy', args: ['--trusted-proxies', '127.0.0.1', '--hsts-max-age', '900'] });
  const direct = await startHilo({ redisUrl: redis.url, prefix: 'tlsproxy' });
  const pw = await addAgent(proxied, 'proxyroot', { admin: true });
  const login = (h, headers) => httpReq(h.port, '/api/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${h.port}`, ...headers },
    body: JSON.stringify({ name: 'proxyroot', password: pw }),
  });
  const cookieOf = (r) => [].concat(r.headers['set-cookie'])[0];

  // the proxy terminated TLS: Secure, and HSTS on its answers and static files
  const viaProxy = await login(proxied, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' });
  assert.equal(viaProxy.status, 200, viaProxy.body);
  assert.match(cookieOf(viaProxy), /; Secure(;|$)/);
  assert.equal(viaProxy.headers['strict-transport-security'], 'max-age=900');
  const file = await httpReq(proxied.port, '/widget.js', { headers: { 'x-forwarded-proto': 'https' } });
  assert.equal(file.status, 200);
  assert.equal(file.headers['strict-transport-security'], 'max-age=900');
  // the proxy's own last value counts ("https" injected by the client first does not)
  const spoofThrough = await httpReq(proxied.port, '/healthz', { headers: { 'x-forwarded-proto': 'https, http' } });
  assert.equal(spoofThrough.headers['strict-transport-security'], undefined);

  // plain http through the proxy: neither
  const plainProxy = await login(proxied, { 'x-forwarded-proto': 'http' });
  assert.equal(plainProxy.status, 200, plainProxy.body);
  assert.doesNotMatch(cookieOf(plainProxy), /Secure/);
  assert.equal(plainProxy.headers['strict-transport-security'], undefined);

  // no trusted proxies configured: a client's own X-Forwarded-Proto is not believed
  const spoofed = await login(direct, { 'x-forwarded-proto': 'https' });
  assert.equal(spoofed.status, 200, spoofed.body);
  assert.doesNotMatch(cookieOf(spoofed), /Secure/);
  assert.equal(spoofed.headers['strict-transport-security'], undefined);
  const f2 = await httpReq(direct.port, '/widget.js', { headers: { 'x-forwarded-proto': 'https' } });
  assert.equal(f2.headers['strict-transport-security'], undefined);
}));
