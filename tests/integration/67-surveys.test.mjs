// Issue #10: after a resolution the customer is asked how it went, natively
// on their channel (--survey 1): widget buttons, WhatsApp reply buttons (not
// outside the 24-hour window: recorded why), an SMS digit, one-click signed
// links in email. Each answer is the ticket's csat score, in the thread,
// without reopening, and counts in the reports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startHilo, addAgent, customer, agent, advanceClock, cleanup, withLogs, httpGet, sleep,
} from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, newWamid, twPost, newSid, mgPost, mgEmail,
  loginCookie, isEv, isTicket,
} from '../lib/fake-provider.mjs';

const HOUR = 3600000;
let redis, hilo, fake, pw, seq = 0, emailLink, emailRef;
const newPhone = () => `+1415555${String(3000 + (++seq)).padStart(4, '0')}`;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({
    redisUrl: redis.url,
    args: [...channelArgs(fake), '--test-clock', '1', '--survey', '1', '--survey-secret', 'sv-secret-0123456789'],
  });
  pw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(async () => { await cleanup(); await fake?.close(); });

const csat = (ref) => redis.cli('HGET', `hilo:{t:${ref}}:tk`, 'csat');
const status = (ref) => redis.cli('HGET', `hilo:{t:${ref}}:tk`, 'status');

async function watcher() {
  const a = await agent(hilo, 'ana', pw);
  assert.equal((await a.request({ type: 'queue.watch' })).type, 'queue');
  return a;
}

async function resolve(a, ref, text = 'Solved: sent again') {
  await a.request({ type: 'ticket.open', ticket: ref });
  a.send({ type: 'resolve', ticket: ref, client_id: `r-${ref}-${++seq}`, text });
  await a.next('ack');
  return (await a.next(isEv('survey'), 10000)).event;
}

test('web: the widget\'s buttons; the tapped score lands in the thread and the ticket', withLogs(async () => {
  const a = await watcher();
  const c = await customer(hilo, { locale: 'es' });
  c.send({ type: 'message', client_id: 'm-1', text: 'No puedo entrar' });
  const ref = (await c.next('ack')).ticket;
  const sv = await resolve(a, ref);
  assert.equal(sv.survey.channel, 'web');
  assert.equal(sv.survey.scale, 5);
  assert.match(sv.text, /Puntúanos del 1/);
  const seen = (await c.next(isEv('survey'))).event;
  assert.equal(seen.id, sv.id, 'the customer sees the question');
  c.send({ type: 'message', client_id: 'm-2', text: '4' }); // what a tap on "4" sends
  await c.next('ack');
  const ans = (await a.next(isEv('message', (e) => e.text === '4'))).event;
  assert.equal(ans.csat, 4);
  assert.equal(ans.quiet, true);
  assert.equal(await csat(ref), '4');
  assert.equal(await status(ref), 'resolved');
  await Promise.all([a.close(), c.close()]);
}));

test('WhatsApp: reply buttons inside the window, answered by tapping', withLogs(async () => {
  const a = await watcher();
  const num = newPhone().slice(1);
  const text = 'Where is my parcel?';
  assert.equal((await waPost(hilo, waEnvelope([waMessages([{ from: num, text }])]))).status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === text))).ticket.ref;
  const sv = await resolve(a, ref);
  assert.equal(sv.survey.channel, 'whatsapp');
  assert.equal(sv.survey.kind, 'buttons');
  const [req] = await fake.waitFor(fake.whatsapp, (r) => r.body.type === 'interactive' && r.body.to.replace('+', '') === num);
  const it = req.body.interactive;
  assert.equal(it.type, 'button');
  assert.deepEqual(it.action.buttons.map((b) => b.reply.id), ['csat:5', 'csat:3', 'csat:1']);
  // the customer taps "Great"
  const reply = {
    from: num, id: newWamid(), type: 'interactive',
    interactive: { type: 'button_reply', button_reply: { id: 'csat:5', title: it.action.buttons[0].reply.title } },
    context: { from: '15550783881', id: 'wamid.x' },
  };
  assert.equal((await waPost(hilo, waEnvelope([waMessages([reply])]))).status, 200);
  const ans = (await a.next(isEv('message', (e) => e.csat === 5), 10000)).event;
  assert.equal(ans.channel, 'whatsapp');
  assert.equal(await csat(ref), '5');
  assert.equal(await status(ref), 'resolved');

  await a.close();
}));

test('SMS: a digit reply is the score', withLogs(async () => {
  const a = await watcher();
  const from = newPhone();
  const sms = (body) => ({
    SmsMessageSid: newSid(), NumMedia: '0', SmsStatus: 'received', Body: body, To: '+14155550199', NumSegments: '1',
    MessageSid: newSid(), AccountSid: fake.config.twilioSid, From: from, ApiVersion: '2010-04-01',
  });
  assert.equal((await twPost(hilo, '/webhooks/twilio/messaging', sms('My bill is wrong'))).status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === 'My bill is wrong'))).ticket.ref;
  const sv = await resolve(a, ref);
  assert.equal(sv.survey.channel, 'sms');
  const [q] = await fake.waitFor(fake.twilio, (r) => r.body.To === from && /number from 1/.test(r.body.Body ?? ''));
  assert.match(q.body.Body, /Reply with a number from 1 \(bad\) to 5 \(great\)/);
  assert.equal((await twPost(hilo, '/webhooks/twilio/messaging', sms('2'))).status, 200);
  const ans = (await a.next(isEv('message', (e) => e.csat === 2), 10000)).event;
  assert.equal(ans.channel, 'sms');
  assert.equal(await csat(ref), '2');
  assert.equal(await status(ref), 'resolved');
  await a.close();
}));

