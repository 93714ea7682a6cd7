// Issue #13, widget uploads: a customer's image or PDF sent with the visitor
// token of the widget's welcome becomes a customer message on the web channel
// carrying {attachments:[{id,name,mime,size}]}: live to the customer and the
// agent, in the thread on open and in the customer's history; the agent (and
// only the uploader among customers) fetches the exact bytes, always as a
// sandboxed download typed by the sniffed type. A signed-in customer proves
// who they are with the signed identity (X-Hilo-Identity).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startRedis, startHilo, addAgent, agent, customer, cleanup, withLogs, runHilo } from '../lib/harness.mjs';
import { loginCookie } from '../lib/fake-provider.mjs';
import { PNG, PDF, upload, fetchFile, customerWithTicket } from '../lib/uploads.mjs';

const SECRET = 'shop-identity-secret-0123456789abcdef';
let redis, hilo, anaPw, cookie;
before(async () => {
  redis = await startRedis();
  hilo = await startHilo({ redisUrl: redis.url, args: ['--identity-secret', SECRET] });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  cookie = await loginCookie(hilo, 'ana', anaPw);
});
after(async () => { await cleanup(); });

test('an image uploaded with the widget token: live in the thread, in history, fetched byte for byte with safe headers', withLogs(async () => {
  const { cu, ref } = await customerWithTicket(hilo);
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'ticket.open', ticket: ref });

  const up = await upload(hilo, cu.token, PNG, { name: '../../etc/captura "1".png', clientId: 'up-1' });
  assert.equal(up.status, 201, up.body);
  const att = up.json.upload;
  assert.match(att.id, /^u[0-9a-f]{32}$/);
  assert.deepEqual({ ...att, id: undefined }, { id: undefined, name: 'captura 1.png', mime: 'image/png', size: PNG.length });
  assert.equal(up.json.ticket, ref);

  // live to the agent and to the customer, as a customer message on the web channel
  const live = await a.next((f) => f.type === 'event' && f.event.client_id === 'up-1');
  assert.equal(live.event.kind, 'message');
  assert.equal(live.event.channel, 'web');
  assert.equal(live.event.author.role, 'customer');
  assert.equal(live.event.id, up.json.event_id);
  assert.deepEqual(live.event.attachments, [att]);
  const mine = await cu.next((f) => f.type === 'event' && f.event.client_id === 'up-1');
  assert.deepEqual(mine.event.attachments, [att]);

  // the agent fetches the exact bytes, as a sandboxed download
  const got = await fetchFile(hilo, att.id, { cookie });
  assert.equal(got.status, 200);
  assert.ok(got.bytes.equals(PNG), 'the bytes differ');
  assert.equal(got.headers.get('content-type'), 'image/png');
  assert.match(got.headers.get('content-disposition'), /^attachment; filename="captura_1\.png"$/);
  assert.equal(got.headers.get('content-security-policy'), "sandbox; default-src 'none'");
  assert.equal(got.headers.get('x-content-type-options'), 'nosniff');

  // the uploader fetches it with its token too
  const own = await fetchFile(hilo, att.id, { authorization: `Bearer ${cu.token}` });
  assert.equal(own.status, 200);
  assert.ok(own.bytes.equals(PNG));

  // in the thread an agent opens, and in the customer's history after a reload
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  const ev = th.events.find((e) => e.id === up.json.event_id);
  assert.deepEqual(ev.attachments, [att]);
  assert.equal(ev.text, 'captura 1.png');
  await cu.close();
  const again = await customer(hilo, { token: cu.token, after: '0' });
  assert.equal(again.welcome.ticket.ref ?? again.welcome.ticket.ticket ?? ref, ref);
  const hist = await again.next((f) => f.type === 'event' && f.event.id === up.json.event_id, 8000);
  assert.deepEqual(hist.event.attachments, [att]);
  await again.close();
  await a.close();
}));

