// Twilio Voice (docs/delivery.md "Voice"): known callers hear their reference
// and status in the ticket's language (call event), unknown callers get a
// <Gather>; keyed-in references link the number; recordings/transcriptions
// become voice messages; the status callback records the duration.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs, sleep } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, twPost, newSid, digits, formatRef, redisKeys, isEv, isTicket, says, findRefs, twimlAttr, twimlPath,
} from '../lib/fake-provider.mjs';

let redis, fake, hilo, anaPw;
let phoneSeq = 0;
const newPhone = () => `+1212555${String(3000 + (++phoneSeq)).padStart(4, '0')}`;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake, { only: ['twilio'] }) });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(async () => { await cleanup(); await fake?.close(); });

const callParams = (from, callSid, extra = {}) => ({
  AccountSid: fake.config.twilioSid, ApiVersion: '2010-04-01', CallSid: callSid, CallStatus: 'ringing',
  Called: '+14155550199', Caller: from, Direction: 'inbound', From: from, FromCountry: 'US', To: '+14155550199',
  ToCountry: 'US', ...extra,
});
const isTwiml = (res) => {
  assert.equal(res.status, 200, res.body);
  assert.match(res.headers.get('content-type') ?? '', /^(text|application)\/xml/);
  assert.match(res.body, /<Response[\s>/]/);
};

// Where Twilio posts the keyed-in digits: the <Gather action>.
function gatherPath(xml) {
  const action = twimlAttr(xml, 'Gather', 'action');
  assert.ok(action, `no <Gather action> in ${xml}`);
  const p = twimlPath(action);
  assert.match(p, /^\/webhooks\/twilio\/voice\/gather(\?|$)/);
  return p;
}
// What Twilio does when the caller keys nothing: the <Redirect> after the
// <Gather> if any, else the action itself when actionOnEmptyResult="true".
function noInputPath(xml) {
  const after = String(xml).split(/<\/Gather>/)[1] ?? '';
  const redirect = /<Redirect\b[^>]*>([^<]+)<\/Redirect>/.exec(after);
  if (redirect) return twimlPath(redirect[1].replace(/&amp;/g, '&').trim());
  assert.equal(twimlAttr(xml, 'Gather', 'actionOnEmptyResult'), 'true', `no input would end the call: ${xml}`);
  return gatherPath(xml);
}

async function webTicket(locale, text) {
  const c = await customer(hilo, { locale });
  c.send({ type: 'message', client_id: 'w-1', text });
  const ref = (await c.next('ack')).ticket;
  return { c, ref };
}

async function sms(from, body) {
  const sid = newSid();
  const r = await twPost(hilo, '/webhooks/twilio/messaging', {
    MessageSid: sid, SmsSid: sid, SmsMessageSid: sid, AccountSid: fake.config.twilioSid, From: from, To: '+14155550199',
    Body: body, NumMedia: '0', NumSegments: '1', SmsStatus: 'received', ApiVersion: '2010-04-01',
  });
  assert.equal(r.status, 200);
}

