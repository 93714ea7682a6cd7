// Issue #10: the dead letters hold only real failures (docs/delivery.md
// "Replies go out through the outbox"). Every channel sends successfully —
// WhatsApp Cloud API, Twilio SMS, WhatsApp via Twilio, email over SMTP, the
// outgoing webhook (204, no body) — including providers that accept a
// message without giving an id; one WhatsApp reply is refused for good. The
// dead letters then hold exactly that one failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs, httpGet, freePort, sleep } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, twPost, newSid, mgPost, mgEmail, isDelivery, isTicket,
  loginCookie,
} from '../lib/fake-provider.mjs';

let redis, fake, hilo, anaPw, cookie, rx, rxPosts = 0;
let seq = 0;
const phone = () => `+1650888${String(1000 + (++seq)).padStart(4, '0')}`;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  // a webhook receiver that accepts every POST with 204 and no body
  const port = await freePort();
  rx = http.createServer((req, res) => { req.resume(); req.on('end', () => { rxPosts++; res.writeHead(204); res.end(); }); });
  await new Promise((r) => rx.listen(port, '127.0.0.1', r));
  hilo = await startHilo({
    redisUrl: redis.url,
    args: [...channelArgs(fake), '--webhook-url', `http://127.0.0.1:${port}/hook`, '--webhook-secret', 'whs'],
  });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  cookie = await loginCookie(hilo, 'ana', anaPw);
});
after(async () => { await cleanup(); await fake?.close(); await new Promise((r) => rx?.close(r)); });

async function deadLetters() {
  const res = await fetch(hilo.url + '/api/v1/outbox/dead?limit=100', { headers: { cookie } });
  assert.equal(res.status, 200);
  return (await res.json()).dead;
}
async function reply(a, ref, text, channel) {
  const cid = `c-${++seq}`;
  a.send({ type: 'reply', ticket: ref, client_id: cid, text, channel });
  const ack = await a.next((f) => (f.type === 'ack' || f.type === 'error') && f.client_id === cid);
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  return ack.event_id;
}
// Opens a ticket from an inbound message, waits for its acknowledgement to go out.
async function ticketFrom(a, post, marker) {
  await post();
  const ref = (await a.next(isTicket((t) => t.last_text === marker || (t.last_text ?? '').includes(marker)), 10000)).ticket.ref;
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  const ack = th.events.find((e) => e.kind === 'ack');
  assert.ok(ack, 'acknowledged');
  if (ack.delivery?.status !== 'sent') await a.next(isDelivery(ack.id, 'sent'), 10000);
  return ref;
}

test('successes on every channel (with and without provider ids) are never dead letters; a refusal is', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });

  // WhatsApp Cloud API
  const wa = phone();
  const waRef = await ticketFrom(a, async () => assert.equal((await waPost(hilo, waEnvelope([waMessages([{ from: wa.slice(1), text: 'dl wa hello' }])]))).status, 200), 'dl wa hello');
  // Twilio SMS
  const sms = phone();
  const smsSid = newSid();
  const smsRef = await ticketFrom(a, async () => assert.equal((await twPost(hilo, '/webhooks/twilio/messaging', {
    MessageSid: smsSid, SmsSid: smsSid, AccountSid: fake.config.twilioSid, From: sms, To: '+14155550199', Body: 'dl sms hello', NumMedia: '0',
  })).status, 200), 'dl sms hello');
  // WhatsApp via Twilio
  const twa = phone();
  const twaSid = newSid();
  const twaRef = await ticketFrom(a, async () => assert.equal((await twPost(hilo, '/webhooks/twilio/messaging', {
    MessageSid: twaSid, SmsSid: twaSid, AccountSid: fake.config.twilioSid, From: `whatsapp:${twa}`, To: 'whatsapp:+14155238886',
    Body: 'dl twa hello', NumMedia: '0', WaId: twa.slice(1),
  })).status, 200), 'dl twa hello');
  // email
  const mail = mgEmail({ from: 'Dee <dee@example.net>', subject: 'dl mail', text: 'dl mail hello' });
  const mailRef = await ticketFrom(a, async () => assert.equal((await mgPost(hilo, mail.fields)).status, 200), 'dl mail hello');

  const sent = [];
  // accepted with an id
  sent.push(await reply(a, waRef, 'wa with id', 'whatsapp'));
  sent.push(await reply(a, smsRef, 'sms with id', 'sms'));
  sent.push(await reply(a, mailRef, 'email reply', 'email'));
  for (const E of sent) await a.next(isDelivery(E, 'sent'), 10000);
  // accepted without an id: one at a time, so each no-id answer goes to its own reply
  const noId = [];
  for (const [p, ref, ch, text] of [['whatsapp', waRef, 'whatsapp', 'wa no id'], ['twilio', smsRef, 'sms', 'sms no id'],
    ['twilio', twaRef, 'whatsapp', 'twa no id']]) {
    fake.noId(p, 1);
    const E = await reply(a, ref, text, ch);
    const d = await a.next(isDelivery(E, 'sent'), 10000);
    assert.equal(d.provider_id, '', 'no provider id was given');
    assert.equal(d.error, '');
    noId.push(E);
  }
  assert.ok(fake.twilio.some((r) => r.body.To === `whatsapp:${twa}` && r.body.Body === 'twa no id'), 'went out via Twilio WhatsApp');
  assert.ok(fake.mails.some((m) => m.parsed?.text?.includes('email reply')));

  // one real failure
  fake.permanent('whatsapp');
  let failedE;
  try {
    failedE = await reply(a, waRef, 'refused for good', 'whatsapp');
    const f = await a.next(isDelivery(failedE, 'failed'), 10000);
    assert.match(f.error, /131047/);
  } finally { fake.heal('whatsapp'); }

  // the outgoing webhook carried these tickets' events (204, no body)
  assert.ok(rxPosts > 0, 'webhook POSTs were accepted');
  await sleep(1500); // let every webhook POST and status settle before counting
  const dead = await deadLetters();
  assert.deepEqual(dead.map((d) => [d.ticket, d.event_id]), [[waRef, failedE]], JSON.stringify(dead));
  assert.match(dead[0].error, /131047/);
  assert.equal(await redis.cli('ZCARD', 'hilo:{ob}:dead'), '1');
  for (const E of [...sent, ...noId]) assert.ok(!dead.some((d) => d.event_id === E), `${E} is a dead letter`);
  const m = (await httpGet(hilo.url + '/metrics')).body;
  assert.match(m, /^hilo_outbox_accepted_without_id_total 3$/m);
  await a.close();
}));
