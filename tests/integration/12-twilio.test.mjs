// Twilio Messaging channel (docs/delivery.md): SMS and WhatsApp-via-Twilio
// inbound webhooks (X-Twilio-Signature over --public-url + path), TwiML
// answers, ack through the Messages API, dedupe by MessageSid, status
// callbacks -> delivery frames, 401/403/400/503. Hilo runs with only the
// Twilio channel configured, so the Cloud API webhook must answer 404.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs, httpGet, sleep } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, twPost, twSign, newSid, waPost, waEnvelope, waMessages,
  digits, redisKeys, isEv, isDelivery, isTicket, retryWhile503,
} from '../lib/fake-provider.mjs';

let redis, fake, hilo, anaPw;
let phoneSeq = 0;
const newPhone = () => `+1415555${String(2000 + (++phoneSeq)).padStart(4, '0')}`;
const EMPTY_TWIML = /^(<\?xml[^>]*\?>)?\s*<Response\s*(\/>|>\s*<\/Response>)\s*$/;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake, { only: ['twilio'] }) });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(async () => { await cleanup(); await fake?.close(); });

const smsParams = (from, body, sid = newSid()) => ({
  ToCountry: 'US', ToState: 'CA', SmsMessageSid: sid, NumMedia: '0', ToCity: '', FromZip: '', SmsSid: sid,
  FromState: '', SmsStatus: 'received', FromCity: '', Body: body, FromCountry: 'US', To: '+14155550199',
  ToZip: '', NumSegments: '1', MessageSid: sid, AccountSid: fake.config.twilioSid, From: from, ApiVersion: '2010-04-01',
});
const waParams = (phone, body, sid = newSid()) => ({
  SmsMessageSid: sid, NumMedia: '0', ProfileName: 'Perspective Coffee', MessageType: 'text', SmsSid: sid,
  WaId: phone.slice(1), SmsStatus: 'received', Body: body, To: 'whatsapp:+14155238886', NumSegments: '1',
  ReferralNumMedia: '0', MessageSid: sid, AccountSid: fake.config.twilioSid, From: `whatsapp:${phone}`, ApiVersion: '2010-04-01',
});

const pick = (f) => Object.fromEntries(['type', 'ticket', 'event_id', 'channel', 'status', 'provider_id', 'error', 'attempts', 'to'].map((k) => [k, f[k]]));

async function watcher() {
  const a = await agent(hilo, 'ana', anaPw);
  assert.equal((await a.request({ type: 'queue.watch' })).type, 'queue');
  return a;
}

test('inbound SMS: TwiML 200, sms ticket, ack out through the Messages API with StatusCallback', withLogs(async () => {
  const a = await watcher();
  const from = newPhone();
  const p = smsParams(from, 'Hello, world: my order #555 is late');
  const res = await twPost(hilo, '/webhooks/twilio/messaging', p);
  assert.equal(res.status, 200, res.body);
  assert.match(res.headers.get('content-type') ?? '', /^(text|application)\/xml/);
  assert.match(res.body.trim(), EMPTY_TWIML);
  const t = (await a.next(isTicket((x) => x.last_text === p.Body))).ticket;
  assert.equal(t.channel, 'sms');
  const th = await a.request({ type: 'ticket.open', ticket: t.ref });
  const msgs = th.events.filter((e) => e.kind === 'message');
  assert.deepEqual(msgs.map((e) => [e.channel, e.text, e.author.role]), [['sms', p.Body, 'customer']]);
  assert.ok(th.events.some((e) => e.kind === 'ack'));
  assert.ok(th.customer.identities.includes(`phone:${from}`), JSON.stringify(th.customer.identities));

  const [out] = await fake.waitFor(fake.twilio, (r) => r.body.To === from);
  assert.equal(out.path, `/2010-04-01/Accounts/${fake.config.twilioSid}/Messages.json`);
  assert.equal(out.body.From, '+14155550199');
  assert.ok(digits(out.body.Body).includes(t.ref), `ack body ${out.body.Body}`);
  assert.equal(out.body.StatusCallback, 'http://hilo.test/webhooks/twilio/status');
  await sleep(300);
  assert.equal(fake.twilio.filter((r) => r.body.To === from).length, 1);
  assert.deepEqual(fake.rejected, []);
  const seen = (await redis.cli('--scan', '--pattern', `hilo:seen:*:${p.MessageSid}`)).split('\n').filter(Boolean);
  assert.equal(seen.length, 1);
  await a.close();
}));