test('unknown caller is asked for a reference with <Gather> posting to /webhooks/twilio/voice/gather', withLogs(async () => {
  const from = newPhone();
  const res = await twPost(hilo, '/webhooks/twilio/voice', callParams(from, newSid('CA')));
  isTwiml(res);
  gatherPath(res.body);
  assert.match(twimlAttr(res.body, 'Gather', 'finishOnKey') ?? '#', /#/, 'the reference is followed by #');
  assert.ok(says(res.body).length > 0, 'the caller is told what to do');
}));

// The open widget shows the code of a held join; the number texts it back.
async function confirmBySms(c, from, ref) {
  const v = await c.next((f) => f.type === 'verify');
  assert.equal(v.ticket, ref);
  await sms(from, v.code);
}

test('keyed-in reference from a new number: held (nothing spoken about the case); the code texted back joins the call and links the number (a later SMS joins it)', withLogs(async () => {
  const { c, ref } = await webTicket('en', 'web ticket for the phone');
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  await a.request({ type: 'ticket.open', ticket: ref });
  const from = newPhone();
  const callSid = newSid('CA');
  const first = await twPost(hilo, '/webhooks/twilio/voice', callParams(from, callSid));
  isTwiml(first);
  const res = await twPost(hilo, gatherPath(first.body),
    callParams(from, callSid, { CallStatus: 'in-progress', Digits: ref, FinishedOnKey: '#' }));
  isTwiml(res);
  assert.ok(!digits(says(res.body)).includes(ref), `the held call hears the case: ${res.body}`);
  assert.match(says(res.body), /code/i);
  assert.doesNotMatch(res.body, /<Record\b/, 'a held call records nothing onto the case');
  await confirmBySms(c, from, ref);
  const call = (await a.next(isEv('call'))).event;
  assert.equal(call.ticket, ref);
  assert.equal(call.channel, 'voice');
  await sleep(300);
  const before = fake.twilio.length;
  await sms(from, 'texting after my call');
  const ev = (await a.next(isEv('message', (e) => e.text === 'texting after my call'))).event;
  assert.equal(ev.ticket, ref);
  assert.equal(ev.channel, 'sms');
  await sleep(500);
  assert.deepEqual(a.drain(isTicket((t) => t.ref !== ref)), [], 'no new ticket');
  assert.equal(fake.twilio.slice(before).filter((r) => r.body.To === from).length, 0, 'no ack for a joined message');
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.ok(th.customer.identities.includes(`phone:${from}`));
  await Promise.all([a.close(), c.close()]);
}));

test('known caller with an open ticket: reference and status in Spanish, call event; recording + transcription -> voice message; duration', withLogs(async () => {
  const { c, ref } = await webTicket('es', 'Hola, necesito ayuda con mi factura');
  const from = newPhone();
  await sms(from, `mi caso es ${formatRef(ref)}`); // held until the number proves it (docs/continuity.md)
  await confirmBySms(c, from, ref);
  const a = await agent(hilo, 'ana', anaPw);
  await sleep(300);
  const th0 = await a.request({ type: 'ticket.open', ticket: ref });
  assert.ok(th0.events.some((e) => e.kind === 'message' && e.channel === 'sms'), 'SMS quoting the reference joined the web ticket');

  const callSid = newSid('CA');
  const res = await twPost(hilo, '/webhooks/twilio/voice', callParams(from, callSid));
  isTwiml(res);
  const spoken = says(res.body);
  assert.ok(findRefs(spoken).includes(ref) || digits(spoken).includes(ref), `reference not spoken: ${res.body}`);
  assert.match(spoken, /caso|estado|abiert/i, `not Spanish: ${spoken}`);
  assert.doesNotMatch(spoken, /\bticket reference\b|\bstatus\b/i);
  assert.doesNotMatch(res.body, /<Gather\b[^>]*action="[^"]*voice\/gather/, 'a known caller is not asked for a reference');
  assert.match(res.body, /<Record\b|<Redirect\b/, 'the caller may leave a message');
  const call = (await a.next(isEv('call'))).event;
  assert.equal(call.ticket, ref);
  assert.equal(call.channel, 'voice');

  const recAction = twimlAttr(res.body, 'Record', 'action');
  const recPath = recAction ? twimlPath(recAction) : '/webhooks/twilio/voice/recording';
  assert.match(recPath, /^\/webhooks\/twilio\/voice\/recording(\?|$)/);
  const trAction = twimlAttr(res.body, 'Record', 'transcribeCallback');
  const trPath = trAction ? twimlPath(trAction) : '/webhooks/twilio/voice/transcription';
  assert.match(trPath, /^\/webhooks\/twilio\/voice\/transcription(\?|$)/);
  const rec = await twPost(hilo, recPath, callParams(from, callSid, {
    CallStatus: 'in-progress', RecordingSid: newSid('RE'), RecordingDuration: '7', Digits: 'hangup',
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${fake.config.twilioSid}/Recordings/RE0123`,
  }));
  isTwiml(rec);
  const text = 'Llámenme por favor, la factura 1234 está mal';
  const tr = await twPost(hilo, trPath, {
    TranscriptionSid: newSid('TR'), TranscriptionText: text, TranscriptionStatus: 'completed',
    TranscriptionUrl: 'https://api.twilio.com/2010-04-01/Accounts/AC/Transcriptions/TR1', RecordingSid: newSid('RE'),
    RecordingUrl: 'https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE0123', CallSid: callSid,
    AccountSid: fake.config.twilioSid, From: from, To: '+14155550199', CallStatus: 'completed', ApiVersion: '2010-04-01', Direction: 'inbound',
  });
  assert.equal(tr.status, 200);
  assert.match(tr.body.trim(), /^(<\?xml[^>]*\?>)?\s*<Response\s*(\/>|>\s*<\/Response>)$/);
  const msg = (await a.next(isEv('message', (e) => e.text === text))).event;
  assert.equal(msg.ticket, ref);
  assert.equal(msg.channel, 'voice');
  assert.equal(msg.author.role, 'customer');

  const st = await twPost(hilo, '/webhooks/twilio/voice/status', callParams(from, callSid, {
    CallStatus: 'completed', CallDuration: '42', Duration: '1', Timestamp: new Date().toUTCString(), CallbackSource: 'call-progress-events', SequenceNumber: '0',
  }));
  assert.equal(st.status, 200);
  const end = (await a.next(isEv('call', (e) => e.call_status === 'completed' || /\b42\b/.test(JSON.stringify(e))))).event;
  assert.equal(end.ticket, ref);
  assert.ok(end.duration === 42 || /\b42\b/.test(JSON.stringify(end)), `call event lacks the duration: ${JSON.stringify(end)}`);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.ok(th.events.filter((e) => e.kind === 'call').length >= 2);
  await Promise.all([a.close(), c.close()]);
}));

async function expectNewVoiceTicket(a, res, from) {
  isTwiml(res);
  const refs = findRefs(says(res.body));
  assert.equal(refs.length, 1, `expected one spoken reference: ${res.body}`);
  const t = (await a.next(isTicket((x) => x.ref === refs[0]))).ticket;
  assert.equal(t.status, 'open');
  const th = await a.request({ type: 'ticket.open', ticket: refs[0] });
  assert.ok(th.customer.identities.includes(`phone:${from}`), JSON.stringify(th.customer.identities));
  assert.ok(th.events.some((e) => e.kind === 'call' && e.channel === 'voice'), `call event in the new ticket: ${JSON.stringify(th.events)}`);
  return refs[0];
}

test('no input at the gather opens a new ticket whose reference is spoken', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const from = newPhone();
  const callSid = newSid('CA');
  const first = await twPost(hilo, '/webhooks/twilio/voice', callParams(from, callSid));
  isTwiml(first);
  const res = await twPost(hilo, noInputPath(first.body), callParams(from, callSid, { CallStatus: 'in-progress' }));
  await expectNewVoiceTicket(a, res, from);
  await a.close();
}));

test('a wrong reference twice opens a new ticket; once asks again', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const from = newPhone();
  const callSid = newSid('CA');
  const first = await twPost(hilo, '/webhooks/twilio/voice', callParams(from, callSid));
  isTwiml(first);
  const again = await twPost(hilo, gatherPath(first.body), callParams(from, callSid, { CallStatus: 'in-progress', Digits: '12345678', FinishedOnKey: '#' }));
  isTwiml(again);
  assert.deepEqual(findRefs(says(again.body)), [], `no ticket after one wrong reference: ${again.body}`);
  const res = await twPost(hilo, gatherPath(again.body), callParams(from, callSid, { CallStatus: 'in-progress', Digits: '12345678', FinishedOnKey: '#' }));
  const ref = await expectNewVoiceTicket(a, res, from);
  assert.notEqual(ref, '12345678');
  await a.close();
}));

test('voice webhooks: missing signature 401, wrong 403, nothing stored', withLogs(async () => {
  const before = await redisKeys(redis);
  const p = callParams(newPhone(), newSid('CA'));
  for (const path of ['/webhooks/twilio/voice', '/webhooks/twilio/voice/gather', '/webhooks/twilio/voice/recording',
    '/webhooks/twilio/voice/transcription', '/webhooks/twilio/voice/status']) {
    assert.equal((await twPost(hilo, path, p, { signature: null })).status, 401, path);
    assert.equal((await twPost(hilo, path, p, { token: 'bad' })).status, 403, path);
  }
  await sleep(200);
  // hilo:timers comes and goes with earlier tests' SLA looks: not this test's doing
  const noTimers = (keys) => keys.filter((k) => k !== 'hilo:timers');
  assert.deepEqual(noTimers(await redisKeys(redis)), noTimers(before));
}));

// issue #9: callers who withhold their number all arrive with the same
// placeholder; they must never share an identity, a ticket or a status.
test('two withheld callers stay apart: each call is its own conversation', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const refs = [];
  for (const from of ['+266696687', '+266696687']) {
    const callSid = newSid('CA');
    const first = await twPost(hilo, '/webhooks/twilio/voice', callParams(from, callSid));
    isTwiml(first);
    // never recognised as a known caller: asked for a reference, no status spoken
    assert.deepEqual(findRefs(says(first.body)), [], `a withheld caller heard a ticket: ${first.body}`);
    gatherPath(first.body);
    const res = await twPost(hilo, noInputPath(first.body), callParams(from, callSid, { CallStatus: 'in-progress' }));
    isTwiml(res);
    const spoken = findRefs(says(res.body));
    assert.equal(spoken.length, 1, res.body);
    await a.next(isTicket((x) => x.ref === spoken[0]));
    const th = await a.request({ type: 'ticket.open', ticket: spoken[0] });
    assert.ok(!th.customer.identities.some((i) => i.startsWith('phone:')), `withheld number linked: ${th.customer.identities}`);
    refs.push({ ref: spoken[0], customer: th.customer.id });
  }
  assert.notEqual(refs[0].ref, refs[1].ref, 'the second withheld caller joined the first one\'s ticket');
  assert.notEqual(refs[0].customer, refs[1].customer);
  await a.close();
}));
