// Issue #13, widget uploads refused: the type is the file's magic bytes (HTML
// named .png with an image Content-Type is refused 415), a file over
// --upload-max-bytes is 413, a missing or malformed visitor token 401, a
// blocked identity 403 identity_blocked; every refusal stores nothing in Redis
// and appends nothing to the thread. A visitor without a ticket (or whose
// ticket is closed) is not refused: the file opens a ticket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, customer, cleanup, withLogs } from '../lib/harness.mjs';
import { createHash } from 'node:crypto';
import { loginCookie } from '../lib/fake-provider.mjs';
import { api } from '../lib/holds.mjs';
import { PNG, upload, fetchFile, customerWithTicket } from '../lib/uploads.mjs';

const MAX = 2048;
let redis, hilo, anaPw;
before(async () => {
  redis = await startRedis();
  hilo = await startHilo({ redisUrl: redis.url, args: ['--upload-max-bytes', String(MAX)] });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(async () => { await cleanup(); });

const uploadKeys = async () => (await redis.cli('--scan', '--pattern', 'hilo:upload:*')).split('\n').filter(Boolean);

async function threadTexts(ref) {
  const a = await agent(hilo, 'ana', anaPw);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  await a.close();
  return th.events.filter((e) => e.kind === 'message').map((e) => [e.text, e.attachments ?? null]);
}

test('wrong type by magic bytes, too large, empty, bad caption: refused, nothing stored or appended', withLogs(async () => {
  const { cu, ref } = await customerWithTicket(hilo);
  const before_ = await threadTexts(ref);
  const html = Buffer.from('<html><script>alert(document.cookie)</script></html>');
  const cases = [
    [html, { name: 'photo.png', headers: { 'content-type': 'image/png' } }, 415, 'unsupported_media_type'],
    [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>'), { name: 'a.svg' }, 415, 'unsupported_media_type'],
    [Buffer.from('PK\x03\x04zipzipzip'), { name: 'a.pdf', headers: { 'content-type': 'application/pdf' } }, 415, 'unsupported_media_type'],
    [Buffer.concat([PNG, Buffer.alloc(MAX)]), { name: 'big.png' }, 413, 'too_large'],
    [Buffer.alloc(0), { name: 'empty.png' }, 400, 'bad_frame'],
    [PNG, { name: 'x.png', clientId: 'bad id with spaces' }, 400, 'bad_frame'],
    [PNG, { name: 'x.png', text: 'x'.repeat(401) }, 400, 'bad_frame'],
    [PNG, { name: 'not UTF-8', rawQuery: 'name=f%FF.png' }, 400, 'bad_frame'],
    [PNG, { name: 'caption not UTF-8', rawQuery: 'name=a.png&text=%C3%28' }, 400, 'bad_frame'],
  ];
  for (const [bytes, opts, status, code] of cases) {
    const r = await upload(hilo, cu.token, bytes, opts);
    assert.equal(r.status, status, `${opts.name}: ${r.body}`);
    assert.equal(r.json?.error?.code, code, `${opts.name}: ${r.body}`);
  }
  // over the HTTP body limit itself: refused before it is read
  const huge = await upload(hilo, cu.token, Buffer.alloc((4 << 20) + 1), { name: 'huge.png' }).catch((e) => ({ status: 413, err: e }));
  assert.equal(huge.status, 413);
  assert.deepEqual(await uploadKeys(), []);
  assert.deepEqual(await threadTexts(ref), before_);
  await cu.close();
}));

test('no token, a malformed one or an API key: 401, nothing stored', withLogs(async () => {
  const { cu, ref } = await customerWithTicket(hilo);
  const before_ = await threadTexts(ref);
  for (const token of [null, 'short', 'has spaces in it but long enough', 'hk_aaaaaaaaaaaaaaaaaaaaaaaa']) {
    const r = await upload(hilo, token, PNG, { name: 'x.png' });
    assert.equal(r.status, 401, `${token}: ${r.body}`);
    assert.equal(r.json.error.code, 'unauthorized');
  }
  const cookieOnly = await upload(hilo, null, PNG, { name: 'x.png', headers: { cookie: 'hilo_session=abc' } });
  assert.equal(cookieOnly.status, 401);
  assert.deepEqual(await uploadKeys(), []);
  assert.deepEqual(await threadTexts(ref), before_);
  await cu.close();
}));

test('a visitor who never wrote, or whose ticket is closed: the file opens a ticket, acknowledged like a first message', withLogs(async () => {
  // a visitor who never wrote: its token names nobody yet
  const fresh = await customer(hilo, { locale: 'es' });
  const r0 = await upload(hilo, fresh.token, PNG, { name: 'primera.png', clientId: 'f-1', text: 'os mando una foto', locale: 'es-ES' });
  assert.equal(r0.status, 201, r0.body);
  assert.equal(r0.json.opened, true);
  assert.match(r0.json.ticket, /^\d{8,}$/);
  await fresh.close();
  // the token now names the customer: its widget finds the ticket, with
  // the acknowledgement in Spanish and the file
  const back = await customer(hilo, { token: fresh.token, after: '0' });
  assert.equal(back.welcome.ticket?.ref, r0.json.ticket, JSON.stringify(back.welcome).slice(0, 300));
  const msg = await back.next((f) => f.type === 'event' && f.event.id === r0.json.event_id, 8000);
  assert.equal(msg.event.text, 'os mando una foto');
  assert.deepEqual(msg.event.attachments, [r0.json.upload]);
  const ack = await back.next((f) => f.type === 'event' && f.event.kind === 'ack', 8000);
  assert.match(ack.event.text, /Recibimos tu mensaje/, ack.event.text);
  // resent with the same client_id: stored once
  const again = await upload(hilo, fresh.token, PNG, { name: 'primera.png', clientId: 'f-1', text: 'os mando una foto' });
  assert.equal(again.status, 201, again.body);
  assert.equal(again.json.duplicate, true);
  assert.equal(again.json.ticket, r0.json.ticket);
  // the answer names the file in the thread, and no second copy is kept
  assert.deepEqual(again.json.upload, r0.json.upload);
  assert.deepEqual(await uploadKeys(), [`hilo:upload:${r0.json.upload.id}`]);
  // the file knows the ticket it opened (what serves it after a merge)
  assert.equal(await redis.cli('HGET', `hilo:upload:${r0.json.upload.id}`, 'ticket'), r0.json.ticket);
  await back.close();

  // a closed ticket: a new one opens, the closed one is unchanged
  const { cu, ref } = await customerWithTicket(hilo);
  const a = await agent(hilo, 'ana', anaPw);
  const closed = await a.request({ type: 'status', ticket: ref, status: 'closed' });
  assert.notEqual(closed.type, 'error', JSON.stringify(closed));
  await a.close();
  const before_ = await threadTexts(ref);
  const r = await upload(hilo, cu.token, PNG, { name: 'x.png' });
  assert.equal(r.status, 201, r.body);
  assert.equal(r.json.opened, true);
  assert.notEqual(r.json.ticket, ref);
  assert.deepEqual(await threadTexts(ref), before_);
  assert.deepEqual((await threadTexts(r.json.ticket)).map(([t]) => t), ['x.png']);
  await cu.close();
}));

test('a blocked identity can neither upload nor download (403 identity_blocked); agents still can', withLogs(async () => {
  const cookie = await loginCookie(hilo, 'ana', anaPw);
  const { cu, ref } = await customerWithTicket(hilo);
  const up = await upload(hilo, cu.token, PNG, { name: 'before.png' });
  assert.equal(up.status, 201, up.body);
  const ident = `web:${createHash('sha256').update(cu.token).digest('hex').slice(0, 32)}`;
  const b = await api(hilo, 'POST', `customers/${cu.welcome.customer}/identities/block`, { cookie, body: { identity: ident } });
  assert.equal(b.status, 200, b.body);
  const keys0 = await uploadKeys();
  const before_ = await threadTexts(ref);
  const r = await upload(hilo, cu.token, PNG, { name: 'after.png' });
  assert.equal(r.status, 403, r.body);
  assert.equal(r.json.error.code, 'identity_blocked');
  const d = await fetchFile(hilo, up.json.upload.id, { authorization: `Bearer ${cu.token}` });
  assert.equal(d.status, 403);
  const agentGet = await fetchFile(hilo, up.json.upload.id, { cookie });
  assert.equal(agentGet.status, 200);
  assert.deepEqual(await uploadKeys(), keys0);
  assert.deepEqual(await threadTexts(ref), before_);
  await cu.close().catch(() => {});
}));
