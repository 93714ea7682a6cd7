// Issue #12: a provider timeout is "unknown", not "failed" (docs/delivery.md
// "Timeouts: unknown outcomes"). The fake provider takes the message and
// stays silent beyond --http-timeout-ms. Twilio: the next attempt lists the
// messages sent to that number and finds it: each reply accepted exactly
// once. WhatsApp Cloud API (no look-up): sent again after the full retry
// delay and counted as a possible duplicate. Email: sent again with the same
// Message-ID. /metrics counts every uncertain send.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs, httpGet, sleep, advanceClock } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, waStatuses, twPost, newSid, mgPost, mgEmail, isDelivery, isTicket,
} from '../lib/fake-provider.mjs';

const TIMEOUT = 1000, BACKOFF = 400;
let redis, fake, hilo, anaPw;
let seq = 0;
const phone = () => `+1650777${String(5000 + (++seq)).padStart(4, '0')}`;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake, { timeoutMs: TIMEOUT, backoffMs: BACKOFF, attempts: 6 }) });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(async () => { await cleanup(); await fake?.close(); });

async function send(a, ref, text, channel) {
  const cid = `c-${++seq}`;
  a.send({ type: 'reply', ticket: ref, client_id: cid, text, channel });
  const ack = await a.next((f) => (f.type === 'ack' || f.type === 'error') && f.client_id === cid);
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  return ack.event_id;
}
async function waitUntil(check, what, ms = 20000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
async function metrics() {
  const body = (await httpGet(hilo.url + '/metrics')).body;
  const get = (re) => Number(re.exec(body)?.[1] ?? NaN);
  return {
    unknown: get(/^hilo_outbox_unknown_total (\d+)$/m),
    found: get(/^hilo_outbox_lookups_total\{result="found"\} (\d+)$/m),
    absent: get(/^hilo_outbox_lookups_total\{result="absent"\} (\d+)$/m),
    maybeDup: get(/^hilo_outbox_possible_duplicates_total (\d+)$/m),
  };
}

test('Twilio silent beyond the timeout for 4 replies: each accepted exactly once (found by the look-up), metrics count them', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const from = phone();
  const sid = newSid();
  assert.equal((await twPost(hilo, '/webhooks/twilio/messaging', {
    MessageSid: sid, SmsSid: sid, AccountSid: fake.config.twilioSid, From: from, To: '+14155550199', Body: 'unknown sms hello', NumMedia: '0',
  })).status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === 'unknown sms hello'))).ticket.ref;
  await fake.waitFor(fake.twilio, (r) => r.body.To === from); // the acknowledgement
  await a.request({ type: 'ticket.open', ticket: ref });
  const m0 = await metrics();

  const N = 4;
  fake.silent('twilio', N);
  const texts = Array.from({ length: N }, (_, i) => `silent reply ${i + 1} ${Date.now()}`);
  const events = [];
  for (const t of texts) events.push(await send(a, ref, t, 'sms'));
  const sent = [];
  for (const E of events) sent.push(await a.next(isDelivery(E, 'sent'), 20000));
  await sleep(TIMEOUT + 2 * BACKOFF); // time for any second send to show up
  for (let i = 0; i < N; i++) {
    const accepted = fake.twilio.filter((r) => r.body.Body === texts[i]);
    assert.equal(accepted.length, 1, `"${texts[i]}" accepted ${accepted.length} times`);
    assert.equal(sent[i].provider_id, accepted[0].providerId, 'the delivery carries the sid the look-up found');
  }
  const lookups = fake.twilioLookups.filter((r) => r.body.To === from);
  assert.ok(lookups.length >= N, `${lookups.length} look-ups`);
  assert.ok(lookups.every((r) => r.body.From === '+14155550199'));
  const m = await metrics();
  assert.equal(m.unknown - m0.unknown, N);
  assert.equal(m.found - m0.found, N);
  assert.equal(m.maybeDup - m0.maybeDup, 0);
  await a.close();
}));