test('signatures: missing 401, wrong token / wrong URL / tampered param 403, nothing stored', withLogs(async () => {
  const p = smsParams(newPhone(), 'unsigned');
  const before = await redisKeys(redis);
  const sends = fake.attempts.twilio.length;
  assert.equal((await twPost(hilo, '/webhooks/twilio/messaging', p, { signature: null })).status, 401);
  assert.equal((await twPost(hilo, '/webhooks/twilio/messaging', p, { token: 'wrong-token' })).status, 403);
  // Signed for the loopback URL instead of the public URL.
  assert.equal((await twPost(hilo, '/webhooks/twilio/messaging', p, { signature: twSign(fake.config.twilioToken, `${hilo.url}/webhooks/twilio/messaging`, p) })).status, 403);
  // Signed, then a parameter changed.
  const sig = twSign(fake.config.twilioToken, 'http://hilo.test/webhooks/twilio/messaging', p);
  assert.equal((await twPost(hilo, '/webhooks/twilio/messaging', { ...p, Body: 'tampered' }, { signature: sig })).status, 403);
  // Signed for another path.
  assert.equal((await twPost(hilo, '/webhooks/twilio/status', p, { signature: sig })).status, 403);
  await sleep(300);
  assert.deepEqual(await redisKeys(redis), before);
  assert.equal(fake.attempts.twilio.length, sends);
}));

test('malformed: a signed body without From / MessageSid is 400, nothing stored', withLogs(async () => {
  const before = await redisKeys(redis);
  const r = await twPost(hilo, '/webhooks/twilio/messaging', { Body: 'who am I', AccountSid: fake.config.twilioSid });
  assert.equal(r.status, 400);
  assert.deepEqual(await redisKeys(redis), before);
}));

test('duplicate MessageSid: 200 twice, stored once, one ack', withLogs(async () => {
  const a = await watcher();
  const from = newPhone();
  const p = smsParams(from, 'twice delivered sms');
  assert.equal((await twPost(hilo, '/webhooks/twilio/messaging', p)).status, 200);
  const ref = (await a.next(isTicket((x) => x.last_text === p.Body))).ticket.ref;
  const again = await twPost(hilo, '/webhooks/twilio/messaging', p);
  assert.equal(again.status, 200);
  assert.match(again.body.trim(), EMPTY_TWIML);
  await sleep(500);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.events.filter((e) => e.kind === 'message').length, 1);
  await fake.waitFor(fake.twilio, (r) => r.body.To === from);
  assert.equal(fake.twilio.filter((r) => r.body.To === from).length, 1);
  await a.close();
}));

test('agent reply by SMS: one Messages request, delivery sent with the SM sid; status callbacks delivered, late sent ignored', withLogs(async () => {
  const a = await watcher();
  const from = newPhone();
  const p = smsParams(from, 'sms reply test');
  await twPost(hilo, '/webhooks/twilio/messaging', p);
  const ref = (await a.next(isTicket((x) => x.last_text === p.Body))).ticket.ref;
  await fake.waitFor(fake.twilio, (r) => r.body.To === from);
  await a.request({ type: 'ticket.open', ticket: ref });
  const n0 = fake.attempts.twilio.length;
  a.send({ type: 'reply', ticket: ref, client_id: 'r-sms', text: 'Your parcel ships today ✓' });
  const E = (await a.next((f) => f.type === 'ack' && f.client_id === 'r-sms')).event_id;
  await a.next(isDelivery(E, 'queued'));
  const sent = await a.next(isDelivery(E, 'sent'), 5000);
  const [req] = await fake.waitFor(fake.twilio, (r) => r.body.To === from && r.body.Body === 'Your parcel ships today ✓');
  assert.equal(fake.attempts.twilio.length - n0, 1);
  assert.match(req.providerId, /^SM[0-9a-f]{32}$/);
  assert.deepEqual(pick(sent), { type: 'delivery', ticket: ref, event_id: E, channel: 'sms', status: 'sent',
    provider_id: req.providerId, error: '', attempts: 1, to: from });
  assert.equal(req.body.From, '+14155550199');
  assert.equal(req.body.StatusCallback, 'http://hilo.test/webhooks/twilio/status');

  const cb = (status) => twPost(hilo, '/webhooks/twilio/status', {
    SmsSid: req.providerId, SmsStatus: status, MessageStatus: status, To: from, MessageSid: req.providerId,
    AccountSid: fake.config.twilioSid, From: '+14155550199', ApiVersion: '2010-04-01',
  });
  const r1 = await cb('delivered');
  assert.equal(r1.status, 200);
  assert.match(r1.body.trim(), EMPTY_TWIML);
  const d = await a.next(isDelivery(E, 'delivered'));
  assert.equal(d.provider_id, req.providerId);
  assert.equal((await cb('sent')).status, 200);
  await a.none(isDelivery(E), 600);
  assert.equal(JSON.parse(await redis.cli('HGET', `hilo:{t:${ref}}:dl`, E)).status, 'delivered');
  // A status callback without a signature is refused.
  assert.equal((await twPost(hilo, '/webhooks/twilio/status', { MessageSid: req.providerId, MessageStatus: 'read' }, { signature: null })).status, 401);
  await a.close();
}));

