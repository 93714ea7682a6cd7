// Outbound webhooks (docs/integrations.md "Outbound webhooks"): every change
// of a thread is POSTed, signed (X-Hilo-Timestamp, X-Hilo-Signature =
// sha256=HMAC-SHA256(secret, timestamp + "." + raw body)), in order, each
// event once per accepted POST; 5xx retried through the outbox, other 4xx
// and the last failure dead-lettered; GET /api/v1/webhooks/log.
// Hilo runs with --webhook-url <receiver below>/hook --webhook-secret s3cr3t
// --outbox-backoff-ms 200 --outbox-attempts 3.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import {
  startRedis, startHilo, addAgent, customer, agent, runHilo, cleanup, withLogs, httpGet, sleep, freePort, cmpId,
} from '../lib/harness.mjs';
import { loginCookie, isEv } from '../lib/fake-provider.mjs';

const SECRET = 's3cr3t';
let redis, hilo, rx, anaPw, cookie, key;
let seq = 0;
const marker = (p) => `${p} ${Date.now().toString(36)}-${++seq}`;

// ----------------------------------------------------------------- webhook receiver
// Records every request {method, path, headers, raw (Buffer), body, at, status}.
// failWhen(pred, n, status): the next n requests matching pred get `status`.
async function startReceiver() {
  const r = { posts: [], rules: [], waiters: [] };
  const notify = () => {
    for (const w of r.waiters.slice()) {
      if (w.check()) { r.waiters.splice(r.waiters.indexOf(w), 1); clearTimeout(w.timer); w.resolve(); }
    }
  };
  r.until = (check, ms = 5000, what = 'webhook posts') => new Promise((resolve, reject) => {
    if (check()) return resolve();
    const w = { check, resolve };
    w.timer = setTimeout(() => {
      r.waiters.splice(r.waiters.indexOf(w), 1);
      reject(new Error(`receiver: timed out after ${ms} ms waiting for ${what}; got ${r.posts.length} posts: `
        + r.posts.slice(-8).map((p) => `${p.status} ${p.raw.toString().slice(0, 300)}`).join(' | ')));
    }, ms);
    r.waiters.push(w);
  });
  r.failWhen = (pred, n, status) => { r.rules.push({ pred, n, status }); };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body = null;
      try { body = JSON.parse(raw.toString('utf8')); } catch {}
      const p = { method: req.method, path: req.url, headers: req.headers, raw, body, at: Date.now(), status: 200 };
      const rule = r.rules.find((x) => x.n > 0 && x.pred(p));
      if (rule) { rule.n--; p.status = rule.status; }
      r.posts.push(p);
      res.writeHead(p.status, { 'content-type': 'text/plain' });
      res.end(p.status < 300 ? 'ok' : 'nope');
      notify();
    });
  });
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  r.port = await freePort();
  await new Promise((resolve) => server.listen(r.port, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${r.port}/hook`;
  r.close = async () => {
    for (const w of r.waiters.splice(0)) clearTimeout(w.timer);
    for (const s of sockets) s.destroy();
    await new Promise((x) => server.close(() => x()));
  };
  return r;
}

before(async () => {
  redis = await startRedis();
  rx = await startReceiver();
  hilo = await startHilo({
    redisUrl: redis.url,
    args: ['--webhook-url', rx.url, '--webhook-secret', SECRET, '--outbox-backoff-ms', '200', '--outbox-attempts', '3'],
  });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  cookie = await loginCookie(hilo, 'ana', anaPw);
  const k = await runHilo(['apikey', 'add', 'hooks', '--redis-url', redis.url]);
  assert.equal(k.code, 0, k.stderr);
  key = k.stdout.trim();
});
after(async () => { await cleanup(); await rx?.close(); });

// ----------------------------------------------------------------- helpers

const ok2xx = (p) => p.status >= 200 && p.status < 300;
const postsFor = (ref) => rx.posts.filter((p) => p.body?.ticket?.ref === ref);
const acceptedFor = (ref) => postsFor(ref).filter(ok2xx);
const deliveredFor = (ref) => acceptedFor(ref).flatMap((p) => p.body.events);
const hasText = (text) => (p) => Array.isArray(p.body?.events) && p.body.events.some((e) => e.text === text);

// Checks method, path, headers and the signature of one POST.
function assertSigned(p) {
  const what = `POST ${p.raw.toString().slice(0, 200)}`;
  assert.equal(p.method, 'POST', what);
  assert.equal(p.path, '/hook', what);
  assert.match(p.headers['content-type'] ?? '', /^application\/json\b/i, what);
  const ts = p.headers['x-hilo-timestamp'];
  assert.match(ts ?? '', /^\d+$/, `X-Hilo-Timestamp: ${ts}`);
  assert.ok(Math.abs(Number(ts) - p.at / 1000) < 60, `X-Hilo-Timestamp ${ts} is not now (Unix seconds)`);
  const sig = p.headers['x-hilo-signature'] ?? '';
  assert.match(sig, /^sha256=[0-9a-f]{64}$/, `X-Hilo-Signature: ${sig}`);
  const mac = crypto.createHmac('sha256', SECRET).update(Buffer.concat([Buffer.from(`${ts}.`), p.raw])).digest();
  assert.ok(crypto.timingSafeEqual(Buffer.from(sig.slice(7), 'hex'), mac), `signature does not verify: ${what}`);
  const wrong = crypto.createHmac('sha256', 'not-the-secret').update(Buffer.concat([Buffer.from(`${ts}.`), p.raw])).digest();
  assert.ok(!crypto.timingSafeEqual(Buffer.from(sig.slice(7), 'hex'), wrong));
  assert.equal(p.body?.type, 'events', what);
  assert.ok(p.body.ticket && typeof p.body.ticket.ref === 'string', what);
  assert.ok(Array.isArray(p.body.events) && p.body.events.length >= 1, `a POST without events: ${what}`);
  for (const e of p.body.events) assert.equal(e.ticket, p.body.ticket.ref);
}

// Events delivered (2xx) for a ticket: no duplicate, strictly increasing ids.
function assertInOrderOnce(ref) {
  const ids = deliveredFor(ref).map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, `an event was delivered twice: ${ids.join(' ')}`);
  for (let i = 1; i < ids.length; i++) assert.ok(cmpId(ids[i], ids[i - 1]) > 0, `out of order: ${ids.join(' ')}`);
  for (const p of acceptedFor(ref)) assertSigned(p);
}

const waitDelivered = (ref, ids, ms = 5000) => rx.until(() => {
  const got = new Set(deliveredFor(ref).map((e) => e.id));
  return ids.every((id) => got.has(id));
}, ms, `events ${ids.join(', ')} of ${ref}`);

// A web customer writes `text`; returns {c, ref, msg (event), ack (event)}.
async function webTicket(text, { locale = 'en' } = {}) {
  const c = await customer(hilo, { locale });
  const cid = `w-${++seq}`;
  c.send({ type: 'message', client_id: cid, text });
  const a = await c.next((f) => (f.type === 'ack' || f.type === 'error') && f.client_id === cid);
  assert.equal(a.type, 'ack', JSON.stringify(a));
  const msg = (await c.next(isEv('message', (e) => e.id === a.event_id))).event;
  const ack = (await c.next(isEv('ack'))).event;
  return { c, ref: a.ticket, msg, ack };
}

async function threadEvents(ref) {
  const a = await agent(hilo, 'ana', anaPw);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.type, 'thread', JSON.stringify(th));
  await a.close();
  return th.events;
}

async function webhookLog(opts = { headers: { cookie } }) {
  const r = await httpGet(`${hilo.url}/api/v1/webhooks/log`, opts);
  assert.equal(r.status, 200, `webhooks/log: ${r.status} ${r.body.slice(0, 300)}`);
  assert.ok(Array.isArray(r.json?.log), r.body.slice(0, 300));
  return r.json.log;
}
const logFor = async (ref) => (await webhookLog()).filter((l) => l.ticket === ref);

// ----------------------------------------------------------------- tests

let firstRef; // the ticket of the first test, also used by the log test

test('a customer message: a signed POST with the summary and the message + ack events, in order', withLogs(async () => {
  const text = marker('Hola, mi pedido no llega');
  const { c, ref, msg, ack } = await webTicket(text, { locale: 'es' });
  firstRef = ref;
  await waitDelivered(ref, [msg.id, ack.id]);
  const posts = postsFor(ref);
  assert.ok(posts.length >= 1);
  for (const p of posts) assertSigned(p);
  assert.equal(posts[0].body.ticket.ref, ref);
  assert.equal(posts[0].body.ticket.status, 'open');
  assert.equal(posts[0].body.ticket.locale, 'es');
  assert.equal(posts[0].body.ticket.channel, 'web');
  const evs = deliveredFor(ref);
  assert.deepEqual(evs.map((e) => e.kind), ['message', 'ack']);
  assert.deepEqual(evs[0], msg, 'the message event as the protocol shapes it');
  assert.deepEqual(evs[1], ack, 'the ack event as the protocol shapes it');
  assert.equal(evs[0].text, text);
  await sleep(400);
  assert.deepEqual(deliveredFor(ref).map((e) => e.id), [msg.id, ack.id], 'no further POSTs');
  assertInOrderOnce(ref);
  assert.equal(await redis.cli('HGET', `hilo:{t:${ref}}:tk`, 'webhook_cursor'), ack.id, 'webhook_cursor moved to the last delivered event');
  await c.close();
}));

// Regression ("Reach the customer"): a POST the receiver accepted carries no
// provider message id, and the outbox used to file every such success as a
// dead letter. Dead letters hold real failures only.
test('accepted POSTs leave no dead letters: the dead-letter list stays empty', withLogs(async () => {
  assert.ok(firstRef, 'depends on the first test');
  const { c, ref, msg, ack } = await webTicket(marker('no dead letter for me'));
  await waitDelivered(ref, [msg.id, ack.id]);
  await sleep(400); // the outbox records a result after the POST's answer
  assert.equal(await redis.cli('ZCARD', 'hilo:{ob}:dead'), '0', 'hilo:{ob}:dead after successful POSTs only');
  assert.equal(await redis.cli('HLEN', 'hilo:{ob}:deadx'), '0', 'hilo:{ob}:deadx after successful POSTs only');
  const dead = await httpGet(`${hilo.url}/api/v1/outbox/dead`, { headers: { cookie } });
  assert.equal(dead.status, 200, dead.body.slice(0, 300));
  assert.deepEqual(dead.json, { dead: [] });
  await c.close();
}));

test('agent reply, note, assign, status, resolve: further POSTs carry exactly the new events, none twice', withLogs(async () => {
  const { c, ref, msg, ack } = await webTicket(marker('Order missing'));
  await waitDelivered(ref, [msg.id, ack.id]);
  await sleep(200);
  const a = await agent(hilo, 'ana', anaPw);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.type, 'thread');

  // Runs `act`, whose new events are `idsOf()`; the POSTs since then carry exactly them.
  async function step(what, act) {
    const mark = acceptedFor(ref).length;
    const ids = await act();
    await waitDelivered(ref, ids);
    await sleep(300);
    const fresh = acceptedFor(ref).slice(mark).flatMap((p) => p.body.events.map((e) => e.id));
    assert.deepEqual(fresh, ids, `${what}: POSTs since the previous step`);
    for (const p of acceptedFor(ref).slice(mark)) assertSigned(p);
  }
  const sendAck = async (frame) => {
    a.send(frame);
    const r = await a.next((f) => (f.type === 'ack' || f.type === 'error') && f.client_id === frame.client_id);
    assert.equal(r.type, 'ack', JSON.stringify(r));
    return r.event_id;
  };
  await step('reply', async () => [await sendAck({ type: 'reply', ticket: ref, client_id: 'h-r1', text: 'We are on it' })]);
  const replyEv = deliveredFor(ref).find((e) => e.kind === 'reply');
  assert.equal(replyEv.text, 'We are on it');
  assert.equal(replyEv.author.role, 'agent');
  const replyPost = acceptedFor(ref).find((p) => p.body.events.some((e) => e.kind === 'reply'));
  assert.ok(replyPost.body.ticket.first_response_at > 0, 'the summary is the one after the change');

  await step('note', async () => [await sendAck({ type: 'note', ticket: ref, client_id: 'h-n1', text: 'internal: VIP' })]);
  assert.equal(deliveredFor(ref).find((e) => e.kind === 'note').text, 'internal: VIP');

  await step('assign', async () => {
    assert.equal((await a.request({ type: 'assign', ticket: ref, agent: 'ana' })).type, 'ok');
    return [(await a.next(isEv('assign'))).event.id];
  });
  await step('status', async () => {
    assert.equal((await a.request({ type: 'status', ticket: ref, status: 'pending' })).type, 'ok');
    return [(await a.next(isEv('status', (e) => e.status === 'pending'))).event.id];
  });
  await step('resolve', async () => {
    const rid = await sendAck({ type: 'resolve', ticket: ref, client_id: 'h-res', text: 'Solved' });
    const st = (await a.next(isEv('status', (e) => e.status === 'resolved'))).event.id;
    return [rid, st];
  });
  // A customer message reopens it: delivered too.
  await step('customer message', async () => {
    c.send({ type: 'message', client_id: 'w-again', text: 'still broken' });
    const r = await c.next((f) => f.type === 'ack' && f.client_id === 'w-again');
    // The message and the status event of the reopening, in thread order.
    const m = (await a.next(isEv('message', (e) => e.id === r.event_id))).event.id;
    const st = (await a.next(isEv('status', (e) => e.status === 'open'))).event.id;
    return [m, st].sort(cmpId);
  });

  assertInOrderOnce(ref);
  const thread = await threadEvents(ref);
  assert.deepEqual(deliveredFor(ref).map((e) => e.id), thread.map((e) => e.id), 'every thread event delivered exactly once, in order');
  assert.deepEqual(deliveredFor(ref).map((e) => e.kind).slice(0, 8),
    ['message', 'ack', 'reply', 'note', 'assign', 'status', 'resolution', 'status']);
  const last = acceptedFor(ref).at(-1).body.ticket;
  assert.equal(last.status, 'open');
  await Promise.all([a.close(), c.close()]);
}));

test('receiver answers 500 once: retried after the backoff and delivered; no event lost or doubled', withLogs(async () => {
  const text = marker('retry me');
  rx.failWhen(hasText(text), 1, 500);
  const { c, ref, msg, ack } = await webTicket(text);
  await waitDelivered(ref, [msg.id, ack.id], 8000);
  const posts = postsFor(ref);
  assert.equal(posts[0].status, 500);
  assert.ok(posts.length >= 2, `${posts.length} POSTs`);
  const failedIds = posts[0].body.events.map((e) => e.id);
  const delivered = deliveredFor(ref).map((e) => e.id);
  for (const id of failedIds) assert.ok(delivered.includes(id), `event ${id} of the failed POST never delivered`);
  const gap = posts[1].at - posts[0].at;
  assert.ok(gap >= 150, `retried ${gap} ms after the 500 (backoff 200 ms)`);
  assertSigned(posts[0]);
  await sleep(400);
  assert.deepEqual(deliveredFor(ref).map((e) => e.id), [msg.id, ack.id]);
  assertInOrderOnce(ref);

  const log = await logFor(ref);
  const retry = log.find((l) => l.status === 'retry');
  assert.ok(retry, `no retry entry: ${JSON.stringify(log)}`);
  assert.equal(retry.http_status, 500);
  assert.equal(retry.attempt, 1);
  const sent = log.filter((l) => l.status === 'sent');
  assert.ok(sent.length >= 1, JSON.stringify(log));
  assert.ok(sent.every((l) => l.http_status === 200), JSON.stringify(log));
  assert.ok(sent.some((l) => l.attempt === 2), `the delivery after the retry is attempt 2: ${JSON.stringify(log)}`);
  assert.ok(log.indexOf(sent.find((l) => l.attempt === 2)) < log.indexOf(retry), 'newest first');
  await c.close();
}));

test('receiver answers 400: not retried, dead-lettered, the log shows failed with http_status 400', withLogs(async () => {
  const text = marker('refuse me');
  rx.failWhen(hasText(text), 10, 400);
  const { c, ref } = await webTicket(text);
  await rx.until(() => postsFor(ref).length >= 1, 5000, `a POST for ${ref}`);
  await sleep(1200); // backoff is 200 ms: a retry would have come
  const posts = postsFor(ref);
  assert.equal(posts.length, 1, `a 400 must not be retried: ${posts.length} POSTs`);
  assert.equal(posts[0].status, 400);
  assertSigned(posts[0]);
  const log = await logFor(ref);
  assert.equal(log.length, 1, JSON.stringify(log));
  assert.equal(log[0].status, 'failed');
  assert.equal(log[0].http_status, 400);
  assert.equal(log[0].attempt, 1);
  assert.equal(log[0].events, posts[0].body.events.length);
  const deadMembers = (await redis.cli('ZRANGE', 'hilo:{ob}:dead', '0', '-1')).split('\n');
  assert.ok(deadMembers.some((m) => m.startsWith(`${ref} `)), `hilo:{ob}:dead lacks ${ref}: ${deadMembers.join(' | ')}`);
  const dead = await httpGet(`${hilo.url}/api/v1/outbox/dead`, { headers: { cookie } });
  assert.equal(dead.status, 200, dead.body.slice(0, 300));
  assert.ok(dead.body.includes(ref), `dead letters lack ${ref}: ${dead.body.slice(0, 500)}`);
  const mine = dead.json.dead.filter((d) => d.ticket === ref);
  assert.equal(mine.length, 1, `one dead letter for ${ref}: ${dead.body.slice(0, 500)}`);
  assert.equal(mine[0].channel, 'webhook');
  assert.equal(mine[0].error, 'HTTP 400');
  assert.ok(dead.json.dead.every((d) => d.error !== ''), `a dead letter without an error: ${dead.body.slice(0, 500)}`);
  const cursor = await redis.cli('HGET', `hilo:{t:${ref}}:tk`, 'webhook_cursor');
  assert.ok(!posts[0].body.events.some((e) => e.id === cursor), `the cursor moved without a 2xx: ${cursor}`);
  await c.close();
}));

test('receiver answers 503 every time: exactly --outbox-attempts (3) POSTs, then failed', withLogs(async () => {
  const text = marker('always down');
  rx.failWhen(hasText(text), 10, 503);
  const { c, ref } = await webTicket(text);
  await rx.until(() => postsFor(ref).length >= 3, 8000, `3 POSTs for ${ref}`);
  await sleep(1500);
  assert.equal(postsFor(ref).length, 3);
  assert.ok(postsFor(ref).every((p) => p.status === 503));
  const log = await logFor(ref);
  assert.deepEqual(log.map((l) => [l.status, l.http_status, l.attempt]),
    [['failed', 503, 3], ['retry', 503, 2], ['retry', 503, 1]], JSON.stringify(log));
  await c.close();
}));

test('a ticket created through the REST API is POSTed too (channel of the integration)', withLogs(async () => {
  const text = marker('api ticket');
  const r = await httpGet(`${hilo.url}/api/v1/tickets`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ channel: 'shopchat', customer: { id: `u-${seq}` }, text, client_id: 'hook-1', locale: 'en' }),
  });
  assert.equal(r.status, 201, r.body);
  const ref = r.json.ticket.ref;
  await waitDelivered(ref, [r.json.event_id, r.json.ack.event_id]);
  await sleep(300);
  const evs = deliveredFor(ref);
  assert.deepEqual(evs.map((e) => [e.id, e.kind]), [[r.json.event_id, 'message'], [r.json.ack.event_id, 'ack']]);
  assert.equal(evs[0].channel, 'shopchat');
  assert.equal(evs[0].text, text);
  assert.equal(evs[1].text, r.json.ack.text);
  assert.equal(acceptedFor(ref)[0].body.ticket.channel, 'shopchat');
  assertInOrderOnce(ref);
}));

test('GET /api/v1/webhooks/log: newest first, sent attempts with http_status 200; cookie or API key; 401 without', withLogs(async () => {
  assert.ok(firstRef, 'depends on the first test');
  const log = await webhookLog();
  assert.ok(log.length >= 1);
  for (const l of log) {
    for (const k of ['at', 'ticket', 'events', 'status', 'http_status', 'error', 'attempt']) assert.ok(k in l, `log entry lacks ${k}: ${JSON.stringify(l)}`);
    assert.ok(['sent', 'retry', 'failed'].includes(l.status), JSON.stringify(l));
    assert.equal(typeof l.events, 'number');
    assert.equal(typeof l.error, 'string');
  }
  const ats = log.map((l) => l.at);
  assert.deepEqual(ats, [...ats].sort((x, y) => y - x), 'newest first');
  const mine = log.filter((l) => l.ticket === firstRef);
  assert.ok(mine.length >= 1, `no entry for ${firstRef}`);
  assert.ok(mine.every((l) => l.status === 'sent' && l.http_status === 200 && l.attempt === 1 && l.error === ''), JSON.stringify(mine));
  assert.equal(mine.reduce((n, l) => n + l.events, 0), deliveredFor(firstRef).length, 'events counted in the log = events delivered');
  assert.equal(mine.length, acceptedFor(firstRef).length, 'one log entry per POST');
  const sentTotal = log.filter((l) => l.status === 'sent').length;
  assert.equal(sentTotal, rx.posts.filter(ok2xx).length, 'one sent entry per accepted POST');
  assert.equal(log.length, rx.posts.length, 'one log entry per attempt');

  const byKey = await webhookLog({ headers: { authorization: `Bearer ${key}` } });
  assert.deepEqual(byKey, await webhookLog());
  const none = await httpGet(`${hilo.url}/api/v1/webhooks/log`);
  assert.equal(none.status, 401);
  assert.equal(none.json?.error?.code, 'unauthorized');
  const bad = await httpGet(`${hilo.url}/api/v1/webhooks/log`, { headers: { authorization: 'Bearer hk_nope' } });
  assert.equal(bad.status, 401);
}));
