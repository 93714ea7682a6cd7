// Helpers of the held-join tests (tests/integration/40-44, docs/continuity.md):
// genuinely signed provider webhooks (Meta HMAC, Twilio signatures through
// the twilio package, Mailgun HMAC), REST calls as an agent, and dumps of
// everything Redis holds about a customer or a ticket's public thread.
import assert from 'node:assert/strict';
import { httpGet } from './harness.mjs';
import {
  waPost, waEnvelope, waMessages, newWamid, twPost, newSid, mgPost, mgEmail, isTicket, dammOk,
} from './fake-provider.mjs';

export const TW_TO = '+14155550199';

// A WhatsApp text from wa_id num (digits); returns the webhook answer.
export async function waText(hilo, num, text, { name = 'Mallory Moss', id = newWamid() } = {}) {
  const r = await waPost(hilo, waEnvelope([waMessages([{ from: num, id, text }], { name })]));
  assert.equal(r.status, 200, `whatsapp webhook: ${r.status} ${r.body}`);
  return r;
}

// A Twilio SMS from number from.
export async function smsText(hilo, fake, from, body) {
  const sid = newSid();
  const r = await twPost(hilo, '/webhooks/twilio/messaging', {
    MessageSid: sid, SmsSid: sid, SmsMessageSid: sid, AccountSid: fake.config.twilioSid, From: from, To: TW_TO,
    Body: body, NumMedia: '0', NumSegments: '1', SmsStatus: 'received', ApiVersion: '2010-04-01',
  });
  assert.equal(r.status, 200, `sms webhook: ${r.status} ${r.body}`);
  return r;
}

// A Mailgun-forwarded email.
export async function mail(hilo, { from, to, subject = 'Hello', text }) {
  const m = mgEmail({ from, to, subject, text });
  const r = await mgPost(hilo, m.fields);
  assert.equal(r.status, 200, `email webhook: ${r.status} ${r.body}`);
  return r;
}

export const callParams = (fake, from, callSid, extra = {}) => ({
  AccountSid: fake.config.twilioSid, ApiVersion: '2010-04-01', CallSid: callSid, CallStatus: 'ringing',
  Called: TW_TO, Caller: from, Direction: 'inbound', From: from, FromCountry: 'US', To: TW_TO,
  ToCountry: 'US', ...extra,
});

// A call from `from` keying in digits at the gather; returns {first, res}.
export async function callKeying(hilo, fake, from, digits) {
  const sid = newSid('CA');
  const first = await twPost(hilo, '/webhooks/twilio/voice', callParams(fake, from, sid));
  assert.equal(first.status, 200, first.body);
  const res = await twPost(hilo, '/webhooks/twilio/voice/gather',
    callParams(fake, from, sid, { CallStatus: 'in-progress', Digits: digits, FinishedOnKey: '#' }));
  assert.equal(res.status, 200, res.body);
  return { first, res, sid };
}

// REST as an agent (session cookie) or API key.
export async function api(hilo, method, path, { cookie, key, body } = {}) {
  const h = {};
  if (cookie) h.cookie = cookie;
  if (key) h.authorization = `Bearer ${key}`;
  let b;
  if (body !== undefined) { b = JSON.stringify(body); h['content-type'] = 'application/json'; }
  return httpGet(hilo.url + '/api/v1/' + path, { method, headers: h, body: b });
}

const lines = async (redis, ...a) => (await redis.cli(...a)).split('\n').filter((l) => l !== '');
async function hash(redis, k) {
  const flat = await lines(redis, 'HGETALL', k);
  const o = {};
  for (let i = 0; i + 1 < flat.length; i += 2) o[flat[i]] = flat[i + 1];
  return o;
}

// Everything Redis holds about customer cid: record, identities (with the
// identity -> customer pointers), evidence, tickets.
export async function customerDump(redis, cid) {
  const cu = await hash(redis, `hilo:{c:${cid}}:cu`);
  delete cu.updated_at;
  const ids = (await lines(redis, 'SMEMBERS', `hilo:{c:${cid}}:ids`)).sort();
  const ident = {};
  for (const i of ids) ident[i] = await redis.cli('GET', `hilo:ident:${i}`);
  return {
    cu, ids, ident, idev: await hash(redis, `hilo:{c:${cid}}:idev`),
    tix: await lines(redis, 'ZRANGE', `hilo:{c:${cid}}:tix`, '0', '-1'),
  };
}

// The customer an identity points at ('' for none).
export const identOf = async (redis, identity) => (await redis.cli('GET', `hilo:ident:${identity}`)).trim();

// The thread as a customer could see it (no internal events), for equality.
export async function publicThread(a, ref) {
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.type, 'thread', JSON.stringify(th).slice(0, 300));
  return th.events.filter((e) => !['hold', 'note', 'assign', 'merged', 'unmerged', 'undelivered', 'sla'].includes(e.kind))
    .map((e) => ({ id: e.id, kind: e.kind, channel: e.channel, text: e.text }));
}

// The pending holds agents see.
export async function holds(hilo, cookie) {
  const r = await api(hilo, 'GET', 'holds', { cookie });
  assert.equal(r.status, 200, r.body);
  return r.json.holds;
}

export async function waitFor(fn, what, ms = 8000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The ticket opened by an email from `from` ("Name <addr>"); {ref, cid}.
export async function emailTicket(hilo, a, from, text) {
  await mail(hilo, { from, subject: 'My order', text });
  const t = (await a.next(isTicket((x) => x.last_text === text))).ticket;
  const th = await a.request({ type: 'ticket.open', ticket: t.ref });
  return { ref: t.ref, cid: th.customer.id };
}

// A well-formed reference (Damm check digit) that names no ticket (made up).
export function madeUpRef() {
  const body = String(1000000 + Math.floor(Math.random() * 8999999));
  for (let d = 0; d < 10; d++) if (dammOk(body + d)) return body + d;
  throw new Error('no check digit');
}
