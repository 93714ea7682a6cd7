// Issue #10: a call on a known ticket speaks the ticket's language from
// greeting to goodbye, and the call / voicemail / call-ended labels stored
// in the thread follow it too, whatever the caller's number suggests.
// Genuinely signed Twilio webhooks (twilio npm package, fake-provider.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs } from '../lib/harness.mjs';
import { startFakeProvider, channelArgs, twPost, newSid, formatRef, isEv, says, twimlAttr, twimlPath } from '../lib/fake-provider.mjs';

let redis, fake, hilo, anaPw;
before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: [...channelArgs(fake, { only: ['twilio'] }), '--default-locale', 'en'] });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(async () => { await cleanup(); await fake?.close(); });

const callParams = (from, callSid, extra = {}) => ({
  AccountSid: fake.config.twilioSid, ApiVersion: '2010-04-01', CallSid: callSid, CallStatus: 'ringing',
  Called: '+14155550199', Caller: from, Direction: 'inbound', From: from, To: '+14155550199', ...extra,
});
async function sms(from, body) {
  const sid = newSid();
  const r = await twPost(hilo, '/webhooks/twilio/messaging', {
    MessageSid: sid, SmsSid: sid, AccountSid: fake.config.twilioSid, From: from, To: '+14155550199',
    Body: body, NumMedia: '0', NumSegments: '1', SmsStatus: 'received', ApiVersion: '2010-04-01',
  });
  assert.equal(r.status, 200, r.body);
}
// A web ticket in locale, joined by the number (held, then the code).
async function ticketWithPhone(locale, text, from) {
  const c = await customer(hilo, { locale });
  c.send({ type: 'message', client_id: 'w-1', text });
  const ref = (await c.next('ack')).ticket;
  await sms(from, `ref ${formatRef(ref)}`);
  const v = await c.next((f) => f.type === 'verify');
  await sms(from, v.code);
  return { c, ref };
}

async function wholeCall(a, from, ref) {
  const callSid = newSid('CA');
  const res = await twPost(hilo, '/webhooks/twilio/voice', callParams(from, callSid));
  assert.equal(res.status, 200, res.body);
  const call = (await a.next(isEv('call', (e) => e.ticket === ref && e.call_sid === callSid))).event;
  const recPath = twimlPath(twimlAttr(res.body, 'Record', 'action'));
  const rec = await twPost(hilo, recPath, callParams(from, callSid, {
    CallStatus: 'in-progress', RecordingSid: newSid('RE'), RecordingDuration: '7',
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${fake.config.twilioSid}/Recordings/RE0123`,
  }));
  assert.equal(rec.status, 200, rec.body);
  const vm = (await a.next(isEv('voicemail', (e) => e.ticket === ref))).event;
  const st = await twPost(hilo, '/webhooks/twilio/voice/status', callParams(from, callSid, {
    CallStatus: 'completed', CallDuration: '42',
  }));
  assert.equal(st.status, 200, st.body);
  const end = (await a.next(isEv('call', (e) => e.ticket === ref && e.call_sid === callSid && e.call_status === 'completed'))).event;
  return { greeting: res.body, goodbye: rec.body, call, vm, end };
}

test('a Spanish ticket called from a US number: greeting, goodbye and the thread labels in Spanish', withLogs(async () => {
  const from = '+12125550811';
  const { c, ref } = await ticketWithPhone('es', 'Hola, mi pedido no ha llegado', from);
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'ticket.open', ticket: ref });
  const r = await wholeCall(a, from, ref);
  assert.match(says(r.greeting), /Tu caso .* está/, r.greeting);
  assert.match(twimlAttr(r.greeting, 'Say', 'language'), /^es/);
  assert.match(says(r.goodbye), /Gracias\. Hemos recibido tu mensaje/, r.goodbye);
  assert.match(twimlAttr(r.goodbye, 'Say', 'language'), /^es/);
  assert.equal(r.call.text, 'Llamada entrante');
  assert.match(r.vm.text, /^Mensaje de voz \(7 s\)$/);
  assert.match(r.end.text, /^Llamada terminada \(42 s\)$/);
  await Promise.all([a.close(), c.close()]);
}));

test('an English ticket called from a Spanish number: all in English', withLogs(async () => {
  const from = '+34600111811';
  const { c, ref } = await ticketWithPhone('en', 'Hello, my order did not arrive', from);
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'ticket.open', ticket: ref });
  const r = await wholeCall(a, from, ref);
  assert.match(says(r.greeting), /Your ticket .* is/, r.greeting);
  assert.match(twimlAttr(r.greeting, 'Say', 'language'), /^en/);
  assert.match(says(r.goodbye), /Thank you\. We have your message/, r.goodbye);
  assert.equal(r.call.text, 'Incoming call');
  assert.match(r.vm.text, /^Voicemail \(7 s\)$/);
  assert.match(r.end.text, /^Call ended \(42 s\)$/);
  await Promise.all([a.close(), c.close()]);
}));

test('an unknown caller from Spain (default en) opens a Spanish ticket: greeting, label and goodbye in Spanish', withLogs(async () => {
  const from = '+34600111812';
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const callSid = newSid('CA');
  const first = await twPost(hilo, '/webhooks/twilio/voice', callParams(from, callSid));
  assert.equal(first.status, 200, first.body);
  assert.match(says(first.body), /Si tienes un número de caso/);
  assert.equal(twimlAttr(first.body, 'Gather', 'actionOnEmptyResult'), 'true');
  const res = await twPost(hilo, twimlPath(twimlAttr(first.body, 'Gather', 'action')), callParams(from, callSid, { CallStatus: 'in-progress' }));
  assert.equal(res.status, 200, res.body);
  assert.match(says(res.body), /Hemos abierto tu caso/, res.body);
  assert.match(twimlAttr(res.body, 'Say', 'language'), /^es/);
  const t = (await a.next((f) => f.type === 'ticket' && f.ticket.channel === 'voice' && f.ticket.status === 'open')).ticket;
  assert.equal(t.locale, 'es');
  const th = await a.request({ type: 'ticket.open', ticket: t.ref });
  assert.ok(th.events.some((e) => e.kind === 'call' && e.text === 'Llamada entrante'), JSON.stringify(th.events));
  const rec = await twPost(hilo, twimlPath(twimlAttr(res.body, 'Record', 'action')), callParams(from, callSid, {
    CallStatus: 'in-progress', RecordingSid: newSid('RE'), RecordingDuration: '5',
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${fake.config.twilioSid}/Recordings/RE0124`,
  }));
  assert.match(says(rec.body), /Gracias\. Hemos recibido tu mensaje/, rec.body);
  const vm = (await a.next(isEv('voicemail', (e) => e.ticket === t.ref))).event;
  assert.equal(vm.text, 'Mensaje de voz (5 s)');
  await a.close();
}));

