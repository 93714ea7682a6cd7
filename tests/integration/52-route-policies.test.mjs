// The closed WhatsApp window by policy (docs/continuity.md "Routing at send
// time", docs/channels/whatsapp.md): a free-form reply written after the
// window closed is never silently lost. hold: kept, and sent free-form when
// the customer writes again (genuinely signed webhook); fallback: the next
// route (SMS to the proven number); on Twilio a template goes by ContentSid.
// Fake clock, fake Graph and Twilio APIs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs, advanceClock, sleep } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, newWamid, twPost, newSid,
  isTicket, isDelivery,
} from '../lib/fake-provider.mjs';

let redis, fake;
let seq = 0;
const newPhone = () => `1650333${String(1000 + (++seq)).padStart(4, '0')}`;
const toNum = (r) => String(r.body.to ?? r.body.To ?? '').replace(/^(whatsapp:)?\+?/, '');
const H = 3600 * 1000;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
});
after(async () => { await cleanup(); await fake?.close(); });

async function hub(extra, only) {
  const prefix = `p${++seq}`;
  const hilo = await startHilo({
    redisUrl: redis.url, prefix,
    args: [...channelArgs(fake, only ? { only } : {}), '--test-clock', '1', '--session-ttl', '604800', ...extra],
  });
  const pw = await addAgent(hilo, 'tere', { display: 'Tere', prefix });
  const a = await agent(hilo, 'tere', pw);
  await a.request({ type: 'queue.watch' });
  return { hilo, a, prefix };
}

async function waTicket(hilo, a, text) {
  const num = newPhone();
  assert.equal((await waPost(hilo, waEnvelope([waMessages([{ from: num, id: newWamid(), text }])]))).status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === text))).ticket.ref;
  await a.request({ type: 'ticket.open', ticket: ref });
  await fake.waitFor(fake.whatsapp, (r) => toNum(r) === num && r.body.type === 'text');
  return { num, ref };
}
const eventOf = async (a, cid) => (await a.next((f) => f.type === 'event' && f.event.client_id === cid, 8000)).event;

test('hold: a reply after the window closed is held, then sent free-form when the customer writes again', withLogs(async () => {
  const { hilo, a, prefix } = await hub(['--wa-closed-policy', 'hold']);
  const { num, ref } = await waTicket(hilo, a, 'hola (hold)');
  await advanceClock(hilo, 26 * H);
  a.send({ type: 'reply', ticket: ref, client_id: 'h1', text: 'Tu reembolso está listo' });
  const ev = await eventOf(a, 'h1');
  assert.equal(ev.channel, 'whatsapp');
  assert.equal(ev.route.code, 'wa_held');
  assert.equal(ev.route.held, true);
  assert.match(ev.route.reason, /whatsapp window closed 2 h ago, held until the customer writes again/);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.events.find((e) => e.id === ev.id).delivery.status, 'held');
  assert.equal(Number(await redis.cli('LLEN', `${prefix}:waheld:+${num}`)), 1);
  await sleep(500);
  assert.equal(fake.whatsapp.filter((r) => r.body.text?.body === 'Tu reembolso está listo').length, 0, 'not sent while closed');

  // the customer writes again: the window opens and the held reply goes
  assert.equal((await waPost(hilo, waEnvelope([waMessages([{ from: num, id: newWamid(), text: '¿novedades?' }])]))).status, 200);
  const [sent] = await fake.waitFor(fake.whatsapp, (r) => toNum(r) === num && r.body.text?.body === 'Tu reembolso está listo');
  assert.equal(sent.body.type, 'text');
  const d = await a.next(isDelivery(ev.id, 'sent'), 8000);
  assert.equal(d.route.code, 'wa_released');
  assert.equal(Number(await redis.cli('LLEN', `${prefix}:waheld:+${num}`)), 0);
  await a.close();
}));

test('fallback: with the window closed the reply takes the next route, SMS to the proven number', withLogs(async () => {
  const { hilo, a } = await hub(['--wa-closed-policy', 'fallback', '--wa-template-update', 'case_update:es']);
  const { num, ref } = await waTicket(hilo, a, 'hola (fallback)');
  await advanceClock(hilo, 30 * H);
  a.send({ type: 'reply', ticket: ref, client_id: 'f1', text: 'Te respondemos por SMS' });
  const ev = await eventOf(a, 'f1');
  assert.equal(ev.channel, 'sms');
  assert.equal(ev.route.code, 'sms');
  assert.match(ev.route.reason, /whatsapp window closed 6 h ago/);
  const [sms] = await fake.waitFor(fake.twilio, (r) => r.body.Body === 'Te respondemos por SMS');
  assert.equal(sms.body.To, `+${num}`);
  assert.equal(fake.whatsapp.filter((r) => toNum(r) === num && r.body.type === 'template').length, 0, 'no template by policy');
  await a.close();
}));

test('Twilio WhatsApp outside the window: the template goes by ContentSid with the text as a variable', withLogs(async () => {
  const { hilo, a } = await hub(['--wa-template-update', 'HX0123456789abcdef0123456789abcdef:es:ref,text'], ['twilio']);
  const phone = '+' + newPhone();
  const sid = newSid();
  const p = {
    SmsMessageSid: sid, NumMedia: '0', ProfileName: 'Pat', MessageType: 'text', SmsSid: sid, WaId: phone.slice(1),
    SmsStatus: 'received', Body: 'hola por twilio', To: 'whatsapp:+14155238886', NumSegments: '1',
    ReferralNumMedia: '0', MessageSid: sid, AccountSid: fake.config.twilioSid, From: `whatsapp:${phone}`, ApiVersion: '2010-04-01',
  };
  assert.equal((await twPost(hilo, '/webhooks/twilio/messaging', p)).status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === 'hola por twilio'))).ticket.ref;
  await a.request({ type: 'ticket.open', ticket: ref });
  await fake.waitFor(fake.twilio, (r) => r.body.To === `whatsapp:${phone}`); // the ack
  await advanceClock(hilo, 25 * H);
  a.send({ type: 'reply', ticket: ref, client_id: 't1', text: 'Actualización del caso' });
  const ev = await eventOf(a, 't1');
  assert.equal(ev.route.code, 'wa_template');
  const [out] = await fake.waitFor(fake.twilio, (r) => r.body.To === `whatsapp:${phone}` && r.body.ContentSid);
  assert.equal(out.body.ContentSid, 'HX0123456789abcdef0123456789abcdef');
  assert.deepEqual(JSON.parse(out.body.ContentVariables), { 1: ref, 2: 'Actualización del caso' });
  assert.equal(out.body.Body, undefined, 'no free-form body outside the window');
  await a.close();
}));
