// Issue #10: a permanent failure reported later by a status callback
// (docs/delivery.md "When a message cannot be delivered"). The provider
// accepted the message (sent, with its id); then a signed status webhook says
// it failed: WhatsApp statuses[].status=failed with errors[].code 131047,
// Twilio MessageStatus=undelivered with ErrorCode 30003. The delivery turns
// failed with the reason, agents see an 'undelivered' event live, the ticket
// waits again (a resolution is reopened), the message is a dead letter that
// delivery.retry sends again; a redelivered callback changes nothing; an
// unsigned or wrongly signed one changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs, httpGet, sleep } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, waPost, waSign, waEnvelope, waMessages, waStatuses, twPost, newSid, isDelivery, isTicket,
  isEv, loginCookie,
} from '../lib/fake-provider.mjs';

let redis, fake, hilo, anaPw, cookie;
let seq = 0;
const phone = () => `+1650999${String(1000 + (++seq)).padStart(4, '0')}`;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake) });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  cookie = await loginCookie(hilo, 'ana', anaPw);
});
after(async () => { await cleanup(); await fake?.close(); });

async function deadLetters() {
  const res = await fetch(hilo.url + '/api/v1/outbox/dead', { headers: { cookie } });
  assert.equal(res.status, 200);
  return (await res.json()).dead;
}
async function send(a, type, ref, text, channel) {
  const cid = `c-${++seq}`;
  a.send({ type, ticket: ref, client_id: cid, text, channel });
  const ack = await a.next((f) => (f.type === 'ack' || f.type === 'error') && f.client_id === cid);
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  return ack.event_id;
}
const metric = async (name) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec((await httpGet(hilo.url + '/metrics')).body)?.[1]);

test('WhatsApp: a resolution accepted, then statuses[].failed 131047: dead letter, undelivered event, reopened; retry sends it', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const num = phone();
  assert.equal((await waPost(hilo, waEnvelope([waMessages([{ from: num.slice(1), text: 'async wa hello' }])]))).status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === 'async wa hello'))).ticket.ref;
  await a.request({ type: 'ticket.open', ticket: ref });
  const E = await send(a, 'resolve', ref, 'All fixed, bye', 'whatsapp');
  const sent = await a.next(isDelivery(E, 'sent'), 10000);
  assert.match(sent.provider_id, /^wamid\./);
  await a.next(isTicket((t) => t.ref === ref && t.status === 'resolved' && t.waiting_since === 0));
  assert.deepEqual(await deadLetters(), []);

  const failed = waEnvelope([waStatuses([{
    id: sent.provider_id, status: 'failed', recipient_id: num.slice(1),
    errors: [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message',
      error_data: { details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' } }],
  }])]);
  // not signed / wrongly signed: refused, nothing changes
  const len0 = await redis.cli('XLEN', `hilo:{t:${ref}}:ev`);
  assert.equal((await waPost(hilo, failed, { signature: null })).status, 401);
  assert.equal((await waPost(hilo, failed, { secret: 'not-the-secret' })).status, 403);
  await sleep(300);
  assert.equal(JSON.parse(await redis.cli('HGET', `hilo:{t:${ref}}:dl`, E)).status, 'sent');
  assert.equal(await redis.cli('XLEN', `hilo:{t:${ref}}:ev`), len0, 'no event added');
  assert.equal(await redis.cli('ZCARD', 'hilo:{ob}:dead'), '0');
  assert.equal(await redis.cli('HGET', `hilo:{t:${ref}}:tk`, 'status'), 'resolved');

  // genuinely signed (HMAC-SHA256 with the app secret)
  const raw = JSON.stringify(failed);
  assert.equal((await waPost(hilo, raw, { signature: waSign('appsecret', raw) })).status, 200);
  const d = await a.next(isDelivery(E, 'failed'), 10000);
  assert.match(d.error, /^131047: Re-engagement message/);
  const ev = (await a.next(isEv('undelivered', (e) => e.event_id === E), 10000)).event;
  assert.equal(ev.channel, 'whatsapp');
  assert.match(ev.text, /131047/);
  assert.equal(ev.async, true);
  const reopened = (await a.next(isEv('status', (e) => e.status === 'open' && e.reason === 'undelivered'), 10000)).event;
  assert.equal(reopened.from, 'resolved');
  const tk = (await a.next(isTicket((t) => t.ref === ref && t.status === 'open'), 10000)).ticket;
  assert.ok(tk.waiting_since > 0, 'the customer is waiting again');
  assert.notEqual(tk.last_role, 'agent');
  assert.ok(Number(await redis.cli('ZSCORE', 'hilo:idx:active', ref)) > 0, 'back in the active list');
  let dead = await deadLetters();
  assert.deepEqual(dead.map((x) => [x.ticket, x.event_id, x.channel]), [[ref, E, 'whatsapp']]);
  assert.match(dead[0].error, /131047/);
  // agents who open the ticket later see the event in the thread
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.events.filter((e) => e.kind === 'undelivered' && e.event_id === E).length, 1);
  assert.ok(!th.events.some((e) => e.kind === 'undelivered' && e.author?.role === 'customer'));
  assert.equal(await metric('hilo_outbox_async_failures_total'), 1);

  // the same callback again (providers redeliver): nothing new
  assert.equal((await waPost(hilo, raw, { signature: waSign('appsecret', raw) })).status, 200);
  await sleep(500);
  const th2 = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th2.events.filter((e) => e.kind === 'undelivered').length, 1);
  assert.equal((await deadLetters()).length, 1);
  assert.equal(await metric('hilo_outbox_async_failures_total'), 1);

  // the dead letter can be sent again, as it was (a text with the same body)
  const n0 = fake.whatsapp.filter((r) => r.body.text?.body === 'All fixed, bye').length;
  assert.equal((await a.request({ type: 'delivery.retry', ticket: ref, event_id: E })).type, 'ok');
  const again = await a.next((f) => isDelivery(E, 'sent')(f) && f.provider_id !== sent.provider_id, 10000);
  assert.match(again.provider_id, /^wamid\./);
  // delivered after all: the customer is answered, no longer waiting
  await a.next(isTicket((t) => t.ref === ref && t.waiting_since === 0), 10000);
  assert.equal(fake.whatsapp.filter((r) => r.body.text?.body === 'All fixed, bye').length, n0 + 1);
  assert.deepEqual(await deadLetters(), []);
  // kept for a later failure until it is delivered
  assert.equal(JSON.parse(await redis.cli('HGET', `hilo:{t:${ref}}:obx`, E)).text, 'All fixed, bye');
  assert.equal((await waPost(hilo, waEnvelope([waStatuses([{ id: again.provider_id, status: 'delivered', recipient_id: num.slice(1) }])]))).status, 200);
  await a.next(isDelivery(E, 'delivered'), 10000); // the HDEL went first, on the same connection
  assert.equal(await redis.cli('HEXISTS', `hilo:{t:${ref}}:obx`, E), '0');
  await a.close();
}));

