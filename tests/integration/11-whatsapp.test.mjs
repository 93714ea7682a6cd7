// WhatsApp Cloud API channel (docs/delivery.md): GET handshake, signed
// webhooks (401/403/400/503, nothing stored), new tickets with the ack going
// out through the Graph API, dedupe by wamid, batched entries, message types,
// status webhooks -> delivery frames (never backwards), cross-channel joining
// by reference, default reply channel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs, httpGet, sleep } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, waPost, waSign, waEnvelope, waMessages, waStatuses, newWamid,
  digits, formatRef, redisKeys, isEv, isDelivery, isTicket, retryWhile503,
} from '../lib/fake-provider.mjs';

let redis, fake, hilo, anaPw;
let phoneSeq = 0;
const newPhone = () => `1650555${String(1000 + (++phoneSeq)).padStart(4, '0')}`; // wa_id digits, no '+'

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake) });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(async () => { await cleanup(); await fake?.close(); });

// The fields docs/delivery.md lists for a delivery frame (extra fields allowed).
const pick = (f) => Object.fromEntries(['type', 'ticket', 'event_id', 'channel', 'status', 'provider_id', 'error', 'attempts', 'to'].map((k) => [k, f[k]]));
const toNum = (r) => r.body.to.replace(/^\+/, '');
const sentTo = (num) => fake.whatsapp.filter((r) => toNum(r) === num);

// Posts one text message from a new number; returns {num, wamid, ref, res} once the agent saw the ticket.
async function inboundText(a, text, { num = newPhone(), wamid = newWamid(), name } = {}) {
  const res = await waPost(hilo, waEnvelope([waMessages([{ from: num, id: wamid, text }], { name })]));
  assert.equal(res.status, 200, `webhook answered ${res.status} ${res.body}`);
  const tf = await a.next(isTicket((t) => t.last_text === text));
  return { num, wamid, ref: tf.ticket.ref, ticket: tf.ticket, res };
}

async function watcher() {
  const a = await agent(hilo, 'ana', anaPw);
  const q = await a.request({ type: 'queue.watch' });
  assert.equal(q.type, 'queue');
  return a;
}

test('GET handshake: right token answers the challenge, wrong token 403', withLogs(async () => {
  const ok = await httpGet(`${hilo.url}/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=vt`);
  assert.equal(ok.status, 200);
  assert.equal(ok.body, '1158201444');
  const enc = await httpGet(`${hilo.url}/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=%3412%35&hub.verify_token=v%74`);
  assert.equal(enc.status, 200, 'values must be URL-decoded before comparing');
  assert.equal(enc.body, '4125');
  // the challenge is an integer: anything else (markup, say) is not echoed
  for (const ch of ['%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'abc-123', '']) {
    const r = await httpGet(`${hilo.url}/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=${ch}&hub.verify_token=vt`);
    assert.equal(r.status, 403, `challenge ${ch}: ${r.status} ${r.body}`);
    assert.doesNotMatch(r.body, /script|abc/);
  }
  const bad = await httpGet(`${hilo.url}/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=nope`);
  assert.equal(bad.status, 403);
  assert.doesNotMatch(bad.body, /1158201444/);
}));

test('inbound text opens a whatsapp ticket; ack goes out through the Graph API with the reference', withLogs(async () => {
  const a = await watcher();
  const text = 'Does it come in another color?';
  const { num, wamid, ref, ticket, res } = await inboundText(a, text, { name: 'Sheena Nelson' });
  assert.equal(res.status, 200);
  assert.match(ref, /^\d{8,9}$/);
  assert.equal(ticket.channel, 'whatsapp');
  assert.equal(ticket.last_channel, 'whatsapp');
  assert.equal(ticket.status, 'open');

  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.type, 'thread');
  const msgs = th.events.filter((e) => e.kind === 'message');
  assert.equal(msgs.length, 1);
  assert.equal(msgs[0].channel, 'whatsapp');
  assert.equal(msgs[0].text, text);
  assert.equal(msgs[0].author.role, 'customer');
  const ackEv = th.events.find((e) => e.kind === 'ack');
  assert.ok(ackEv, 'thread has the ack event');
  assert.ok(digits(ackEv.text).includes(ref));
  assert.ok(th.customer.identities.includes(`phone:+${num}`), `identities ${JSON.stringify(th.customer.identities)}`);

  const [out] = await fake.waitFor(fake.whatsapp, (r) => toNum(r) === num);
  assert.equal(out.method, 'POST');
  assert.equal(out.path, '/v21.0/106540352242922/messages');
  assert.equal(out.headers.authorization, 'Bearer watoken');
  assert.equal(out.body.messaging_product, 'whatsapp');
  assert.equal(out.body.type, 'text');
  assert.ok(digits(out.body.text.body).includes(ref), `ack text ${out.body.text.body}`);
  assert.equal(out.body.text.body, ackEv.text);
  // every channel is set up here: the ack names them all
  assert.match(ackEv.text, /on WhatsApp, SMS, phone or email\./, ackEv.text);
  await sleep(300);
  assert.equal(sentTo(num).length, 1, 'exactly one ack');
  assert.deepEqual(fake.rejected, [], 'Hilo sent a request the Graph API refuses');

  const seen = (await redis.cli('--scan', '--pattern', `hilo:seen:*:${wamid}`)).split('\n').filter(Boolean);
  assert.equal(seen.length, 1, 'inbound dedupe key hilo:seen:<provider>:<wamid>');
  const ttl = Number(await redis.cli('TTL', seen[0]));
  assert.ok(ttl > 29 * 86400 && ttl <= 30 * 86400, `dedupe TTL ${ttl}`);
  await a.close();
}));