test('a PDF with a caption and a Spanish name; a resend with the same client_id is stored once', withLogs(async () => {
  const { cu, ref } = await customerWithTicket(hilo);
  const up = await upload(hilo, cu.token, PDF, { name: 'factura_año.pdf', text: 'la factura de marzo', clientId: 'pdf-1' });
  assert.equal(up.status, 201, up.body);
  assert.equal(up.json.upload.mime, 'application/pdf');
  assert.equal(up.json.upload.name, 'factura_año.pdf');
  const again = await upload(hilo, cu.token, PDF, { name: 'factura_año.pdf', text: 'la factura de marzo', clientId: 'pdf-1' });
  assert.equal(again.status, 201, again.body);
  assert.equal(again.json.duplicate, true);
  assert.equal(again.json.event_id, up.json.event_id);

  const a = await agent(hilo, 'ana', anaPw);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  const withFiles = th.events.filter((e) => Array.isArray(e.attachments));
  assert.equal(withFiles.length, 1);
  assert.equal(withFiles[0].text, 'la factura de marzo');
  assert.deepEqual(withFiles[0].attachments, [up.json.upload]);
  const got = await fetchFile(hilo, up.json.upload.id, { cookie });
  assert.equal(got.status, 200);
  assert.equal(got.headers.get('content-type'), 'application/pdf');
  // the ASCII fallback, and the real name as RFC 8187 UTF-8 (what browsers save)
  assert.equal(got.headers.get('content-disposition'),
    "attachment; filename=\"factura_a__o.pdf\"; filename*=UTF-8''factura_a%C3%B1o.pdf");
  assert.ok(got.bytes.equals(PDF));
  await a.close();
  await cu.close();
}));

test('another visitor, no credentials or an unknown id cannot fetch it; an API key can', withLogs(async () => {
  const { cu } = await customerWithTicket(hilo);
  const up = await upload(hilo, cu.token, PNG, { name: 'mine.png' });
  assert.equal(up.status, 201, up.body);
  const { cu: other } = await customerWithTicket(hilo, 'otro cliente');
  const r1 = await fetchFile(hilo, up.json.upload.id, { authorization: `Bearer ${other.token}` });
  assert.equal(r1.status, 404);
  assert.ok(!r1.bytes.includes(PNG.subarray(16)), 'no bytes leak');
  const r2 = await fetchFile(hilo, up.json.upload.id, {});
  assert.equal(r2.status, 401);
  const r3 = await fetchFile(hilo, `u${'0'.repeat(32)}`, { cookie });
  assert.equal(r3.status, 404);
  assert.equal(JSON.parse(r3.bytes.toString()).error.code, 'not_found');
  const r4 = await fetchFile(hilo, up.json.upload.id, { authorization: 'Bearer hk_notakey_notakey_x' });
  assert.equal(r4.status, 401);
  // an integration's API key fetches it (the webhook's event names the id)
  const add = await runHilo(['apikey', 'add', 'crm', '--redis-url', redis.url]);
  assert.equal(add.code, 0, add.stderr);
  const key = add.stdout.trim().split('\n').pop().trim();
  assert.match(key, /^hk_/);
  const r5 = await fetchFile(hilo, up.json.upload.id, { authorization: `Bearer ${key}` });
  assert.equal(r5.status, 200);
  assert.ok(r5.bytes.equals(PNG));
  assert.equal(r5.headers.get('content-disposition'), 'attachment; filename="mine.png"');
  await cu.close();
  await other.close();
}));

