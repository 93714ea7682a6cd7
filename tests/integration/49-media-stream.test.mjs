// Provider media is streamed (issue #11, docs/security.md "Provider
// media"): GET /api/v1/media/whatsapp/<id> passes the Graph API's bytes on as
// they arrive, so a file far bigger than what Hilo holds in memory goes
// through whole, a client that stops reading stops the download upstream
// (backpressure, not buffering), a client that leaves aborts it, a size over
// --media-max-bytes is refused before anything is sent, and an upstream that
// breaks off mid-file cuts the client's copy instead of passing it as whole;
// a download held up by a client that reads nothing does not hold up
// shutdown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  startRedis, startHilo, addAgent, cleanup, withLogs, sleep, freePort,
} from '../lib/harness.mjs';
import { loginCookie } from '../lib/fake-provider.mjs';

const WA_TOKEN = 'graph-stream-token';
const MEDIA_MAX = 64 << 20;
let redis, hilo, graph, cookie;

// A fake Graph API whose downloads honour backpressure: each item is
// {bytes, mime, lie?: declared length, breakAt?: bytes before the socket
// is destroyed, metaSize?: file_size to state}. g.dl[id] records the
// download: {sent, finished, closedEarly}.
async function startGraph() {
  const g = { media: new Map(), dl: {}, paths: [] };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    g.paths.push(url.pathname);
    if (req.headers.authorization !== `Bearer ${WA_TOKEN}`) { res.writeHead(401); return res.end('{}'); }
    let m;
    if ((m = /^\/dl\/(\d+)$/.exec(url.pathname))) {
      const item = g.media.get(m[1]);
      const d = g.dl[m[1]] = { sent: 0, finished: false, closedEarly: false };
      res.writeHead(200, { 'content-type': item.mime, 'content-length': String(item.lie ?? item.bytes.length) });
      res.on('close', () => { if (!res.writableFinished) d.closedEarly = true; });
      const CH = 64 << 10;
      const pump = () => {
        while (d.sent < item.bytes.length) {
          if (item.breakAt !== undefined && d.sent >= item.breakAt) { res.socket.destroy(); return; }
          const part = item.bytes.subarray(d.sent, d.sent + CH);
          d.sent += part.length;
          if (!res.write(part)) { res.once('drain', pump); return; }
        }
        res.end(() => { d.finished = true; });
      };
      return pump();
    }
    if ((m = /^\/v21\.0\/(\d+)$/.exec(url.pathname))) {
      const item = g.media.get(m[1]);
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({
        messaging_product: 'whatsapp', url: `${g.url}/dl/${m[1]}`, mime_type: item.mime,
        file_size: item.metaSize ?? item.bytes.length, id: m[1],
      }));
    }
    res.writeHead(404);
    res.end('{}');
  });
  g.port = await freePort();
  await new Promise((r) => server.listen(g.port, '127.0.0.1', r));
  g.url = `http://127.0.0.1:${g.port}`;
  g.close = () => { server.closeAllConnections?.(); return new Promise((r) => server.close(() => r())); };
  return g;
}

// GET the media with the agent's cookie; resolves {res} once the headers
// are in, with the body left unread (paused).
function getMedia(id) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: hilo.port, path: `/api/v1/media/whatsapp/${id}`, headers: { cookie }, agent: false }, (res) => {
      res.pause();
      resolve({ req, res });
    });
    req.on('error', reject);
    req.setTimeout(60000, () => req.destroy(new Error('timeout')));
  });
}

function readAll(res) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('aborted')));
    res.resume();
  });
}

const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

before(async () => {
  redis = await startRedis();
  graph = await startGraph();
  hilo = await startHilo({
    redisUrl: redis.url,
    args: ['--media-max-bytes', String(MEDIA_MAX), '--whatsapp-token', WA_TOKEN,
      '--whatsapp-api-base', `${graph.url}/v21.0`, '--whatsapp-phone-number-id', '1',
      '--whatsapp-verify-token', 'vt', '--whatsapp-app-secret', 'as'],
  });
  const pw = await addAgent(hilo, 'ana');
  cookie = await loginCookie(hilo, 'ana', pw);
});
after(async () => { await cleanup(); await graph?.close(); });