test('signatures: missing 401, wrong 403, nothing stored and nothing sent', withLogs(async () => {
  const num = newPhone();
  const body = JSON.stringify(waEnvelope([waMessages([{ from: num, text: 'unsigned hello' }])]));
  const before = await redisKeys(redis);
  const sentBefore = fake.attempts.whatsapp.length;
  const none = await waPost(hilo, body, { signature: null });
  assert.equal(none.status, 401);
  const wrong = await waPost(hilo, body, { secret: 'not-the-app-secret' });
  assert.equal(wrong.status, 403);
  const garbage = await waPost(hilo, body, { signature: 'sha256=zz' });
  assert.equal(garbage.status, 403);
  const sha1 = await waPost(hilo, body, { signature: 'sha1=' + waSign('appsecret', body).slice(7, 47) });
  assert.equal(sha1.status, 403);
  // Signature of a different body (e.g. re-serialised JSON).
  const other = await waPost(hilo, body, { signature: waSign('appsecret', body + ' ') });
  assert.equal(other.status, 403);
  await sleep(300);
  assert.deepEqual(await redisKeys(redis), before);
  assert.equal(fake.attempts.whatsapp.length, sentBefore);
}));

test('malformed body with a valid signature: 400, nothing stored', withLogs(async () => {
  const before = await redisKeys(redis);
  for (const raw of ['{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[', 'not json at all', '']) {
    const r = await waPost(hilo, raw);
    assert.equal(r.status, 400, `body ${JSON.stringify(raw)} answered ${r.status}`);
  }
  assert.deepEqual(await redisKeys(redis), before);
}));

test('duplicate delivery of the same wamid: 200 twice, stored once, one ack', withLogs(async () => {
  const a = await watcher();
  const num = newPhone();
  const wamid = newWamid();
  const payload = waEnvelope([waMessages([{ from: num, id: wamid, text: 'duplicate me' }])]);
  const r1 = await waPost(hilo, payload);
  assert.equal(r1.status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === 'duplicate me'))).ticket.ref;
  const r2 = await waPost(hilo, payload);
  assert.equal(r2.status, 200);
  // Same wamid in a new envelope (Meta retries may re-batch).
  const r3 = await waPost(hilo, waEnvelope([waMessages([{ from: num, id: wamid, text: 'duplicate me' }])], '999'));
  assert.equal(r3.status, 200);
  await sleep(500);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.events.filter((e) => e.kind === 'message').length, 1);
  assert.equal(th.ticket.messages, 1);
  await fake.waitFor(fake.whatsapp, (r) => toNum(r) === num);
  assert.equal(sentTo(num).length, 1);
  await a.close();
}));