test('WhatsApp via Twilio: From=whatsapp:+… lands as channel whatsapp; ack goes back through Twilio WhatsApp', withLogs(async () => {
  const a = await watcher();
  const phone = newPhone();
  const p = waParams(phone, 'hola desde whatsapp twilio');
  const res = await twPost(hilo, '/webhooks/twilio/messaging', p);
  assert.equal(res.status, 200);
  assert.match(res.body.trim(), EMPTY_TWIML);
  const t = (await a.next(isTicket((x) => x.last_text === p.Body))).ticket;
  assert.equal(t.channel, 'whatsapp');
  const th = await a.request({ type: 'ticket.open', ticket: t.ref });
  assert.deepEqual(th.events.filter((e) => e.kind === 'message').map((e) => e.channel), ['whatsapp']);
  assert.ok(th.customer.identities.includes(`phone:${phone}`), JSON.stringify(th.customer.identities));
  const [out] = await fake.waitFor(fake.twilio, (r) => r.body.To === `whatsapp:${phone}`);
  assert.equal(out.body.From, 'whatsapp:+14155238886');
  assert.ok(digits(out.body.Body).includes(t.ref));
  // The same person by SMS is the same phone identity: joins the open ticket.
  const s = smsParams(phone, 'same person by sms');
  assert.equal((await twPost(hilo, '/webhooks/twilio/messaging', s)).status, 200);
  const ev = (await a.next(isEv('message', (e) => e.text === s.Body))).event;
  assert.equal(ev.ticket, t.ref);
  assert.equal(ev.channel, 'sms');
  await a.close();
}));

test('a channel without options answers 404 (Cloud API webhooks not configured here)', withLogs(async () => {
  const g = await httpGet(`${hilo.url}/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1&hub.verify_token=vt`);
  assert.equal(g.status, 404);
  const before = await redisKeys(redis);
  const p = await waPost(hilo, waEnvelope([waMessages([{ from: '16505550001', text: 'x' }])]));
  assert.equal(p.status, 404);
  assert.deepEqual(await redisKeys(redis), before);
}));

test('Redis down: 503; Twilio\'s retry after Redis is back is stored', withLogs(async () => {
  const from = newPhone();
  const p = smsParams(from, 'sms during outage');
  await redis.stop();
  try {
    assert.equal((await twPost(hilo, '/webhooks/twilio/messaging', p)).status, 503);
  } finally {
    await redis.restart();
  }
  const r = await retryWhile503(() => twPost(hilo, '/webhooks/twilio/messaging', p));
  assert.equal(r.status, 200);
  await fake.waitFor(fake.twilio, (x) => x.body.To === from, 1, 8000);
  const a = await watcher();
  const q = await a.request({ type: 'queue.watch' });
  const t = q.tickets.find((x) => x.last_text === p.Body);
  assert.ok(t);
  assert.equal(t.channel, 'sms');
  await a.close();
}));
