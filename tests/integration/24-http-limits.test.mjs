// HTTP request limits (issue #8): a body must declare its length (411), a
// body over the limit is refused from its headers before it is read (413),
// and a method no route takes is 405 with an Allow header.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startRedis, startHilo, addAgent, cleanup, withLogs } from '../lib/harness.mjs';

let redis, hilo, pw;

before(async () => {
  redis = await startRedis();
  hilo = await startHilo({ redisUrl: redis.url });
  pw = await addAgent(hilo, 'ana');
});
after(cleanup);

// Sends raw bytes and resolves with the first response, parsed: once its
// body (by Content-Length) is in, or when the server closes the connection.
function raw(port, text) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (closed) => {
      if (done) return;
      const str = buf.toString('latin1');
      const end = str.indexOf('\r\n\r\n');
      if (end < 0) { if (closed) reject(new Error('no response: ' + str)); return; }
      const lines = str.slice(0, end).split('\r\n');
      const status = Number(lines[0].split(' ')[1]);
      const headers = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const body = buf.subarray(Buffer.byteLength(str.slice(0, end + 4), 'latin1'));
      const want = Number(headers['content-length'] ?? NaN);
      if (!closed && !(body.length >= want)) return;
      done = true;
      s.destroy();
      resolve({ status, headers, body: body.toString(), closed });
    };
    s.on('data', (d) => { buf = Buffer.concat([buf, d]); finish(false); });
    s.on('close', () => finish(true));
    s.on('error', (e) => { if (!done) reject(e); });
    s.write(text);
  });
}

const code = (r) => JSON.parse(r.body).error.code;

test('POST without Content-Length is 411 and the connection closes', withLogs(async () => {
  const r = await raw(hilo.port, 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(r.status, 411);
  assert.equal(code(r), 'length_required');
  assert.equal(r.headers.connection, 'close');
  // a chunked body declares no length either
  const c = await raw(hilo.port, 'POST /webhooks/whatsapp HTTP/1.1\r\nHost: x\r\n' +
    'Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n');
  assert.equal(c.status, 411);
}));

test('a body over the limit is refused from its headers, before it is sent', withLogs(async () => {
  // Only the headers go out: the answer cannot depend on reading the body.
  const r = await raw(hilo.port, 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\n' +
    `Content-Length: ${4 * 1024 * 1024 + 1}\r\nContent-Type: application/json\r\n\r\n`);
  assert.equal(r.status, 413);
  assert.equal(code(r), 'too_large');
  assert.equal(r.headers.connection, 'close');
  const w = await raw(hilo.port, 'POST /webhooks/whatsapp HTTP/1.1\r\nHost: x\r\n' +
    'Content-Length: 99999999999999999999999\r\n\r\n');
  assert.equal(w.status, 413);
}));

test('a body at the limit is still read and routed', withLogs(async () => {
  const body = JSON.stringify({ name: 'ana', password: pw });
  const r = await raw(hilo.port, 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\n' +
    `Content-Length: ${body.length}\r\nContent-Type: application/json\r\n\r\n${body}`);
  assert.equal(r.status, 200, r.body);
  assert.match(r.headers['set-cookie'], /^hilo_session=s1\./);
  const big = '{"name":"ana","password":"' + 'x'.repeat(4 * 1024 * 1024 - 28) + '"}';
  assert.equal(big.length, 4 * 1024 * 1024);
  const b = await raw(hilo.port, 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\n' +
    `Content-Length: ${big.length}\r\nContent-Type: application/json\r\n\r\n${big}`);
  assert.equal(b.status, 401, b.body);
  assert.equal(code(b), 'bad_credentials');
}));

test('a method no route takes is 405 with Allow', withLogs(async () => {
  const o = await raw(hilo.port, 'OPTIONS /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(o.status, 405);
  assert.equal(o.headers.allow, 'GET, HEAD');
  assert.equal(code(o), 'method_not_allowed');
  const p = await raw(hilo.port, 'PUT /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}');
  assert.equal(p.status, 405);
  assert.equal(p.headers.allow, 'GET, HEAD, POST, DELETE');
  const s = await raw(hilo.port, 'POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}');
  assert.equal(s.status, 405);
  assert.equal(s.headers.allow, 'GET, HEAD');
  // the routes that take a method still answer it
  const h = await raw(hilo.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(h.status, 200);
}));

test('an unknown path under /api/ is 404 for any method', withLogs(async () => {
  const r = await raw(hilo.port, 'DELETE /api/nothing HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(r.status, 404);
  assert.equal(code(r), 'not_found');
}));