test('Twilio times out without having the message: the look-up finds nothing, it is sent once more', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const from = phone();
  const sid = newSid();
  assert.equal((await twPost(hilo, '/webhooks/twilio/messaging', {
    MessageSid: sid, SmsSid: sid, AccountSid: fake.config.twilioSid, From: from, To: '+14155550199', Body: 'lost sms hello', NumMedia: '0',
  })).status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === 'lost sms hello'))).ticket.ref;
  await fake.waitFor(fake.twilio, (r) => r.body.To === from);
  await a.request({ type: 'ticket.open', ticket: ref });
  const m0 = await metrics();
  fake.hang('twilio'); // takes nothing, answers nothing
  const text = `hung reply ${Date.now()}`;
  const E = await send(a, ref, text, 'sms');
  await fake.waitFor(fake.attempts.twilio, (r) => r.body.Body === text);
  fake.heal('twilio');
  const d = await a.next(isDelivery(E, 'sent'), 20000);
  assert.equal(fake.twilio.filter((r) => r.body.Body === text).length, 1);
  assert.equal(d.provider_id, fake.twilio.find((r) => r.body.Body === text).providerId);
  const m = await metrics();
  assert.ok(m.unknown - m0.unknown >= 1);
  assert.ok(m.absent - m0.absent >= 1);
  assert.equal(m.found - m0.found, 0);
  await a.close();
}));

test('Twilio: the same text twice, the second times out unaccepted: the look-up does not take the first for it', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const from = phone();
  const sid = newSid();
  assert.equal((await twPost(hilo, '/webhooks/twilio/messaging', {
    MessageSid: sid, SmsSid: sid, AccountSid: fake.config.twilioSid, From: from, To: '+14155550199', Body: 'twice sms hello', NumMedia: '0',
  })).status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === 'twice sms hello'))).ticket.ref;
  await fake.waitFor(fake.twilio, (r) => r.body.To === from);
  await a.request({ type: 'ticket.open', ticket: ref });
  const text = `ok ${Date.now()}`;
  const E1 = await send(a, ref, text, 'sms');
  const d1 = await a.next(isDelivery(E1, 'sent'), 10000);
  fake.hang('twilio');
  const E2 = await send(a, ref, text, 'sms');
  await fake.waitFor(fake.attempts.twilio, (r) => r.body.Body === text, 2);
  fake.heal('twilio');
  const d2 = await a.next(isDelivery(E2, 'sent'), 20000);
  const accepted = fake.twilio.filter((r) => r.body.Body === text);
  assert.equal(accepted.length, 2, 'both replies reached the customer');
  assert.notEqual(d2.provider_id, d1.provider_id);
  assert.deepEqual(new Set([d1.provider_id, d2.provider_id]), new Set(accepted.map((r) => r.providerId)));
  assert.ok(fake.twilioLookups.some((r) => r.body.To === from), 'looked up');
  await a.close();
}));

test('WhatsApp Cloud API (no look-up): sent again after the full retry delay, counted as a possible duplicate', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const num = phone().slice(1);
  assert.equal((await waPost(hilo, waEnvelope([waMessages([{ from: num, text: 'unknown wa hello' }])]))).status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === 'unknown wa hello'))).ticket.ref;
  await fake.waitFor(fake.whatsapp, (r) => r.body.to.replace(/^\+/, '') === num);
  await a.request({ type: 'ticket.open', ticket: ref });
  const m0 = await metrics();
  fake.silent('whatsapp', 1);
  const text = `silent wa ${Date.now()}`;
  const E = await send(a, ref, text, 'whatsapp');
  await a.next(isDelivery(E, 'sent'), 20000);
  const tries = fake.whatsapp.filter((r) => r.body.text?.body === text);
  assert.equal(tries.length, 2, 'the Graph API cannot be asked: it is sent again');
  assert.ok(tries[1].at - tries[0].at >= TIMEOUT + BACKOFF * 0.8 - 50, `second try ${tries[1].at - tries[0].at} ms after the first`);
  const m = await metrics();
  assert.equal(m.unknown - m0.unknown, 1);
  assert.equal(m.maybeDup - m0.maybeDup, 1);
  await a.close();
}));

