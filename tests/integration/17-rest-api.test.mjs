// REST API for integrations (docs/integrations.md): API keys from the CLI
// (only the SHA-256 in Redis), 401 without a valid key (nothing stored),
// POST /api/v1/tickets (201, ack in the ticket's language, live to agents,
// client_id dedupe, validation, identity linking), POST messages to a ticket
// (reopen, closed 409, unknown 404), GET a ticket (notes included), GET the
// ticket list (filters, limit, newest first), key removal, and
// GET /api/v1/media/whatsapp/<id> against a fake Graph API (own server
// below: fake-provider.mjs has no media endpoints).
// Hilo runs with --max-text 200.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import {
  startRedis, startHilo, addAgent, agent, runHilo, cleanup, withLogs, httpGet, sleep, freePort, cmpId,
} from '../lib/harness.mjs';
import { redisKeys, dammOk, loginCookie, isTicket, isEv } from '../lib/fake-provider.mjs';

const MAX_TEXT = 200;
const WA_TOKEN = 'graph-media-token';
const MEDIA_MAX = 3 << 20; // --media-max-bytes for this hilo
const SPANISH = /gracias|caso|responderemos|minutos|recibimos/i;
const ENGLISH = /thank|reference|case|minutes/i;

let redis, hilo, graph, anaPw, cookie, key;
let seq = 0;
const uid = (p = 'u') => `${p}-${Date.now().toString(36)}-${++seq}`;

// ----------------------------------------------------------------- fake Graph media API
// GET /v21.0/<media id>  (Bearer)  -> {"url": "<base>/dl/<media id>", "mime_type", ...}
// GET /dl/<media id>     (Bearer)  -> the bytes with the mime type
// Unknown ids: Graph's 400 error (code 100). Every request is recorded.
async function startGraph() {
  const g = { media: new Map(), requests: [], rejected: [], failDownload: new Set() };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://x');
      const r = { method: req.method, path: url.pathname, auth: req.headers.authorization ?? '' };
      g.requests.push(r);
      const json = (status, body) => { r.status = status; res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
      const gErr = (status, code, message) => json(status, { error: { message, type: 'OAuthException', code, fbtrace_id: 'Afake' } });
      if (r.auth !== `Bearer ${WA_TOKEN}`) {
        g.rejected.push(r);
        return gErr(401, 190, 'Invalid OAuth access token - Cannot parse access token');
      }
      let m;
      if (req.method === 'GET' && (m = /^\/dl\/([^/]+)$/.exec(url.pathname))) {
        const item = g.media.get(m[1]);
        if (!item) return gErr(404, 100, 'not found');
        if (g.failDownload.has(m[1])) return gErr(403, 10, '(#10) Permission denied');
        r.status = 200;
        res.writeHead(200, { 'content-type': item.mime, 'content-length': String(item.bytes.length) });
        return res.end(item.bytes);
      }
      if (req.method === 'GET' && (m = /^(?:\/v\d+\.\d+)?\/([^/]+)$/.exec(url.pathname))) {
        const item = g.media.get(m[1]);
        if (!item) {
          return gErr(400, 100, `Unsupported get request. Object with ID '${m[1]}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`);
        }
        return json(200, {
          messaging_product: 'whatsapp', url: `${g.url}/dl/${m[1]}`, mime_type: item.mime,
          sha256: crypto.createHash('sha256').update(item.bytes).digest('hex'), file_size: item.bytes.length, id: m[1],
        });
      }
      g.rejected.push(r);
      return gErr(404, 803, `(#803) Some of the aliases you requested do not exist: ${url.pathname}`);
    });
  });
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  g.port = await freePort();
  await new Promise((resolve) => server.listen(g.port, '127.0.0.1', resolve));
  g.url = `http://127.0.0.1:${g.port}`;
  g.close = async () => { for (const s of sockets) s.destroy(); await new Promise((r) => server.close(() => r())); };
  return g;
}

before(async () => {
  redis = await startRedis();
  graph = await startGraph();
  hilo = await startHilo({
    redisUrl: redis.url,
    args: ['--max-text', String(MAX_TEXT), '--media-max-bytes', String(MEDIA_MAX),
      '--whatsapp-token', WA_TOKEN, '--whatsapp-api-base', `${graph.url}/v21.0`,
      '--whatsapp-phone-number-id', '106540352242922', '--whatsapp-verify-token', 'vt', '--whatsapp-app-secret', 'appsecret'],
  });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  cookie = await loginCookie(hilo, 'ana', anaPw);
  key = await apikeyAdd('shop');
});
after(async () => { await cleanup(); await graph?.close(); });

// ----------------------------------------------------------------- helpers