test('with surveys on, the rating prompt and its thanks follow the ticket too (Spanish ticket, US number)', withLogs(async () => {
  const h2 = await startHilo({ redisUrl: redis.url, args: [...channelArgs(fake, { only: ['twilio'] }), '--default-locale', 'en', '--survey', '1'] });
  const from = '+12125550813';
  const c = await customer(h2, { locale: 'es' });
  c.send({ type: 'message', client_id: 'w-1', text: 'Hola, quiero cambiar mi dirección' });
  const ref = (await c.next('ack')).ticket;
  const post = (path, params) => twPost(h2, path, params);
  await post('/webhooks/twilio/messaging', { MessageSid: newSid(), AccountSid: fake.config.twilioSid, From: from, To: '+14155550199', Body: `ref ${formatRef(ref)}`, NumMedia: '0' });
  const v = await c.next((f) => f.type === 'verify');
  await post('/webhooks/twilio/messaging', { MessageSid: newSid(), AccountSid: fake.config.twilioSid, From: from, To: '+14155550199', Body: v.code, NumMedia: '0' });
  const a = await agent(h2, 'ana', anaPw);
  const callSid = newSid('CA');
  let res;
  for (const until = Date.now() + 10000; Date.now() < until;) { // the code's SMS joins the case
    res = await post('/webhooks/twilio/voice', callParams(from, callSid));
    if (/<Record\b/.test(res.body)) break;
  }
  assert.match(says(res.body), /Tu caso .* está/, res.body);
  const rec = await post(twimlPath(twimlAttr(res.body, 'Record', 'action')), callParams(from, callSid, {
    CallStatus: 'in-progress', RecordingSid: newSid('RE'), RecordingDuration: '4',
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${fake.config.twilioSid}/Recordings/RE0125`,
  }));
  assert.match(says(rec.body), /valora esta llamada: pulsa del 1 al 5/, rec.body);
  const scored = await post(twimlPath(twimlAttr(rec.body, 'Gather', 'action')), callParams(from, callSid, { CallStatus: 'in-progress', Digits: '4' }));
  assert.match(says(scored.body), /¡Gracias por tu valoración!/, scored.body);
  assert.match(twimlAttr(scored.body, 'Say', 'language'), /^es/);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.ok(th.events.some((e) => e.kind === 'csat' && e.csat === 4), JSON.stringify(th.events.map((e) => e.kind)));
  await Promise.all([a.close(), c.close()]);
}));