test('email: the SMTP server silent after DATA; sent again with the same Message-ID', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const mail = mgEmail({ from: 'Eve <eve@example.net>', subject: 'unknown mail', text: 'unknown mail hello' });
  assert.equal((await mgPost(hilo, mail.fields)).status, 200);
  const ref = (await a.next(isTicket((t) => (t.last_text ?? '').includes('unknown mail hello')))).ticket.ref;
  await fake.waitFor(fake.mails, (m) => m.envelope.rcptTo.includes('eve@example.net'));
  await a.request({ type: 'ticket.open', ticket: ref });
  const m0 = await metrics();
  fake.silent('smtp', 1);
  const text = `silent mail ${Date.now()}`;
  const E = await send(a, ref, text, 'email');
  await a.next(isDelivery(E, 'sent'), 20000);
  const got = fake.mails.filter((m) => m.parsed?.text?.includes(text));
  assert.equal(got.length, 2);
  assert.ok(got[0].parsed.messageId, 'a Message-ID');
  assert.equal(got[1].parsed.messageId, got[0].parsed.messageId, 'the same Message-ID: mail clients show one message');
  const m = await metrics();
  assert.equal(m.unknown - m0.unknown, 1);
  await a.close();
}));

test('WhatsApp: a status webhook for the timed-out message (biz_opaque_callback_data) marks it sent; the retry is dropped', withLogs(async () => {
  // its own Redis, a long backoff and the fake clock: the retry waits until the clock is moved
  const redis2 = await startRedis();
  const h2 = await startHilo({ redisUrl: redis2.url, args: [...channelArgs(fake, { timeoutMs: TIMEOUT, backoffMs: 60000, attempts: 6 }), '--test-clock', '1'] });
  const pw = await addAgent(h2, 'bea', { display: 'Bea' });
  const a = await agent(h2, 'bea', pw);
  await a.request({ type: 'queue.watch' });
  const num = phone().slice(1);
  assert.equal((await waPost(h2, waEnvelope([waMessages([{ from: num, text: 'marked wa hello' }])]))).status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === 'marked wa hello'))).ticket.ref;
  await fake.waitFor(fake.whatsapp, (r) => r.body.to.replace(/^\+/, '') === num);
  await a.request({ type: 'ticket.open', ticket: ref });
  fake.silent('whatsapp', 1);
  const text = `marked wa ${Date.now()}`;
  const E = await send(a, ref, text, 'whatsapp');
  const [req] = await fake.waitFor(fake.whatsapp, (r) => r.body.text?.body === text);
  assert.equal(req.body.biz_opaque_callback_data, `hilo:${ref}:${E}`);
  // Meta's "sent" status for it, signed, echoing the marker
  const st = waEnvelope([waStatuses([{ id: req.providerId, status: 'sent', recipient_id: num, biz_opaque_callback_data: req.body.biz_opaque_callback_data }])]);
  assert.equal((await waPost(h2, st)).status, 200);
  const d = await a.next(isDelivery(E, 'sent'), 10000);
  assert.equal(d.provider_id, req.providerId);
  // the send times out: its retry waits (unknown outcome)
  await waitUntil(async () => await redis2.cli('ZCARD', 'hilo:{ob}:due') === '1', 'the retry scheduled');
  assert.match(JSON.parse(await redis2.cli('ZRANGE', 'hilo:{ob}:due', '0', '0')).unk ?? '', /^1$/);
  // the whole backoff passes: the retry is taken, finds the delivery sent, and is dropped
  await advanceClock(h2, 60000 * 1.2 + 1000);
  await waitUntil(async () => await redis2.cli('ZCARD', 'hilo:{ob}:due') === '0'
    && await redis2.cli('XLEN', 'hilo:{ob}:q') === '0', 'the retry taken and settled');
  await sleep(300);
  assert.equal(fake.whatsapp.filter((r) => r.body.text?.body === text).length, 1);
  assert.equal(JSON.parse(await redis2.cli('HGET', `hilo:{t:${ref}}:dl`, E)).status, 'sent');
  assert.equal(await redis2.cli('XLEN', 'hilo:{ob}:q'), '0');
  assert.equal(await redis2.cli('ZCARD', 'hilo:{ob}:due'), '0');
  const body = (await httpGet(h2.url + '/metrics')).body;
  assert.match(body, /^hilo_outbox_unknown_total 1$/m);
  assert.match(body, /^hilo_outbox_possible_duplicates_total 0$/m);
  await a.close();
}));
