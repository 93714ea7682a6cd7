// Bad input: every rejected frame gets the documented error code, the
// connection stays usable, and nothing is stored in Redis.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, connect, customer, agent, cleanup, withLogs, sleep } from '../lib/harness.mjs';

const MAX_FRAME = 1024;
const MAX_TEXT = 100;
let redis, hilo, limited, anaPw;

before(async () => {
  redis = await startRedis();
  [hilo, limited] = await Promise.all([
    startHilo({ redisUrl: redis.url, args: ['--max-frame', String(MAX_FRAME), '--max-text', String(MAX_TEXT), '--session-ttl', '2'] }),
    startHilo({ redisUrl: redis.url, args: ['--msg-rate', '2', '--msg-burst', '3'] }),
  ]);
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(cleanup);

// Every key, and the length of every stream (one round trip).
const SNAPSHOT_LUA = `local out = {}
for _, k in ipairs(redis.call('KEYS', '*')) do
  local t = redis.call('TYPE', k).ok
  local n = ''
  if t == 'stream' then n = tostring(redis.call('XLEN', k)) end
  out[#out + 1] = k .. ' ' .. t .. ' ' .. n
end
return out`;
async function snapshot() {
  const lines = (await redis.cli('EVAL', SNAPSHOT_LUA, '0')).split('\n').filter(Boolean);
  const keys = [];
  const streams = {};
  for (const l of lines) {
    const [k, t, n] = l.split(' ');
    keys.push(k);
    if (t === 'stream') streams[k] = n;
  }
  keys.sort();
  return { keys, streams };
}

async function expectError(c, frame, code, { raw = false, binary = false } = {}) {
  if (binary) c.sendRaw(Buffer.from(frame), { binary: true });
  else if (raw) c.sendRaw(frame);
  else c.send(frame);
  const e = await c.next('error');
  assert.equal(e.code, code, `sent ${String(raw || binary ? frame : JSON.stringify(frame)).slice(0, 80)}: got ${JSON.stringify(e)}`);
  assert.equal(typeof e.message, 'string');
  return e;
}

async function stillOpen(c) {
  const p = await c.request({ type: 'ping' });
  assert.equal(p.type, 'pong');
}

async function ticketOf(c) {
  c.send({ type: 'message', client_id: 'setup', text: 'setup message' });
  const ack = await c.next('ack');
  await c.next((f) => f.type === 'event' && f.event.kind === 'ack');
  return ack.ticket;
}

test('malformed frames: codes, connection stays open, nothing stored', withLogs(async () => {
  const c = await customer(hilo, { locale: 'en' });
  await ticketOf(c);
  await c.next((f) => f.type === 'event' && f.event.kind === 'message');
  const before = await snapshot();

  await expectError(c, '{"type":"message", "client_id": "x", "text": ', 'bad_json', { raw: true });
  await stillOpen(c);
  await expectError(c, 'not json at all', 'bad_json', { raw: true });
  await expectError(c, '[1,2,3]', 'bad_json', { raw: true });
  await expectError(c, '"message"', 'bad_json', { raw: true });
  await expectError(c, '42', 'bad_json', { raw: true });
  await expectError(c, 'null', 'bad_json', { raw: true });
  await stillOpen(c);
  await expectError(c, { type: 'frobnicate' }, 'unknown_type');
  await expectError(c, { type: 'reply', ticket: '12345678', client_id: 'z', text: 'agent-only' }, 'unknown_type');
  await expectError(c, { type: 'message', text: 'no client id' }, 'bad_frame');
  await expectError(c, { type: 'message', client_id: '', text: 'empty client id' }, 'bad_frame');
  await expectError(c, { type: 'message', client_id: 'x'.repeat(65), text: 'long client id' }, 'bad_frame');
  await expectError(c, { type: 'message', client_id: 'n1', text: 42 }, 'bad_frame');
  await expectError(c, { type: 'message', client_id: 'n2' }, 'bad_frame');
  await expectError(c, '{"type":"ping"}', 'bad_frame', { binary: true });
  await stillOpen(c);

  const tl = await expectError(c, { type: 'message', client_id: 'too-long', req: 'r-tl', text: 'é'.repeat(MAX_TEXT + 1) }, 'text_too_long');
  assert.equal(tl.client_id, 'too-long');
  assert.equal(tl.req, 'r-tl');
  const big = await expectError(c, { type: 'message', client_id: 'too-big', text: 'a'.repeat(MAX_FRAME + 10) }, 'too_large');
  assert.equal(big.type, 'error');
  await stillOpen(c);
  await c.none('ack', 200);

  const afterSnap = await snapshot();
  assert.deepEqual(afterSnap, before, 'rejected frames changed Redis');

  // max_text counts code points, not bytes or UTF-16 units.
  c.send({ type: 'message', client_id: 'ok-emoji', text: '😀'.repeat(MAX_TEXT) });
  const ok = await c.next('ack');
  assert.equal(ok.client_id, 'ok-emoji');
  c.send({ type: 'message', client_id: 'ok-accents', text: 'ñ'.repeat(MAX_TEXT) });
  assert.equal((await c.next('ack')).client_id, 'ok-accents');
  await c.close();
}));

// docs/protocol.md: invalid UTF-8 is `bad_json`, and a connection is closed
// only for abuse (oversize, rate limit, not reading), so it stays open.
test('invalid UTF-8 in a text frame: bad_json, and the connection stays open', withLogs(async () => {
  const c = await customer(hilo, {});
  c.sendRaw(Buffer.from([0x7b, 0x22, 0x74, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
  // next() rejects, naming the close code, if the server closes instead.
  assert.equal((await c.next('error')).code, 'bad_json');
  await stillOpen(c);
  await c.close();
}));

test('a frame over 16 x max_frame closes the connection with 1009', withLogs(async () => {
  const c = await customer(hilo, {});
  c.send({ type: 'message', client_id: 'huge', text: 'a'.repeat(16 * MAX_FRAME + 100) });
  const { code } = await c.closed;
  assert.equal(code, 1009);
}));

for (const proto of [null, 'hilo.bogus.v1', 'chat']) {
  test(`handshake with subprotocol ${proto ?? '(none)'} is refused with HTTP 400`, withLogs(async () => {
    await assert.rejects(connect(hilo.wsUrl, proto), (err) => {
      assert.equal(err.status, 400, `subprotocol ${proto}: ${err.message}`);
      return true;
    });
  }));
}

test('customer handshake from a foreign Origin is refused with HTTP 403; same host and no Origin are allowed', withLogs(async () => {
  const ok = await connect(hilo.wsUrl, 'hilo.customer.v1', { origin: hilo.url });
  assert.equal(ok.ws.protocol, 'hilo.customer.v1');
  await ok.close();
  const ag = await connect(hilo.wsUrl, 'hilo.agent.v1');
  assert.equal(ag.ws.protocol, 'hilo.agent.v1');
  await ag.close();
  await assert.rejects(connect(hilo.wsUrl, 'hilo.customer.v1', { origin: 'https://evil.example' }), (err) => {
    assert.equal(err.status, 403, err.message);
    return true;
  });
}));

test('customer frames before hello: hello_required', withLogs(async () => {
  const c = await connect(hilo.wsUrl, 'hilo.customer.v1');
  await expectError(c, { type: 'message', client_id: 'early', text: 'hi' }, 'hello_required');
  await expectError(c, { type: 'resume', ticket: '12345678', after: '0' }, 'hello_required');
  c.send({ type: 'hello', locale: 'en' });
  assert.equal((await c.next('welcome')).locale, 'en');
  await c.close();
}));

test('agent frames before login: unauthorized; bad credentials; bad token', withLogs(async () => {
  const before = await snapshot();
  const a = await connect(hilo.wsUrl, 'hilo.agent.v1');
  await expectError(a, { type: 'queue.watch' }, 'unauthorized');
  await expectError(a, { type: 'reply', ticket: '12345678', client_id: 'x', text: 'hi' }, 'unauthorized');
  await expectError(a, { type: 'login', name: 'ana', password: 'wrong-password' }, 'bad_credentials');
  await expectError(a, { type: 'login', name: 'nobody', password: 'whatever' }, 'bad_credentials');
  await expectError(a, { type: 'auth', token: 's1.not-a-real-token' }, 'unauthorized');
  await expectError(a, { type: 'queue.watch' }, 'unauthorized');
  a.send({ type: 'login', name: 'ana', password: anaPw });
  assert.equal((await a.next('session')).agent.name, 'ana');
  await a.close();
  const afterSnap = await snapshot();
  // Only the successful login may have added keys (a session); no stream changed.
  assert.deepEqual(afterSnap.streams, before.streams);
}));

test('expired session: session_expired then close 4401; the token is refused on a new connection', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  const ttl = a.session.expires_at - Date.now();
  assert.ok(ttl > 0 && ttl <= 2500, `expires_at ${ttl} ms away with --session-ttl 2`);
  const token = a.session.token;
  await sleep(3000);
  a.send({ type: 'queue.watch' });
  const e = await a.next('error');
  assert.equal(e.code, 'session_expired');
  const { code } = await a.closed;

  const b = await connect(hilo.wsUrl, 'hilo.agent.v1');
  await expectError(b, { type: 'auth', token }, 'session_expired');
  await b.close();
  assert.equal(code, 4401, 'close code after session_expired');
}));

test('rate limit: pings faster than --msg-rate/--msg-burst get rate_limited', withLogs(async () => {
  const c = await customer(limited, {});
  for (let i = 0; i < 10; i++) c.send({ type: 'ping', req: `p${i}` });
  const e = await c.next('error');
  assert.equal(e.code, 'rate_limited');
  await sleep(300);
  const pongs = c.frames.filter((f) => f.type === 'pong').length;
  const limitedN = c.frames.filter((f) => f.type === 'error' && f.code === 'rate_limited').length;
  assert.ok(pongs < 10, `${pongs} pongs`);
  assert.equal(pongs + limitedN, 10, 'each ping gets a pong or rate_limited');
  await c.close();
}));

test('rate-limited messages are not stored', withLogs(async () => {
  const c = await customer(limited, {});
  await sleep(1600); // refill after hello
  for (let i = 0; i < 8; i++) c.send({ type: 'message', client_id: `rl-${i}`, text: `burst ${i}` });
  const err = await c.next((f) => f.type === 'error' && f.code === 'rate_limited');
  await sleep(500);
  const acks = c.frames.filter((f) => f.type === 'ack');
  const errs = c.frames.filter((f) => f.type === 'error');
  assert.equal(acks.length + errs.length, 8);
  assert.ok(acks.length >= 1 && acks.length <= 4, `${acks.length} acks`);
  assert.ok(errs.every((x) => x.code === 'rate_limited'));
  const ref = acks[0].ticket;
  const a = await agent(hilo, 'ana', anaPw);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  const texts = th.events.filter((ev) => ev.kind === 'message').map((ev) => ev.client_id).sort();
  assert.deepEqual(texts, acks.map((x) => x.client_id).sort());
  // Errors about a message carry its client_id.
  assert.match(err.client_id ?? '(none)', /^rl-\d$/, `rate_limited error without client_id: ${JSON.stringify(err)}`);
  await Promise.all([a.close(), c.close()]);
}));