async function apikeyAdd(name) {
  const r = await runHilo(['apikey', 'add', name, '--redis-url', redis.url]);
  assert.equal(r.code, 0, `apikey add ${name}: exit ${r.code} ${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `apikey add must print only the key: ${JSON.stringify(r.stdout)}`);
  return lines[0].trim();
}

// HTTP call with an API key (auth: key string), a cookie, or raw headers.
async function api(method, path, { auth, cookie: ck, body, raw, headers = {} } = {}) {
  const h = { ...headers };
  if (auth !== undefined) h.authorization = `Bearer ${auth}`;
  if (ck) h.cookie = ck;
  let b;
  if (raw !== undefined) { b = raw; h['content-type'] = 'application/json'; }
  else if (body !== undefined) { b = JSON.stringify(body); h['content-type'] = 'application/json'; }
  return httpGet(hilo.url + path, { method, headers: h, body: b });
}
const show = (r) => `HTTP ${r.status} ${r.body.slice(0, 500)}`;
function assertErr(r, status, code, what = '') {
  assert.equal(r.status, status, `${what}: expected ${status}${code ? ' ' + code : ''}, got ${show(r)}`);
  assert.equal(typeof r.json?.error?.code, 'string', `${what}: no {"error":{"code"}} body: ${show(r)}`);
  if (code) assert.equal(r.json.error.code, code, `${what}: expected code ${code}, got ${show(r)}`);
}

// POST /api/v1/tickets with the shop key; asserts 201 and returns the answer json.
async function newTicket(fields = {}) {
  const body = { channel: 'shopchat', customer: { id: uid() }, text: 'Hello, where is my order?', locale: 'en', ...fields };
  const r = await api('POST', '/api/v1/tickets', { auth: key, body });
  assert.equal(r.status, 201, `POST /api/v1/tickets ${JSON.stringify(body)}: ${show(r)}`);
  return r.json;
}
const xlen = async (ref) => Number(await redis.cli('XLEN', `hilo:{t:${ref}}:ev`));
const allTickets = async () => Number(await redis.cli('ZCARD', 'hilo:idx:all'));
const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');

async function watcher() {
  const a = await agent(hilo, 'ana', anaPw);
  const q = await a.request({ type: 'queue.watch' });
  assert.equal(q.type, 'queue', JSON.stringify(q));
  return a;
}
async function openThread(a, ref) {
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.type, 'thread', `ticket.open ${ref}: ${JSON.stringify(th)}`);
  return th;
}
// An unused reference with a valid check digit.
function unusedRef() {
  for (;;) {
    const d = String(10000000 + Math.floor(Math.random() * 89999999));
    if (dammOk(d)) return d;
  }
}

// ----------------------------------------------------------------- API keys

test('apikey add prints only hk_…; Redis keeps only its SHA-256; list shows the name', withLogs(async () => {
  assert.match(key, /^hk_\S+$/);
  const h = sha256(key);
  assert.equal(await redis.cli('HGET', 'hilo:apikeys', 'shop'), h, 'hilo:apikeys shop -> sha256(key)');
  assert.equal(await redis.cli('GET', `hilo:apikey:${h}`), 'shop', 'hilo:apikey:<sha256> -> name');
  const keys = await redisKeys(redis);
  assert.ok(!keys.some((k) => k.includes(key)), 'the key itself must not be stored');
  const dump = await redis.cli('HGETALL', 'hilo:apikeys');
  assert.ok(!dump.includes(key), 'the key itself must not be stored');

  const other = await apikeyAdd('crm');
  assert.notEqual(other, key);
  const list = await runHilo(['apikey', 'list', '--redis-url', redis.url]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /\bshop\b/);
  assert.match(list.stdout, /\bcrm\b/);
  assert.ok(!list.stdout.includes(key) && !list.stdout.includes(other), 'list must not print keys');
}));

test('missing, unknown or malformed key: 401 unauthorized on every endpoint, nothing stored', withLogs(async () => {
  const t = await newTicket({ text: 'ticket for 401 checks' });
  const ref = t.ticket.ref;
  const before = await redisKeys(redis);
  const len = await xlen(ref);
  const body = { channel: 'shopchat', customer: { id: uid() }, text: 'should not be stored', locale: 'en' };
  const variants = [
    {},
    { headers: { authorization: 'Bearer hk_0000000000000000000000000000000000000000' } },
    { headers: { authorization: 'Bearer ' } },
    { headers: { authorization: `Basic ${Buffer.from(`shop:${key}`).toString('base64')}` } },
    { headers: { authorization: `Bearer ${key}x` } },
    { headers: { authorization: key } },
    { headers: { cookie: 'hilo_session=s1.9999999999999.bogus' } },
  ];
  for (const v of variants) {
    const what = JSON.stringify(v);
    assertErr(await api('POST', '/api/v1/tickets', { ...v, body }), 401, 'unauthorized', `POST tickets ${what}`);
    assertErr(await api('POST', `/api/v1/tickets/${ref}/messages`, { ...v, body: { text: 'nope', client_id: 'x1' } }), 401, 'unauthorized', `POST messages ${what}`);
    assertErr(await api('GET', `/api/v1/tickets/${ref}`, v), 401, 'unauthorized', `GET ticket ${what}`);
    assertErr(await api('GET', '/api/v1/tickets', v), 401, 'unauthorized', `GET tickets ${what}`);
    assertErr(await api('GET', '/api/v1/media/whatsapp/123456', v), 401, 'unauthorized', `GET media ${what}`);
  }
  assert.deepEqual(await redisKeys(redis), before, 'nothing stored');
  assert.equal(await xlen(ref), len);
  // The valid key and an agent cookie both work.
  assert.equal((await api('GET', `/api/v1/tickets/${ref}`, { auth: key })).status, 200);
  assert.equal((await api('GET', `/api/v1/tickets/${ref}`, { cookie })).status, 200);
  assert.equal((await api('GET', '/api/v1/tickets', { cookie })).status, 200);
  const viaCookie = await api('POST', '/api/v1/tickets', { cookie, body: { channel: 'shopchat', customer: { id: uid() }, text: 'posted with a cookie', locale: 'en' } });
  assert.equal(viaCookie.status, 201, show(viaCookie));
}));

// ----------------------------------------------------------------- POST /api/v1/tickets

test('POST /api/v1/tickets: 201, Spanish ack with the reference, agent sees it live, thread = message + ack', withLogs(async () => {
  const a = await watcher();
  const custId = uid('u-981');
  const text = '¿Dónde está mi pedido 5531?';
  const r = await api('POST', '/api/v1/tickets', {
    auth: key,
    body: { channel: 'shopchat', customer: { id: custId, name: 'Lucía', email: `lucia.${custId}@example.com`, phone: '+34600111222' },
      text, client_id: 'msg-77', locale: 'es' },
  });
  assert.equal(r.status, 201, show(r));
  const j = r.json;
  const t = j.ticket;
  assert.match(t.ref, /^\d{8,9}$/);
  assert.ok(dammOk(t.ref), `reference ${t.ref} fails the Damm check`);
  assert.equal(t.channel, 'shopchat');
  assert.equal(t.last_channel, 'shopchat');
  assert.equal(t.status, 'open');
  assert.equal(t.locale, 'es');
  assert.equal(t.name, 'Lucía');
  assert.equal(t.last_text, text);
  assert.equal(j.duplicate, false);
  assert.match(j.event_id, /^\d+-\d+$/);
  assert.match(j.ack.event_id, /^\d+-\d+$/);
  assert.ok(cmpId(j.ack.event_id, j.event_id) > 0, 'ack after the message');
  assert.ok(j.ack.text.replace(/\D/g, '').includes(t.ref), `ack text lacks the reference ${t.ref}: ${j.ack.text}`);
  assert.match(j.ack.text, SPANISH, `ack text is not Spanish: ${j.ack.text}`);

  // Live in the queue of a watching agent.
  const tf = await a.next(isTicket((s) => s.ref === t.ref));
  assert.equal(tf.ticket.channel, 'shopchat');
  assert.equal(tf.ticket.status, 'open');

  // The thread: the message, then the ack.
  const th = await openThread(a, t.ref);
  assert.deepEqual(th.events.map((e) => e.kind), ['message', 'ack']);
  const [msg, ack] = th.events;
  assert.equal(msg.id, j.event_id);
  assert.equal(msg.ticket, t.ref);
  assert.equal(msg.text, text);
  assert.equal(msg.channel, 'shopchat');
  assert.equal(msg.author.role, 'customer');
  assert.equal(msg.author.id, t.customer);
  assert.equal(msg.client_id, 'msg-77');
  assert.equal(ack.id, j.ack.event_id);
  assert.equal(ack.text, j.ack.text);
  assert.equal(ack.author.role, 'system');
  assert.equal(ack.channel, 'system');

  // Same thing over REST.
  const g = await api('GET', `/api/v1/tickets/${t.ref}`, { auth: key });
  assert.equal(g.status, 200, show(g));
  assert.deepEqual(g.json.events.map((e) => [e.id, e.kind]), [[j.event_id, 'message'], [j.ack.event_id, 'ack']]);
  assert.equal(g.json.ticket.ref, t.ref);
  await a.close();
}));

test('same client_id again: 200, duplicate true, same ticket and event, nothing new stored', withLogs(async () => {
  const a = await watcher();
  const body = { channel: 'shopchat', customer: { id: uid() }, text: 'Order 7781 is late', client_id: 'dup-1', locale: 'en' };
  const first = await api('POST', '/api/v1/tickets', { auth: key, body });
  assert.equal(first.status, 201, show(first));
  const ref = first.json.ticket.ref;
  await a.next(isTicket((s) => s.ref === ref));
  const len = await xlen(ref);
  const n = await allTickets();
  const again = await api('POST', '/api/v1/tickets', { auth: key, body });
  assert.equal(again.status, 200, show(again));
  assert.equal(again.json.duplicate, true);
  assert.equal(again.json.ticket.ref, ref);
  assert.equal(again.json.event_id, first.json.event_id);
  assert.equal(await xlen(ref), len, 'no new event');
  assert.equal(await allTickets(), n, 'no new ticket');
  await a.none(isTicket(() => true), 300);
  await a.close();
}));

test('no locale: guessed from the text (Spanish text -> es ack; English text -> en ack); channel defaults to api', withLogs(async () => {
  const es = await newTicket({ text: 'Hola, ¿dónde está mi pedido? Muchas gracias por la ayuda', locale: undefined });
  assert.equal(es.ticket.locale, 'es');
  assert.match(es.ack.text, SPANISH, es.ack.text);
  const en = await newTicket({ text: 'Hello, my order has not arrived yet, can you help me?', locale: undefined, channel: undefined });
  assert.equal(en.ticket.locale, 'en');
  assert.match(en.ack.text, ENGLISH, en.ack.text);
  assert.equal(en.ticket.channel, 'api');
}));

test('validation: no text, bad channel, no customer id/email/phone, text over --max-text, bad client_id, bad JSON -> 400, nothing stored', withLogs(async () => {
  const before = await redisKeys(redis);
  const ok = { channel: 'shopchat', customer: { id: uid() }, text: 'valid text', locale: 'en' };
  const bad = {
    'no text': { ...ok, text: undefined },
    'empty text': { ...ok, text: '' },
    'text not a string': { ...ok, text: 42 },
    'text over max_text': { ...ok, text: 'é'.repeat(MAX_TEXT + 1) },
    'channel with capitals': { ...ok, channel: 'ShopChat' },
    'channel with a space': { ...ok, channel: 'shop chat' },
    'channel with a dot': { ...ok, channel: 'shop.chat' },
    'empty channel': { ...ok, channel: '' },
    'channel of 33 characters': { ...ok, channel: 'a'.repeat(33) },
    'channel not a string': { ...ok, channel: 7 },
    'no customer': { ...ok, customer: undefined },
    'customer without id/email/phone': { ...ok, customer: { name: 'Nobody' } },
    'customer with empty ids': { ...ok, customer: { id: '', email: '', phone: '' } },
    'client_id of 65 bytes': { ...ok, client_id: 'c'.repeat(65) },
    'empty client_id': { ...ok, client_id: '' },
  };
  for (const [what, body] of Object.entries(bad)) {
    assertErr(await api('POST', '/api/v1/tickets', { auth: key, body }), 400, null, what);
  }
  for (const raw of ['{"text":', 'not json', '[1,2]', '"text"']) {
    assertErr(await api('POST', '/api/v1/tickets', { auth: key, raw }), 400, null, `raw ${raw}`);
  }
  assert.deepEqual(await redisKeys(redis), before, 'nothing stored');

  // Boundaries are accepted: max_text code points, a 32-character channel, a 64-byte client_id.
  const edge = await newTicket({ text: 'é'.repeat(MAX_TEXT), channel: 'a-z_0-9'.padEnd(32, 'x'), client_id: 'c'.repeat(64) });
  assert.equal(edge.ticket.channel, 'a-z_0-9'.padEnd(32, 'x'));
}));

test('customer id, email and phone link the identities ext:<channel>:<id>, email:…, phone:…', withLogs(async () => {
  const id = uid('cust');
  const email = `${id}@example.com`;
  const phone = '+34600' + String(100000 + seq).slice(-6);
  const t = await newTicket({ customer: { id, name: 'Linked Person', email, phone } });
  const cid = t.ticket.customer;
  assert.ok(cid, 'summary carries the customer id');
  const r = await api('GET', `/api/v1/customers/${encodeURIComponent(cid)}`, { cookie });
  assert.equal(r.status, 200, show(r));
  const ids = r.json.customer.identities;
  assert.ok(ids.includes(`ext:shopchat:${id}`), `identities ${JSON.stringify(ids)} lack ext:shopchat:${id}`);
  assert.ok(ids.includes(`email:${email}`), `identities ${JSON.stringify(ids)} lack email:${email}`);
  assert.ok(ids.includes(`phone:${phone}`), `identities ${JSON.stringify(ids)} lack phone:${phone}`);
  assert.equal(r.json.customer.name, 'Linked Person');
  assert.ok(r.json.tickets.some((x) => x.ref === t.ticket.ref));

  // The same integration id later is the same customer.
  const t2 = await newTicket({ customer: { id }, text: 'another question' });
  assert.equal(t2.ticket.customer, cid);

  // A second person (new id, new email) is a second customer.
  const otherId = uid('other');
  const otherEmail = `${otherId}@example.com`;
  const t3 = await newTicket({ customer: { id: otherId, email: otherEmail }, text: 'someone else' });
  const c2 = t3.ticket.customer;
  assert.ok(c2, 'summary carries the customer id');
  assert.notEqual(c2, cid, 'a new id and a new email make a new customer');

  // A new id with a known email joins that email's customer ("a customer who
  // later writes by email ... joins the same customer").
  const joinId = uid('join');
  const t5 = await newTicket({ customer: { id: joinId, email }, text: 'new id, known email' });
  assert.equal(t5.ticket.customer, cid);
  assert.equal(await redis.cli('GET', `hilo:ident:email:${email}`), cid);
  assert.equal(await redis.cli('GET', `hilo:ident:ext:shopchat:${id}`), cid);
}));

// docs/integrations.md: email and phone are linked "when they are not yet
// someone else's": an identity that is another customer's is neither added
// to this customer's set nor copied into its email field.
test('an email already someone else\'s is not linked to a second customer', withLogs(async () => {
  const id = uid('first');
  const email = `${id}@example.com`;
  const cid = (await newTicket({ customer: { id, email } })).ticket.customer;
  const otherId = uid('second');
  const otherEmail = `${otherId}@example.com`;
  const c2 = (await newTicket({ customer: { id: otherId, email: otherEmail }, text: 'someone else' })).ticket.customer;
  assert.notEqual(c2, cid);
  // The second person again, now giving the first one's email: the id names
  // the person, so it is the second customer's ticket...
  const t = await newTicket({ customer: { id: otherId, email }, text: 'same email, other id' });
  assert.equal(t.ticket.customer, c2);
  assert.equal(await redis.cli('GET', `hilo:ident:email:${email}`), cid);
  // ...and the email, already the first customer's, is not linked to it.
  const other = await api('GET', `/api/v1/customers/${encodeURIComponent(c2)}`, { cookie });
  assert.equal(other.status, 200, show(other));
  assert.deepEqual(other.json.customer.identities.slice().sort(), [`email:${otherEmail}`, `ext:shopchat:${otherId}`].sort(), 'email linked twice');
  assert.equal(other.json.customer.email, otherEmail);
}));

// ----------------------------------------------------------------- POST messages

test('POST /api/v1/tickets/<ref>/messages: 201, live to an agent who opened it, dedupe by client_id', withLogs(async () => {
  const t = await newTicket({ text: 'first message' });
  const ref = t.ticket.ref;
  const a = await agent(hilo, 'ana', anaPw);
  await openThread(a, ref);
  const r = await api('POST', `/api/v1/tickets/${ref}/messages`, { auth: key, body: { text: 'Ya lo encontré, gracias', client_id: 'msg-78', channel: 'shopchat' } });
  assert.equal(r.status, 201, show(r));
  assert.equal(r.json.duplicate, false);
  assert.match(r.json.event_id, /^\d+-\d+$/);
  const ev = (await a.next(isEv('message', (e) => e.id === r.json.event_id))).event;
  assert.equal(ev.ticket, ref);
  assert.equal(ev.text, 'Ya lo encontré, gracias');
  assert.equal(ev.channel, 'shopchat');
  assert.equal(ev.author.role, 'customer');
  assert.equal(ev.author.id, t.ticket.customer);
  assert.equal(ev.client_id, 'msg-78');
  assert.ok(cmpId(ev.id, t.ack.event_id) > 0);

  const len = await xlen(ref);
  const again = await api('POST', `/api/v1/tickets/${ref}/messages`, { auth: key, body: { text: 'Ya lo encontré, gracias', client_id: 'msg-78', channel: 'shopchat' } });
  assert.equal(again.status, 200, show(again));
  assert.equal(again.json.duplicate, true);
  assert.equal(again.json.event_id, r.json.event_id);
  assert.equal(await xlen(ref), len, 'nothing new stored');
  await a.none(isEv('message'), 300);

  // Validation on messages too.
  const before = await xlen(ref);
  assertErr(await api('POST', `/api/v1/tickets/${ref}/messages`, { auth: key, body: { client_id: 'v1' } }), 400, null, 'no text');
  assertErr(await api('POST', `/api/v1/tickets/${ref}/messages`, { auth: key, body: { text: 'x'.repeat(MAX_TEXT + 1) } }), 400, null, 'text too long');
  assertErr(await api('POST', `/api/v1/tickets/${ref}/messages`, { auth: key, raw: '{oops' }), 400, null, 'bad json');
  assert.equal(await xlen(ref), before);
  await a.close();
}));

test('messages: a resolved ticket reopens; closed -> 409 bad_state; unknown -> 404 unknown_ticket', withLogs(async () => {
  const t = await newTicket({ text: 'please help' });
  const ref = t.ticket.ref;
  const a = await agent(hilo, 'ana', anaPw);
  await openThread(a, ref);
  a.send({ type: 'resolve', ticket: ref, client_id: 'res-1', text: 'Done, shipped today' });
  const ack = await a.next((f) => (f.type === 'ack' || f.type === 'error') && f.client_id === 'res-1');
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  await a.next(isEv('status', (e) => e.status === 'resolved'));
  assert.equal((await api('GET', `/api/v1/tickets/${ref}`, { auth: key })).json.ticket.status, 'resolved');

  const r = await api('POST', `/api/v1/tickets/${ref}/messages`, { auth: key, body: { text: 'It broke again', client_id: 'reopen-1' } });
  assert.equal(r.status, 201, show(r));
  await a.next(isEv('message', (e) => e.id === r.json.event_id));
  await a.next((f) => f.type === 'ticket' && f.ticket.ref === ref && f.ticket.status === 'open');
  assert.equal((await api('GET', `/api/v1/tickets/${ref}`, { auth: key })).json.ticket.status, 'open');

  assert.deepEqual(await a.request({ type: 'status', ticket: ref, status: 'closed', req: 'cl' }), { type: 'ok', req: 'cl' });
  const len = await xlen(ref);
  assertErr(await api('POST', `/api/v1/tickets/${ref}/messages`, { auth: key, body: { text: 'hello?', client_id: 'closed-1' } }), 409, 'bad_state', 'closed ticket');
  assert.equal(await xlen(ref), len, 'nothing stored on a closed ticket');

  const n = await allTickets();
  const unknown = unusedRef();
  assertErr(await api('POST', `/api/v1/tickets/${unknown}/messages`, { auth: key, body: { text: 'hi', client_id: 'u-1' } }), 404, 'unknown_ticket', 'unknown ref');
  assertErr(await api('GET', `/api/v1/tickets/${unknown}`, { auth: key }), 404, 'unknown_ticket', 'GET unknown ref');
  assert.equal(await allTickets(), n);
  await a.close();
}));

// ----------------------------------------------------------------- GET

test('GET /api/v1/tickets/<ref>: every event, notes included, oldest first', withLogs(async () => {
  const t = await newTicket({ text: 'where is it' });
  const ref = t.ticket.ref;
  const a = await agent(hilo, 'ana', anaPw);
  await openThread(a, ref);
  a.send({ type: 'note', ticket: ref, client_id: 'n-1', text: 'internal: check the warehouse' });
  await a.next((f) => f.type === 'ack' && f.client_id === 'n-1');
  a.send({ type: 'reply', ticket: ref, client_id: 'r-1', text: 'We are checking' });
  await a.next((f) => f.type === 'ack' && f.client_id === 'r-1');
  const th = await openThread(a, ref);
  const g = await api('GET', `/api/v1/tickets/${ref}`, { auth: key });
  assert.equal(g.status, 200, show(g));
  assert.deepEqual(g.json.events.map((e) => e.kind), ['message', 'ack', 'note', 'reply']);
  const note = g.json.events[2];
  assert.equal(note.text, 'internal: check the warehouse');
  assert.equal(note.author.role, 'agent');
  assert.equal(note.author.id, 'ana');
  assert.deepEqual(g.json.events, th.events, 'same events as the agent thread');
  assert.equal(g.json.ticket.ref, ref);
  assert.equal(g.json.ticket.status, th.ticket.status);
  assert.equal(g.json.ticket.first_response_at > 0, true);
  await a.close();
}));

test('GET /api/v1/tickets: status and channel filters, limit, newest first', withLogs(async () => {
  const ch = `list-${Date.now().toString(36)}`;
  const other = `${ch}-b`;
  const made = [];
  for (let i = 0; i < 3; i++) {
    made.push((await newTicket({ channel: ch, text: `list ticket ${i}` })).ticket.ref);
    await sleep(15);
  }
  const b = (await newTicket({ channel: other, text: 'other channel' })).ticket.ref;
  // Resolve the first one.
  const a = await agent(hilo, 'ana', anaPw);
  await openThread(a, made[0]);
  a.send({ type: 'resolve', ticket: made[0], client_id: 'lr-1', text: 'done' });
  await a.next(isEv('status', (e) => e.status === 'resolved'));
  await a.close();

  const all = await api('GET', `/api/v1/tickets?channel=${ch}`, { auth: key });
  assert.equal(all.status, 200, show(all));
  assert.deepEqual(all.json.tickets.map((t) => t.ref), [...made].reverse(), 'this channel, newest first');
  assert.ok(all.json.tickets.every((t) => t.channel === ch));
  const open = await api('GET', `/api/v1/tickets?status=open&channel=${ch}`, { auth: key });
  assert.deepEqual(open.json.tickets.map((t) => t.ref), [made[2], made[1]]);
  const resolved = await api('GET', `/api/v1/tickets?status=resolved&channel=${ch}`, { auth: key });
  assert.deepEqual(resolved.json.tickets.map((t) => t.ref), [made[0]]);
  assert.equal(resolved.json.tickets[0].status, 'resolved');
  const closed = await api('GET', `/api/v1/tickets?status=closed&channel=${ch}`, { auth: key });
  assert.deepEqual(closed.json.tickets, []);
  const limited = await api('GET', `/api/v1/tickets?channel=${ch}&limit=2`, { auth: key });
  assert.deepEqual(limited.json.tickets.map((t) => t.ref), [made[2], made[1]]);
  const newest = await api('GET', '/api/v1/tickets?limit=1', { auth: key });
  assert.deepEqual(newest.json.tickets.map((t) => t.ref), [b], 'newest ticket overall');
  const byOther = await api('GET', `/api/v1/tickets?channel=${other}`, { cookie });
  assert.equal(byOther.status, 200, show(byOther));
  assert.deepEqual(byOther.json.tickets.map((t) => t.ref), [b]);
  // Default: all statuses.
  const everything = await api('GET', '/api/v1/tickets?limit=200', { auth: key });
  const refs = everything.json.tickets.map((t) => t.ref);
  for (const r of [...made, b]) assert.ok(refs.includes(r), `${r} missing from the unfiltered list`);
  const created = everything.json.tickets.map((t) => t.created_at);
  assert.deepEqual(created, [...created].sort((x, y) => y - x), 'newest first');
}));

test('apikey remove: the key stops working (401); removing an unknown name fails', withLogs(async () => {
  const k = await apikeyAdd('temp');
  assert.equal((await api('GET', '/api/v1/tickets?limit=1', { auth: k })).status, 200);
  const rm = await runHilo(['apikey', 'remove', 'temp', '--redis-url', redis.url]);
  assert.equal(rm.code, 0, rm.stderr);
  assertErr(await api('GET', '/api/v1/tickets?limit=1', { auth: k }), 401, 'unauthorized', 'removed key');
  const before = await allTickets();
  assertErr(await api('POST', '/api/v1/tickets', { auth: k, body: { customer: { id: uid() }, text: 'after removal' } }), 401, 'unauthorized', 'removed key POST');
  assert.equal(await allTickets(), before);
  assert.equal(await redis.cli('EXISTS', `hilo:apikey:${sha256(k)}`), '0');
  assert.equal(await redis.cli('HEXISTS', 'hilo:apikeys', 'temp'), '0');
  const list = await runHilo(['apikey', 'list', '--redis-url', redis.url]);
  assert.equal(list.code, 0);
  assert.doesNotMatch(list.stdout, /\btemp\b/);
  const again = await runHilo(['apikey', 'remove', 'temp', '--redis-url', redis.url]);
  assert.notEqual(again.code, 0, 'removing an unknown key must fail');
  const unknown = await runHilo(['apikey', 'remove', 'never-existed', '--redis-url', redis.url]);
  assert.notEqual(unknown.code, 0);
  // The other key still works.
  assert.equal((await api('GET', '/api/v1/tickets?limit=1', { auth: key })).status, 200);
}));

// ----------------------------------------------------------------- media

test('GET /api/v1/media/whatsapp/<id>: bytes and content type from the Graph API (Bearer token); Graph 4xx -> 502', withLogs(async () => {
  const id = '1037543291543636';
  const bytes = crypto.randomBytes(70000);
  bytes[0] = 0xff; bytes[1] = 0xd8; bytes[100] = 0;
  graph.media.set(id, { mime: 'image/jpeg', bytes });
  const pdfId = '2237543291543637';
  graph.media.set(pdfId, { mime: 'application/pdf', bytes: Buffer.from('%PDF-1.4\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\n', 'latin1') });

  const res = await fetch(`${hilo.url}/api/v1/media/whatsapp/${id}`, { headers: { cookie }, signal: AbortSignal.timeout(8000) });
  const got = Buffer.from(await res.arrayBuffer());
  assert.equal(res.status, 200, `media answered ${res.status} ${got.toString('utf8', 0, 300)}`);
  assert.match(res.headers.get('content-type') ?? '', /^image\/jpeg\b/);
  assert.equal(got.length, bytes.length);
  assert.ok(got.equals(bytes), 'bytes differ');
  const asked = graph.requests.filter((r) => r.path.endsWith(`/${id}`));
  assert.ok(asked.length >= 2, `Graph saw ${JSON.stringify(asked)}`);
  assert.ok(asked.every((r) => r.auth === `Bearer ${WA_TOKEN}`));
  assert.deepEqual(graph.rejected, [], 'every Graph request carried the Bearer token');

  const pdf = await fetch(`${hilo.url}/api/v1/media/whatsapp/${pdfId}`, { headers: { cookie }, signal: AbortSignal.timeout(8000) });
  const pdfBytes = Buffer.from(await pdf.arrayBuffer());
  assert.equal(pdf.status, 200);
  assert.match(pdf.headers.get('content-type') ?? '', /^application\/pdf\b/);
  assert.ok(pdfBytes.equals(graph.media.get(pdfId).bytes));

  // The Graph API refuses: unknown media id (400), or the download (403) -> 502.
  const unknown = await httpGet(`${hilo.url}/api/v1/media/whatsapp/9999999999999999`, { headers: { cookie } });
  assert.equal(unknown.status, 502, `unknown media: ${show(unknown)}`);
  const denied = '3337543291543638';
  graph.media.set(denied, { mime: 'image/png', bytes: Buffer.from('png') });
  graph.failDownload.add(denied);
  const d = await httpGet(`${hilo.url}/api/v1/media/whatsapp/${denied}`, { headers: { cookie } });
  assert.equal(d.status, 502, `download refused: ${show(d)}`);

  // Provider bytes never run on Hilo's origin: a download, sandboxed.
  for (const r of [res, pdf]) {
    assert.match(r.headers.get('content-disposition') ?? '', /^attachment; filename="whatsapp-\d+"$/);
    assert.match(r.headers.get('content-security-policy') ?? '', /\bsandbox\b/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  }
  const htmlId = '4437543291543639';
  graph.media.set(htmlId, { mime: 'text/html', bytes: Buffer.from('<script>alert(document.cookie)</script>') });
  const html = await fetch(`${hilo.url}/api/v1/media/whatsapp/${htmlId}`, { headers: { cookie }, signal: AbortSignal.timeout(8000) });
  await html.arrayBuffer();
  assert.equal(html.status, 200);
  assert.match(html.headers.get('content-disposition') ?? '', /^attachment/);
  assert.match(html.headers.get('content-security-policy') ?? '', /\bsandbox\b/);

  // Bigger than the old 1 MiB cap, within --media-max-bytes: served whole.
  const bigId = '5537543291543640';
  graph.media.set(bigId, { mime: 'video/mp4', bytes: crypto.randomBytes(2 << 20) });
  const big = await fetch(`${hilo.url}/api/v1/media/whatsapp/${bigId}`, { headers: { cookie }, signal: AbortSignal.timeout(15000) });
  const bigBytes = Buffer.from(await big.arrayBuffer());
  assert.equal(big.status, 200, `2 MiB media: ${big.status} ${bigBytes.toString('utf8', 0, 200)}`);
  assert.ok(bigBytes.equals(graph.media.get(bigId).bytes));
  // Over it: 502 too_large, said plainly.
  const hugeId = '6637543291543641';
  graph.media.set(hugeId, { mime: 'video/mp4', bytes: Buffer.alloc(MEDIA_MAX + 1) });
  const huge = await httpGet(`${hilo.url}/api/v1/media/whatsapp/${hugeId}`, { headers: { cookie } });
  assert.equal(huge.status, 502, show(huge));
  assert.equal(huge.json?.error?.code, 'too_large', show(huge));

  // No cookie: 401 and the Graph API is not asked.
  const n = graph.requests.length;
  assertErr(await httpGet(`${hilo.url}/api/v1/media/whatsapp/${id}`), 401, 'unauthorized', 'media without cookie');
  assert.equal(graph.requests.length, n);
}));
