// Issue #10: the customer always knows where the case stands. A customer
// who asked for updates on a proven channel (the "notify" frame) gets a
// short text in the ticket's language when the case is in progress, waits
// on them, or is resolved, sent through the outbox and recorded on the
// thread; an unproven address is refused and never written to. Genuinely
// signed Twilio webhooks; the fake provider checks the REST requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs, sleep } from '../lib/harness.mjs';
import { startFakeProvider, channelArgs, twPost, newSid, formatRef, isEv } from '../lib/fake-provider.mjs';

let redis, fake, hilo, anaPw;
before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake, { only: ['twilio'] }) });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(async () => { await cleanup(); await fake?.close(); });

async function sms(from, body) {
  const sid = newSid();
  const r = await twPost(hilo, '/webhooks/twilio/messaging', {
    MessageSid: sid, SmsSid: sid, AccountSid: fake.config.twilioSid, From: from, To: '+14155550199',
    Body: body, NumMedia: '0', NumSegments: '1', SmsStatus: 'received', ApiVersion: '2010-04-01',
  });
  assert.equal(r.status, 200, r.body);
}
const smsTo = (to, re) => (r) => r.body.To === to && re.test(r.body.Body ?? '');

test('opted in on a proven phone: in progress, waiting on you and resolved go out by SMS in Spanish, recorded on the thread', withLogs(async () => {
  const from = '+12125550801';
  const c = await customer(hilo, { locale: 'es' });
  c.send({ type: 'message', client_id: 'w-1', text: 'Hola, mi pedido no ha llegado' });
  const ref = (await c.next('ack')).ticket;
  // before the phone is proven: refused, nothing stored
  const early = await c.request({ type: 'notify', channel: 'sms' });
  assert.equal(early.type, 'error');
  assert.equal(early.code, 'bad_state');
  await sms(from, `ref ${formatRef(ref)}`);
  const v = await c.next((f) => f.type === 'verify');
  await sms(from, v.code);
  const a = await agent(hilo, 'ana', anaPw);
  // the code's SMS joins the case: the phone is proven from then on
  let ok;
  for (const until = Date.now() + 10000; Date.now() < until;) {
    ok = await c.request({ type: 'notify', channel: 'sms' });
    if (ok.type === 'ok') break;
    await sleep(100);
  }
  assert.equal(ok.type, 'ok', JSON.stringify(ok));
  await a.request({ type: 'ticket.open', ticket: ref });
  const th0 = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th0.ticket.notify, 'sms');

  assert.equal((await a.request({ type: 'assign', ticket: ref, agent: 'ana' })).type, 'ok');
  const [inProgress] = await fake.waitFor(fake.twilio, smsTo(from, /en curso/));
  assert.match(inProgress.body.Body, new RegExp(formatRef(ref)));
  const n1 = (await a.next(isEv('note', (e) => e.notice && e.notice.status === 'in_progress'))).event;
  assert.equal(n1.channel, 'sms');
  assert.equal(n1.route.channel, 'sms');
  assert.equal(n1.author.role, 'system');

  assert.equal((await a.request({ type: 'status', ticket: ref, status: 'pending' })).type, 'ok');
  await fake.waitFor(fake.twilio, smsTo(from, /espera tu respuesta/));
  await a.next(isEv('note', (e) => e.notice && e.notice.status === 'pending'));

  a.send({ type: 'resolve', ticket: ref, client_id: 'r-1', text: 'Enviado de nuevo' });
  await fake.waitFor(fake.twilio, smsTo(from, /está resuelto/));
  const n3 = (await a.next(isEv('note', (e) => e.notice && e.notice.status === 'resolved'))).event;
  assert.equal(n3.route.channel, 'sms');

  // the notes never reach the customer's widget
  await sleep(300);
  assert.deepEqual(c.drain((f) => f.type === 'event' && f.event.notice), []);
  // each change once
  assert.equal(fake.twilio.filter(smsTo(from, /en curso|espera tu respuesta|está resuelto/)).length, 3);
  await Promise.all([a.close(), c.close()]);
}));

test('an unproven email, an unknown channel, or no ticket: refused, nothing stored or sent', withLogs(async () => {
  const c = await customer(hilo, { locale: 'en', email: 'someone@example.com' });
  const none = await c.request({ type: 'notify', channel: 'email' });
  assert.equal(none.code, 'bad_state', 'no ticket yet');
  c.send({ type: 'message', client_id: 'w-1', text: 'Hello, where is my order?' });
  const ref = (await c.next('ack')).ticket;
  const bad = await c.request({ type: 'notify', channel: 'fax' });
  assert.equal(bad.code, 'bad_frame');
  const unproven = await c.request({ type: 'notify', channel: 'email' });
  assert.equal(unproven.code, 'bad_state');
  const a = await agent(hilo, 'ana', anaPw);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.ticket.notify, '');
  const mails = fake.mails.length;
  assert.equal((await a.request({ type: 'status', ticket: ref, status: 'pending' })).type, 'ok');
  await sleep(500);
  assert.equal(fake.mails.length, mails, 'nothing mailed to an unproven address');
  const th2 = await a.request({ type: 'ticket.open', ticket: ref });
  assert.ok(!th2.events.some((e) => e.notice), 'no update recorded');
  assert.equal((await c.request({ type: 'notify', channel: 'none' })).type, 'ok');
  await Promise.all([a.close(), c.close()]);
}));

test('a resolution that itself went out by SMS is not followed by a second "resolved" SMS', withLogs(async () => {
  const from = '+12125550802';
  const c = await customer(hilo, { locale: 'en' });
  c.send({ type: 'message', client_id: 'w-1', text: 'Hello, my parcel is lost' });
  const ref = (await c.next('ack')).ticket;
  await sms(from, `ref ${formatRef(ref)}`);
  const v = await c.next((f) => f.type === 'verify');
  await sms(from, v.code);
  let ok;
  for (const until = Date.now() + 10000; Date.now() < until;) {
    ok = await c.request({ type: 'notify', channel: 'sms' });
    if (ok.type === 'ok') break;
    await sleep(100);
  }
  assert.equal(ok.type, 'ok', JSON.stringify(ok));
  await c.close(); // the widget is gone: the resolution goes by SMS
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'ticket.open', ticket: ref });
  a.send({ type: 'resolve', ticket: ref, client_id: 'r-sms', text: 'We found it, it arrives tomorrow' });
  const res = (await a.next(isEv('resolution', (e) => e.ticket === ref))).event;
  assert.equal(res.channel, 'sms', JSON.stringify(res.route));
  await fake.waitFor(fake.twilio, smsTo(from, /it arrives tomorrow/));
  await sleep(1000);
  assert.equal(fake.twilio.filter(smsTo(from, /is resolved/)).length, 0, 'told once, by the resolution itself');
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.ok(!th.events.some((e) => e.notice), 'no status update recorded');
  await a.close();
}));