test('Twilio SMS: a reply accepted, then MessageStatus=undelivered ErrorCode=30003: dead letter, undelivered event, waiting again', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const from = phone();
  const sid = newSid();
  assert.equal((await twPost(hilo, '/webhooks/twilio/messaging', {
    MessageSid: sid, SmsSid: sid, AccountSid: fake.config.twilioSid, From: from, To: '+14155550199', Body: 'async sms hello', NumMedia: '0',
  })).status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === 'async sms hello'))).ticket.ref;
  await a.request({ type: 'ticket.open', ticket: ref });
  const E = await send(a, 'reply', ref, 'Your parcel left today', 'sms');
  const sent = await a.next(isDelivery(E, 'sent'), 10000);
  assert.match(sent.provider_id, /^SM[0-9a-f]{32}$/);
  await a.next(isTicket((t) => t.ref === ref && t.waiting_since === 0 && t.last_role === 'agent'));
  const deadBefore = (await deadLetters()).length;
  const failures0 = await metric('hilo_outbox_async_failures_total');

  const params = {
    SmsSid: sent.provider_id, SmsStatus: 'undelivered', MessageStatus: 'undelivered', To: from, MessageSid: sent.provider_id,
    AccountSid: fake.config.twilioSid, From: '+14155550199', ApiVersion: '2010-04-01', ErrorCode: '30003',
  };
  // wrong signature: 403, nothing changes
  assert.equal((await twPost(hilo, '/webhooks/twilio/status', params, { token: 'wrong' })).status, 403);
  await sleep(300);
  assert.equal(JSON.parse(await redis.cli('HGET', `hilo:{t:${ref}}:dl`, E)).status, 'sent');
  // genuine X-Twilio-Signature (the twilio package)
  assert.equal((await twPost(hilo, '/webhooks/twilio/status', params)).status, 200);
  const d = await a.next(isDelivery(E, 'failed'), 10000);
  assert.match(d.error, /^30003/);
  const ev = (await a.next(isEv('undelivered', (e) => e.event_id === E), 10000)).event;
  assert.equal(ev.channel, 'sms');
  const tk = (await a.next(isTicket((t) => t.ref === ref && t.waiting_since > 0), 10000)).ticket;
  assert.equal(tk.status, 'open');
  const dead = await deadLetters();
  assert.equal(dead.length, deadBefore + 1);
  const mine = dead.find((x) => x.event_id === E);
  assert.ok(mine, JSON.stringify(dead));
  assert.equal(mine.channel, 'sms');
  assert.equal(mine.to, from);
  assert.match(mine.error, /30003/);
  // a late "delivered" after the failure is ignored
  assert.equal((await twPost(hilo, '/webhooks/twilio/status', { ...params, MessageStatus: 'delivered', SmsStatus: 'delivered', ErrorCode: '' })).status, 200);
  await sleep(400);
  assert.equal(JSON.parse(await redis.cli('HGET', `hilo:{t:${ref}}:dl`, E)).status, 'failed');
  assert.equal(await metric('hilo_outbox_async_failures_total'), failures0 + 1);
  await a.close();
}));

test('a refusal at send time is reported the same way: undelivered event, the ticket waits again', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const num = phone();
  assert.equal((await waPost(hilo, waEnvelope([waMessages([{ from: num.slice(1), text: 'sync wa hello' }])]))).status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === 'sync wa hello'))).ticket.ref;
  await fake.waitFor(fake.whatsapp, (r) => r.body.to.replace(/^\+/, '') === num.slice(1)); // the ack went out
  await a.request({ type: 'ticket.open', ticket: ref });
  fake.permanent('whatsapp');
  let E;
  try {
    E = await send(a, 'resolve', ref, 'Resolved, outside the window', 'whatsapp');
    await a.next(isDelivery(E, 'failed'), 10000);
  } finally { fake.heal('whatsapp'); }
  const ev = (await a.next(isEv('undelivered', (e) => e.event_id === E), 10000)).event;
  assert.equal(ev.async, false);
  assert.match(ev.text, /131047/);
  const tk = (await a.next(isTicket((t) => t.ref === ref && t.status === 'open' && t.waiting_since > 0), 10000)).ticket;
  assert.equal(tk.status, 'open');
  assert.ok((await deadLetters()).some((x) => x.event_id === E));
  await a.close();
}));