test('email: signed one-click links; a forged link changes nothing', withLogs(async () => {
  const a = await watcher();
  const addr = `carla${++seq}@example.net`;
  const mail = mgEmail({ from: `Carla <${addr}>`, subject: 'Broken mug', text: 'The mug arrived broken.' });
  assert.equal((await mgPost(hilo, mail.fields)).status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === 'The mug arrived broken.'))).ticket.ref;
  const sv = await resolve(a, ref);
  assert.equal(sv.survey.channel, 'email');
  const [m] = await fake.waitFor(fake.mails, (x) => x.envelope.rcptTo.includes(addr) && /Click a link/.test(x.parsed.text ?? ''));
  const links = [...m.parsed.text.matchAll(/http:\/\/hilo\.test(\/survey\?\S+)/g)].map((x) => x[1]);
  assert.equal(links.length, 5);
  const four = new URL('http://x' + links[3]);
  assert.equal(four.searchParams.get('s'), '4');

  // forged: another score under the same signature; expired: a later expiry
  const forged = new URL(four); forged.searchParams.set('s', '5');
  let r = await httpGet(hilo.url + forged.pathname + forged.search);
  assert.equal(r.status, 403, r.body);
  const later = new URL(four); later.searchParams.set('e', String(Number(four.searchParams.get('e')) + 1));
  assert.equal((await httpGet(hilo.url + later.pathname + later.search)).status, 403);
  assert.equal(await csat(ref), '');

  r = await httpGet(hilo.url + links[3]);
  assert.equal(r.status, 200, r.body);
  assert.match(r.body, /Thank you for your rating/);
  const ans = (await a.next(isEv('message', (e) => e.csat === 4), 10000)).event;
  assert.equal(ans.channel, 'email');
  assert.equal(await csat(ref), '4');
  assert.equal(await status(ref), 'resolved');
  r = await httpGet(hilo.url + links[3]); // a second click: the same answer
  assert.equal(r.status, 200);

  emailLink = links[0];
  emailRef = ref;
  await a.close();
}));

test('later: no WhatsApp question outside the window (recorded why); expired links refused; reports', withLogs(async () => {
  let a = await watcher();
  const num2 = newPhone().slice(1);
  const text2 = 'Refund please';
  assert.equal((await waPost(hilo, waEnvelope([waMessages([{ from: num2, text: text2 }])]))).status, 200);
  const ref2 = (await a.next(isTicket((t) => t.last_text === text2))).ticket.ref;
  await a.close();
  // 25 hours after the customer's last message: no free-form message can go
  await advanceClock(hilo, 25 * HOUR);
  a = await watcher();
  const before = fake.whatsapp.length;
  const sv2 = await resolve(a, ref2);
  assert.equal(sv2.survey.skipped, 'whatsapp_window_closed');
  assert.equal(sv2.survey.channel, 'whatsapp');
  await sleep(500);
  assert.equal(fake.whatsapp.filter((r, i) => i >= before && r.body.type === 'interactive').length, 0);

  // past its lifetime (--survey-link-hours, 168 by default) a link is refused
  await a.close();
  await advanceClock(hilo, 169 * HOUR);
  const r = await httpGet(hilo.url + emailLink);
  assert.equal(r.status, 403, r.body);
  assert.equal(await csat(emailRef), '4');

  const cookie = await loginCookie(hilo, 'ana', pw);
  const rep = await httpGet(hilo.url + `/api/v1/reports?from=1&to=${Date.now() + 400 * HOUR}`, { headers: { cookie } });
  assert.equal(rep.status, 200, rep.body);
  assert.equal(rep.json.csat.count, 4, rep.body.slice(0, 600));
  assert.deepEqual(rep.json.csat.scores, { 1: 0, 2: 1, 3: 0, 4: 2, 5: 1 });
  assert.equal(rep.json.csat.by_channel.email.average, 4);
  assert.equal(rep.json.csat.by_channel.whatsapp.average, 5);
  assert.equal(rep.json.csat.by_channel.sms.average, 2);
}));

test('WhatsApp outside the window with --wa-template-survey: the approved template goes instead', withLogs(async () => {
  const h2 = await startHilo({
    redisUrl: redis.url,
    args: [...channelArgs(fake, { only: ['whatsapp'] }), '--test-clock', '1', '--survey', '1',
      '--wa-template-survey', 'csat_survey:es:ref'],
  });
  const a = await agent(h2, 'ana', pw);
  assert.equal((await a.request({ type: 'queue.watch' })).type, 'queue');
  const num = newPhone().slice(1);
  assert.equal((await waPost(h2, waEnvelope([waMessages([{ from: num, text: 'Hola, ¿y mi pedido?' }])]))).status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === 'Hola, ¿y mi pedido?'))).ticket.ref;
  await a.close();
  await advanceClock(h2, 25 * HOUR);
  const b = await agent(h2, 'ana', pw);
  await b.request({ type: 'ticket.open', ticket: ref });
  b.send({ type: 'resolve', ticket: ref, client_id: 'r-tpl', text: 'Enviado de nuevo' });
  await b.next('ack');
  const sv = (await b.next(isEv('survey'), 10000)).event;
  assert.equal(sv.survey.kind, 'template');
  assert.equal(sv.survey.skipped, undefined);
  const [req] = await fake.waitFor(fake.whatsapp, (r) => r.body.type === 'template' && r.body.to.replace('+', '') === num
    && r.body.template.name === 'csat_survey');
  assert.equal(req.body.template.language.code, 'es');
  assert.equal(req.body.template.components[0].parameters[0].text, ref);
  await b.close();
  await h2.stop();
}));