test('one POST with several entries and changes: every message stored, statuses of unknown ids ignored', withLogs(async () => {
  const a = await watcher();
  const [n1, n2, n3] = [newPhone(), newPhone(), newPhone()];
  const payload = {
    object: 'whatsapp_business_account',
    entry: [
      { id: '102290129340398', changes: [waMessages([{ from: n1, text: 'batch one' }])] },
      { id: '102290129340398', changes: [
        waStatuses([{ id: newWamid(), status: 'delivered', recipient_id: n2 }]),
        waMessages([{ from: n2, text: 'batch two' }]),
        waMessages([{ from: n3, text: 'batch three a' }, { from: n3, text: 'batch three b' }]),
      ] },
    ],
  };
  const r = await waPost(hilo, payload);
  assert.equal(r.status, 200);
  const refs = {};
  for (const t of ['batch one', 'batch two']) refs[t] = (await a.next(isTicket((x) => x.last_text === t))).ticket.ref;
  const t3 = (await a.next(isTicket((x) => x.last_text === 'batch three b'), 5000)).ticket;
  assert.notEqual(refs['batch one'], refs['batch two']);
  assert.notEqual(refs['batch two'], t3.ref);
  const th3 = await a.request({ type: 'ticket.open', ticket: t3.ref });
  assert.deepEqual(th3.events.filter((e) => e.kind === 'message').map((e) => [e.channel, e.text]),
    [['whatsapp', 'batch three a'], ['whatsapp', 'batch three b']]);
  assert.ok(th3.customer.identities.includes(`phone:+${n3}`));
  for (const n of [n1, n2, n3]) await fake.waitFor(fake.whatsapp, (x) => toNum(x) === n);
  await sleep(300);
  assert.equal(sentTo(n3).length, 1, 'one ack for the two messages of one new ticket');
  await a.close();
}));

test('image, location, interactive, button, contacts and unknown types are stored with sensible text', withLogs(async () => {
  const a = await watcher();
  const { num, ref } = await inboundText(a, 'types follow');
  const msgs = [
    { type: 'image', image: { caption: 'my broken screen', mime_type: 'image/jpeg', sha256: 'SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=', id: '1003383421387256' } },
    { type: 'location', location: { address: '1 Central Park W, New York', latitude: 40.782910059774, longitude: -73.959075808525, name: 'Central Park' } },
    { type: 'interactive', context: { from: '15550783881', id: newWamid() }, interactive: { type: 'button_reply', button_reply: { id: 'yes-call', title: 'Yes, call me' } } },
    { type: 'interactive', context: { from: '15550783881', id: newWamid() }, interactive: { type: 'list_reply', list_reply: { id: 'ship-x', title: 'Express shipping', description: 'Next day' } } },
    { type: 'button', button: { payload: 'STOP_PROMO', text: 'Stop promotions' } },
    { type: 'contacts', contacts: [{ name: { formatted_name: 'John Smith', first_name: 'John', last_name: 'Smith' }, phones: [{ phone: '+1 (650) 555-0000', wa_id: '16505550000', type: 'CELL' }] }] },
    { type: 'holo_poll', holo_poll: { question: 'Which size?', options: ['S', 'M'] } },
  ];
  for (const m of msgs) {
    const r = await waPost(hilo, waEnvelope([waMessages([{ from: num, ...m }])]));
    assert.equal(r.status, 200, `${m.type} answered ${r.status}`);
  }
  await a.next(isTicket((t) => t.ref === ref && t.messages === 8), 5000);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  const ev = th.events.filter((e) => e.kind === 'message');
  assert.equal(ev.length, 8, `stored messages: ${JSON.stringify(ev.map((e) => e.text))}`);
  for (const e of ev) assert.equal(e.channel, 'whatsapp');
  const [, img, loc, btn, list, tbtn, card, unknown] = ev;
  assert.match(img.text, /my broken screen/);
  assert.match(loc.text, /Central Park|40\.78/);
  assert.match(btn.text, /Yes, call me/);
  assert.match(list.text, /Express shipping/);
  assert.match(tbtn.text, /Stop promotions/);
  assert.match(card.text, /John Smith/);
  assert.ok(typeof unknown.text === 'string');
  assert.match(JSON.stringify(unknown), /holo_poll/, 'an unknown type is stored with its type');
  await a.close();
}));

