// Outbox (docs/delivery.md "Replies go out through the outbox"): retries on
// 5xx and 429 (Retry-After honoured), permanent errors and exhausted attempts
// -> failed + dead letters, delivery.retry. Hilo runs with
// --outbox-attempts 3 --outbox-backoff-ms 200 --http-timeout-ms 1500.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs, sleep } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, twPost, newSid, isDelivery, isTicket, loginCookie,
} from '../lib/fake-provider.mjs';

let redis, fake, hilo, anaPw, cookie;
let phoneSeq = 0;
const newPhone = () => `1650777${String(4000 + (++phoneSeq)).padStart(4, '0')}`;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake) });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  cookie = await loginCookie(hilo, 'ana', anaPw);
});
after(async () => { await cleanup(); await fake?.close(); });

const toNum = (r) => r.body.to.replace(/^\+/, '');

// A WhatsApp ticket whose ack has already gone out; the agent has it open.
async function setup() {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const num = newPhone();
  const text = `outbox ${num}`;
  assert.equal((await waPost(hilo, waEnvelope([waMessages([{ from: num, text }])]))).status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === text))).ticket.ref;
  await fake.waitFor(fake.whatsapp, (r) => toNum(r) === num);
  await a.request({ type: 'ticket.open', ticket: ref });
  return { a, num, ref };
}
async function reply(a, ref, text, cid) {
  a.send({ type: 'reply', ticket: ref, client_id: cid, text, channel: 'whatsapp' });
  const ack = await a.next((f) => f.type === 'ack' && f.client_id === cid || f.type === 'error' && f.client_id === cid);
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  return ack.event_id;
}
const attemptsFor = (text) => fake.attempts.whatsapp.filter((r) => r.body?.text?.body === text);
async function dead() {
  const res = await fetch(hilo.url + '/api/v1/outbox/dead', { headers: { cookie } });
  const body = await res.text();
  return { status: res.status, body };
}

test('500 once: retried, then sent; exactly 2 requests; the intermediate delivery shows the attempt and error', withLogs(async () => {
  const { a, ref } = await setup();
  fake.fail('whatsapp', 1, 500);
  const text = 'retry after a 500';
  const E = await reply(a, ref, text, 'o-500');
  const sent = await a.next(isDelivery(E, 'sent'), 8000);
  assert.equal(sent.attempts, 2);
  assert.equal(sent.error, '');
  assert.match(sent.provider_id, /^wamid\./);
  const frames = a.frames.filter(isDelivery(E));
  const mid = frames.find((f) => f.status !== 'sent' && f.attempts >= 1 && f.error);
  assert.ok(mid, `no delivery frame with the failed attempt: ${JSON.stringify(frames)}`);
  assert.ok(mid.error.length > 0);
  await sleep(500);
  assert.equal(attemptsFor(text).length, 2);
  assert.equal(fake.whatsapp.filter((r) => r.body.text?.body === text).length, 1);
  assert.equal(sent.provider_id, fake.whatsapp.find((r) => r.body.text?.body === text).providerId);
  await a.close();
}));

test('429 with Retry-After: 1 is honoured (next attempt >= ~1 s later), then sent', withLogs(async () => {
  const { a, ref } = await setup();
  fake.rateLimit('whatsapp', 1, 1);
  const text = 'retry after a 429';
  const E = await reply(a, ref, text, 'o-429');
  const sent = await a.next(isDelivery(E, 'sent'), 8000);
  assert.equal(sent.attempts, 2);
  const [first, second] = attemptsFor(text);
  assert.equal(first.answer.status, 429);
  const gap = second.at - first.at;
  assert.ok(gap >= 950, `second attempt ${gap} ms after the 429 (Retry-After: 1, backoff 200 ms)`);
  assert.ok(gap < 4000, `second attempt ${gap} ms later`);
  await a.close();
}));