test('after a merge the surviving customer\'s visitor fetches the files uploaded into the tickets it gained; others still cannot', withLogs(async () => {
  const { cu: a } = await customerWithTicket(hilo, 'primero desde el móvil');
  const up = await upload(hilo, a.token, PNG, { name: 'receipt.png' });
  assert.equal(up.status, 201, up.body);
  const { cu: b } = await customerWithTicket(hilo, 'ahora desde el portátil');
  const { cu: c } = await customerWithTicket(hilo, 'otra persona');
  const id = up.json.upload.id;
  assert.equal((await fetchFile(hilo, id, { authorization: `Bearer ${b.token}` })).status, 404, 'not B\'s before the merge');
  const m = await fetch(`${hilo.url}/api/v1/customers/${a.welcome.customer}/merge`, {
    method: 'POST', headers: { cookie, origin: hilo.url, 'content-type': 'application/json' },
    body: JSON.stringify({ into: b.welcome.customer }),
  });
  assert.equal(m.status, 200, await m.text());
  const rb = await fetchFile(hilo, id, { authorization: `Bearer ${b.token}` });
  assert.equal(rb.status, 200, 'the ticket it was uploaded into is B\'s now');
  assert.ok(rb.bytes.equals(PNG));
  const ra = await fetchFile(hilo, id, { authorization: `Bearer ${a.token}` });
  assert.equal(ra.status, 200, 'A\'s browser is B now too');
  assert.equal((await fetchFile(hilo, id, { authorization: `Bearer ${c.token}` })).status, 404);
  await Promise.all([a.close(), b.close(), c.close()]);
}));

function signed(userId, name = '', email = '', secret = SECRET) {
  const ts = Math.floor(Date.now() / 1000);
  const sig = createHmac('sha256', secret).update(`${userId}\n${email}\n${name}\n${ts}`).digest('hex');
  return { user_id: userId, name, email, ts, sig };
}
const header = (id) => Buffer.from(JSON.stringify(id)).toString('base64url');

test('a signed-in customer uploads with the signed identity (X-Hilo-Identity); a forged one is 401; the token alone is not theirs', withLogs(async () => {
  const id = signed('shop-42', 'Lucía Núñez', 'lucia@example.com');
  const cu = await customer(hilo, { identity: id, locale: 'es' });
  cu.send({ type: 'message', client_id: 's-1', text: 'soy Lucía' });
  const ack = await cu.next((f) => (f.type === 'ack' || f.type === 'error') && f.client_id === 's-1');
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  // a signed customer's visitor token links nobody: alone it is an anonymous
  // visitor's, and never reaches the signed customer's conversation
  const bare = await upload(hilo, cu.token, PNG, { name: 'x.png' });
  assert.equal(bare.status, 201, bare.body);
  assert.notEqual(bare.json.ticket, ack.ticket);
  const up = await upload(hilo, cu.token, PNG, { name: 'dni.png', headers: { 'x-hilo-identity': header(id) } });
  assert.equal(up.status, 201, up.body);
  assert.equal(up.json.ticket, ack.ticket);
  const ev = (await cu.next((f) => f.type === 'event' && f.event.id === up.json.event_id)).event;
  assert.equal(ev.author.name, 'Lucía Núñez');
  assert.deepEqual(ev.attachments, [up.json.upload]);
  const own = await fetchFile(hilo, up.json.upload.id, { 'x-hilo-identity': header(id) });
  assert.equal(own.status, 200);
  assert.ok(own.bytes.equals(PNG));
  // forged, tampered or of another user: refused, nothing stored
  for (const bad of [signed('shop-42', 'Lucía Núñez', 'lucia@example.com', 'wrong-secret'),
    { ...id, user_id: 'shop-43' }]) {
    const r = await upload(hilo, cu.token, PNG, { name: 'x.png', headers: { 'x-hilo-identity': header(bad) } });
    assert.equal(r.status, 401, r.body);
    const f = await fetchFile(hilo, up.json.upload.id, { 'x-hilo-identity': header(bad) });
    assert.equal(f.status, 401);
  }
  const junk = await upload(hilo, cu.token, PNG, { name: 'x.png', headers: { 'x-hilo-identity': '!!notbase64' } });
  assert.equal(junk.status, 401);
  // another signed user cannot fetch it
  const other = signed('shop-99', 'Otro', '');
  const oc = await customer(hilo, { identity: other });
  oc.send({ type: 'message', client_id: 'o-1', text: 'otro' });
  await oc.next((f) => f.type === 'ack' && f.client_id === 'o-1');
  const theirs = await fetchFile(hilo, up.json.upload.id, { 'x-hilo-identity': header(other) });
  assert.equal(theirs.status, 404);
  await oc.close();
  await cu.close();
}));