test('agent reply on whatsapp: one Graph request, delivery queued -> sent; statuses -> delivered, read; late delivered ignored', withLogs(async () => {
  const a = await watcher();
  const { num, ref } = await inboundText(a, 'status test please');
  await fake.waitFor(fake.whatsapp, (r) => toNum(r) === num); // the ack
  await a.request({ type: 'ticket.open', ticket: ref });
  const before = fake.attempts.whatsapp.length;
  a.send({ type: 'reply', ticket: ref, client_id: 'r-st', text: 'It comes in blue and green 💙', channel: 'whatsapp' });
  const ack = await a.next((f) => f.type === 'ack' && f.client_id === 'r-st');
  const E = ack.event_id;
  const q = await a.next(isDelivery(E, 'queued'));
  assert.equal(q.ticket, ref);
  assert.equal(q.channel, 'whatsapp');
  const sent = await a.next(isDelivery(E, 'sent'), 5000);
  const [req] = await fake.waitFor(fake.whatsapp, (r) => toNum(r) === num && r.body.text?.body === 'It comes in blue and green 💙');
  assert.deepEqual(pick(sent), {
    type: 'delivery', ticket: ref, event_id: E, channel: 'whatsapp', status: 'sent',
    provider_id: req.providerId, error: '', attempts: 1, to: `+${num}`,
  });
  assert.equal(fake.attempts.whatsapp.length - before, 1, 'exactly one request');
  assert.equal(req.headers.authorization, 'Bearer watoken');
  assert.match(req.headers['content-type'], /^application\/json/);
  assert.equal(req.body.type, 'text');
  const pid = (await redis.cli('--scan', '--pattern', `hilo:pid:*:${req.providerId}`)).split('\n').filter(Boolean);
  assert.equal(pid.length, 1, 'hilo:pid:<provider>:<wamid>');
  assert.equal(await redis.cli('GET', pid[0]), `${ref} ${E}`);

  const status = async (s) => {
    const r = await waPost(hilo, waEnvelope([waStatuses([{ id: req.providerId, status: s, recipient_id: num }])]));
    assert.equal(r.status, 200);
  };
  await status('sent');
  await status('delivered');
  const d = await a.next(isDelivery(E, 'delivered'));
  assert.equal(d.provider_id, req.providerId);
  await status('read');
  await a.next(isDelivery(E, 'read'));
  a.drain(isDelivery(E));
  await status('delivered'); // late, out of order
  await a.none((f) => isDelivery(E)(f) && f.status !== 'read', 600);
  const dl = JSON.parse(await redis.cli('HGET', `hilo:{t:${ref}}:dl`, E));
  assert.equal(dl.status, 'read');
  assert.equal(dl.provider_id, req.providerId);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  const ev = th.events.find((e) => e.id === E);
  assert.equal(ev.kind, 'reply');
  assert.equal(ev.delivery?.status, 'read');
  assert.equal(ev.delivery?.provider_id, req.providerId);
  await a.close();
}));