test('permanent error 131047: failed with the reason, in the dead letters; delivery.retry after healing -> sent', withLogs(async () => {
  const { a, ref, num } = await setup();
  fake.permanent('whatsapp');
  try {
  const text = 'outside the window';
  const E = await reply(a, ref, text, 'o-perm');
  const failed = await a.next(isDelivery(E, 'failed'), 8000);
  assert.equal(failed.attempts, 1, 'a permanent error is not retried');
  assert.match(failed.error, /131047|Re-engagement/);
  assert.equal(failed.to, `+${num}`);
  await sleep(600);
  assert.equal(attemptsFor(text).length, 1);
  const dl = JSON.parse(await redis.cli('HGET', `hilo:{t:${ref}}:dl`, E));
  assert.equal(dl.status, 'failed');
  assert.match(dl.error, /131047|Re-engagement/);
  assert.ok(Number(await redis.cli('ZCARD', 'hilo:{ob}:dead')) >= 1);
  const d = await dead();
  assert.equal(d.status, 200, d.body);
  assert.ok(d.body.includes(E) && d.body.includes(ref), `dead letters lack ${ref} ${E}: ${d.body}`);
  const noCookie = await fetch(hilo.url + '/api/v1/outbox/dead');
  await noCookie.text();
  assert.equal(noCookie.status, 401);

  fake.heal('whatsapp');
  const ok = await a.request({ type: 'delivery.retry', ticket: ref, event_id: E });
  assert.equal(ok.type, 'ok', JSON.stringify(ok));
  const sent = await a.next(isDelivery(E, 'sent'), 8000);
  assert.match(sent.provider_id, /^wamid\./);
  assert.equal(sent.error, '');
  assert.equal(fake.whatsapp.filter((r) => r.body.text?.body === text).length, 1);
  assert.equal(JSON.parse(await redis.cli('HGET', `hilo:{t:${ref}}:dl`, E)).status, 'sent');
  } finally {
    fake.heal('whatsapp');
  }
  await a.close();
}));

test('every attempt fails: failed after exactly --outbox-attempts (3) requests, dead-lettered', withLogs(async () => {
  const { a, ref } = await setup();
  fake.fail('whatsapp', 10, 503);
  const text = 'never gets through';
  try {
    const E = await reply(a, ref, text, 'o-all');
    const failed = await a.next(isDelivery(E, 'failed'), 10000);
    assert.equal(failed.attempts, 3);
    assert.ok(failed.error.length > 0, 'the last error is shown');
    await sleep(1000);
    assert.equal(attemptsFor(text).length, 3);
    const d = await dead();
    assert.ok(d.body.includes(E), d.body);
  } finally {
    fake.heal('whatsapp');
  }
  await a.close();
}));

test('a provider that hangs: the attempt times out (--http-timeout-ms) and is retried', withLogs(async () => {
  const { a, ref } = await setup();
  fake.hang('whatsapp');
  const text = 'slow provider';
  let E;
  try {
    E = await reply(a, ref, text, 'o-hang');
    await fake.waitFor(fake.attempts.whatsapp, (r) => r.body?.text?.body === text);
    await sleep(200);
  } finally {
    fake.heal('whatsapp');
  }
  const sent = await a.next(isDelivery(E, 'sent'), 8000);
  assert.ok(sent.attempts >= 2);
  const [first, second] = attemptsFor(text);
  assert.ok(second.at - first.at >= 1400, `retried ${second.at - first.at} ms after the hung attempt (timeout 1500 ms)`);
  await a.close();
}));

test('Twilio permanent 21211: failed with the provider reason', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const from = `+1415777${String(5000 + (++phoneSeq)).padStart(4, '0')}`;
  const sid = newSid();
  assert.equal((await twPost(hilo, '/webhooks/twilio/messaging', { MessageSid: sid, SmsSid: sid, AccountSid: fake.config.twilioSid,
    From: from, To: '+14155550199', Body: 'sms for permanent', NumMedia: '0' })).status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === 'sms for permanent'))).ticket.ref;
  await fake.waitFor(fake.twilio, (r) => r.body.To === from);
  await a.request({ type: 'ticket.open', ticket: ref });
  fake.permanent('twilio');
  try {
    a.send({ type: 'reply', ticket: ref, client_id: 'o-tw', text: 'bad number', channel: 'sms' });
    const E = (await a.next((f) => f.type === 'ack' && f.client_id === 'o-tw')).event_id;
    const failed = await a.next(isDelivery(E, 'failed'), 8000);
    assert.equal(failed.channel, 'sms');
    assert.equal(failed.attempts, 1);
    assert.match(failed.error, /21211|not a valid phone number/);
  } finally {
    fake.heal('twilio');
  }
  await a.close();
}));