test('a 48 MiB file is streamed: a client that stops reading stops the download upstream; once it reads, it gets every byte', withLogs(async () => {
  const id = '100000000000001';
  const bytes = crypto.randomBytes(48 << 20);
  graph.media.set(id, { mime: 'video/mp4', bytes });
  const rss0 = rssKiB(hilo.proc.pid);
  const { res } = await getMedia(id);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-length'], String(bytes.length));
  assert.match(res.headers['content-disposition'], /^attachment; filename="whatsapp-100000000000001"$/);
  assert.match(res.headers['content-security-policy'], /\bsandbox\b/);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  // the client reads nothing: the download must stall well short of the end
  let last = -1, stable = 0;
  await until(() => {
    const d = graph.dl[id];
    if (!d) return false;
    stable = d.sent === last ? stable + 1 : 0;
    last = d.sent;
    return stable >= 20 || d.finished; // unchanged for 1 s, or all sent
  }, 30000, 'the download to stall or finish');
  assert.equal(graph.dl[id].finished, false, 'the whole file went to Hilo although the client read nothing');
  assert.ok(graph.dl[id].sent < bytes.length / 2, `sent ${graph.dl[id].sent} of ${bytes.length} to a client that reads nothing`);
  assert.ok(rssKiB(hilo.proc.pid) - rss0 < 24 * 1024, `hilo grew by ${rssKiB(hilo.proc.pid) - rss0} KiB`);
  const got = await readAll(res);
  assert.equal(got.length, bytes.length);
  assert.ok(got.equals(bytes), 'the bytes differ');
  await until(() => graph.dl[id].finished, 10000, 'the download to finish');
}));

test('a client that leaves mid-file aborts the download upstream', withLogs(async () => {
  const id = '100000000000002';
  graph.media.set(id, { mime: 'application/pdf', bytes: crypto.randomBytes(16 << 20) });
  const { req, res } = await getMedia(id);
  assert.equal(res.statusCode, 200);
  await until(() => graph.dl[id] && graph.dl[id].sent > 0, 10000, 'the download to start');
  req.destroy();
  await until(() => graph.dl[id].closedEarly, 15000, 'the upstream download to be closed');
  assert.equal(graph.dl[id].finished, false);
  // hilo still answers
  const again = await getMedia(id);
  assert.equal((await readAll(again.res)).length, 16 << 20);
}));

test('over --media-max-bytes: refused with 502 too_large before a byte is sent, whether the Graph API says so or the download does', withLogs(async () => {
  // the stated file_size is over: the download is never asked for
  const big = '100000000000003';
  graph.media.set(big, { mime: 'video/mp4', bytes: Buffer.alloc(16), metaSize: MEDIA_MAX + 1 });
  const a = await getMedia(big);
  assert.equal(a.res.statusCode, 502);
  assert.equal(JSON.parse((await readAll(a.res)).toString()).error.code, 'too_large');
  assert.ok(!graph.paths.includes(`/dl/${big}`), 'the download was asked for');
  // the stated size is small but the download's Content-Length is over
  const lie = '100000000000004';
  graph.media.set(lie, { mime: 'video/mp4', bytes: crypto.randomBytes(1 << 20), metaSize: 10, lie: MEDIA_MAX + 1 });
  const b = await getMedia(lie);
  assert.equal(b.res.statusCode, 502);
  assert.equal(JSON.parse((await readAll(b.res)).toString()).error.code, 'too_large');
}));

test('an upstream that breaks off mid-file cuts the client\'s copy (never a short 200 passed as whole)', withLogs(async () => {
  const id = '100000000000005';
  const bytes = crypto.randomBytes(8 << 20);
  graph.media.set(id, { mime: 'video/mp4', bytes, breakAt: 2 << 20 });
  const { res } = await getMedia(id);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-length'], String(bytes.length));
  await assert.rejects(readAll(res), /aborted|socket hang up|ECONNRESET|premature/i);
}));

test('SIGTERM while a client reads nothing: the download is abandoned and hilo exits at once', withLogs(async () => {
  const h = await startHilo({
    redisUrl: redis.url, prefix: 'stop',
    args: ['--media-max-bytes', String(MEDIA_MAX), '--whatsapp-token', WA_TOKEN,
      '--whatsapp-api-base', `${graph.url}/v21.0`],
  });
  const pw = await addAgent(h, 'bo');
  const c2 = await loginCookie(h, 'bo', pw);
  const id = '100000000000006';
  graph.media.set(id, { mime: 'video/mp4', bytes: crypto.randomBytes(32 << 20) });
  const res = await new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: h.port, path: `/api/v1/media/whatsapp/${id}`, headers: { cookie: c2 }, agent: false }, (r) => { r.pause(); resolve(r); });
    req.on('error', reject);
  });
  res.on('error', () => {});
  assert.equal(res.statusCode, 200);
  await until(() => graph.dl[id] && graph.dl[id].sent > 0, 10000, 'the download to start');
  const t0 = Date.now();
  const code = await h.stop(); // SIGTERM; SIGKILL (code null) after 8 s
  assert.equal(code, 0, `hilo exit ${code} after ${Date.now() - t0} ms: ${h.logs().slice(-1500)}`);
  await until(() => graph.dl[id].closedEarly, 10000, 'the upstream download to be closed');
  assert.equal(graph.dl[id].finished, false);
}));