test('cross-channel: WhatsApp quoting a web ticket reference is held until the code from the open widget comes back; then it joins (no new ticket, no second ack); default reply goes to whatsapp', withLogs(async () => {
  const a = await watcher();
  const c = await customer(hilo, { locale: 'es' });
  c.send({ type: 'message', client_id: 'w-1', text: 'Hola, mi pedido no llega' });
  const R = (await c.next('ack')).ticket;
  await a.next(isTicket((t) => t.ref === R));
  await a.request({ type: 'ticket.open', ticket: R });
  const num = newPhone();
  const text = `hola, mi caso ${formatRef(R)}`;
  const res = await waPost(hilo, waEnvelope([waMessages([{ from: num, text }])]));
  assert.equal(res.status, 200);
  // Held (docs/continuity.md): the open widget shows the code, the number is told to confirm.
  const v = await c.next((f) => f.type === 'verify');
  assert.equal(v.ticket, R);
  assert.match(v.code, /^\d{6}$/);
  const notice = await fake.waitFor(fake.whatsapp, (r) => toNum(r) === num);
  assert.doesNotMatch(notice[0].body.text.body, new RegExp(R), 'the notice names no case');
  const held = (await a.next(isEv('hold'))).event;
  assert.equal(held.ticket, R);
  // The code comes back on WhatsApp: the held message joins, in the thread of the same customer.
  const r1 = await waPost(hilo, waEnvelope([waMessages([{ from: num, text: v.code }])]));
  assert.equal(r1.status, 200);
  const ev = (await a.next(isEv('message', (e) => e.text === text))).event;
  assert.equal(ev.ticket, R);
  assert.equal(ev.channel, 'whatsapp');
  // The web customer is the same customer: it sees the message in its thread.
  const cev = await c.next(isEv('message', (e) => e.text === text));
  assert.equal(cev.event.id, ev.id);
  const connected = await fake.waitFor(fake.whatsapp, (r) => toNum(r) === num, 2);
  assert.ok(digits(connected[1].body.text.body).includes(R), 'told it is connected to the case');
  await sleep(700);
  assert.deepEqual(a.drain(isTicket((t) => t.ref !== R)), [], 'no new ticket');
  const th = await a.request({ type: 'ticket.open', ticket: R });
  assert.equal(th.events.filter((e) => e.kind === 'ack').length, 1);
  assert.deepEqual(th.events.filter((e) => e.kind === 'message').map((e) => e.channel), ['web', 'whatsapp']);
  assert.ok(th.customer.identities.includes(`phone:+${num}`), `identities ${JSON.stringify(th.customer.identities)}`);
  assert.equal(th.ticket.last_channel, 'whatsapp');

  // No "channel": routed at send time (docs/continuity.md). The widget is
  // closed now, so the reply takes the open WhatsApp window.
  await c.close();
  for (let i = 0; i < 100 && Number(await redis.cli('ZCARD', `hilo:{t:${R}}:on`)) > 0; i++) await sleep(50);
  a.send({ type: 'reply', ticket: R, client_id: 'r-x', text: 'Lo revisamos ahora' });
  const E = (await a.next((f) => f.type === 'ack' && f.client_id === 'r-x')).event_id;
  const sent = await a.next(isDelivery(E, 'sent'), 5000);
  assert.equal(sent.channel, 'whatsapp');
  assert.equal(sent.to, `+${num}`);
  const reqs = await fake.waitFor(fake.whatsapp, (r) => toNum(r) === num && r.body.text?.body === 'Lo revisamos ahora');
  assert.equal(reqs.length, 1);
  // A second message from that number (no reference) joins the same ticket (rule 3).
  const r2 = await waPost(hilo, waEnvelope([waMessages([{ from: num, text: 'gracias' }])]));
  assert.equal(r2.status, 200);
  assert.equal((await a.next(isEv('message', (e) => e.text === 'gracias'))).event.ticket, R);
  await Promise.all([a.close(), c.close()]);
}));

test('Redis down: 503 and nothing acknowledged; Meta\'s retry after Redis is back is stored', withLogs(async () => {
  const num = newPhone();
  const text = 'sent during the outage';
  const payload = JSON.stringify(waEnvelope([waMessages([{ from: num, text }])]));
  await redis.stop();
  try {
    const r = await waPost(hilo, payload);
    assert.equal(r.status, 503);
  } finally {
    await redis.restart();
  }
  const r2 = await retryWhile503(() => waPost(hilo, payload));
  assert.equal(r2.status, 200);
  const a = await watcher();
  await fake.waitFor(fake.whatsapp, (r) => toNum(r) === num, 1, 8000);
  const q = await a.request({ type: 'queue.watch' });
  const t = q.tickets.find((x) => x.last_text === text);
  assert.ok(t, 'ticket created by the retried webhook');
  assert.equal(t.channel, 'whatsapp');
  await a.close();
}));
