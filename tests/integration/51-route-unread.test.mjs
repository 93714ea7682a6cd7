// Unread web replies reach people who left (docs/continuity.md "Routing at
// send time"), with the fake clock and the fake SMTP sink: a web reply the
// widget did not report seen within unread_minutes goes once to the
// customer's proven email (proven here by a genuinely signed Mailgun message,
// then a merge), with a link back, recorded on the event's delivery; a seen
// reply does not. An identity without evidence (the email typed into the
// widget) is never a route.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startHilo, addAgent, agent, customer, cleanup, withLogs, advanceClock, httpGet, sleep,
} from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, mgPost, mgEmail, loginCookie, isTicket, isDelivery, isEv,
} from '../lib/fake-provider.mjs';

let redis, fake, hilo, pw, cookie;
let seq = 0;
const newAddr = (p) => `${p}.${Date.now().toString(36)}.${++seq}@example.org`;
const MIN = 60 * 1000;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({
    redisUrl: redis.url,
    args: [...channelArgs(fake), '--test-clock', '1', '--session-ttl', '604800', '--unread-minutes', '10'],
  });
  pw = await addAgent(hilo, 'ana', { display: 'Ana' });
  cookie = await loginCookie(hilo, 'ana', pw);
});
after(async () => { await cleanup(); await fake?.close(); });

async function api(method, path, body) {
  const h = { cookie };
  if (body !== undefined) h['content-type'] = 'application/json';
  return httpGet(hilo.url + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
}
const mailTo = (addr) => (m) => m.envelope.rcptTo.includes(addr);
const timers = async () => (await redis.cli('ZRANGE', 'hilo:rtimers', '0', '-1')).split('\n').filter(Boolean);
async function until(fn, ms = 10000) {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await fn()) return; await sleep(50); }
  throw new Error('condition not met in time: ' + fn);
}

// A web customer whose email is proven: it wrote by email (Mailgun), and the
// agent merged that customer into the web one.
async function provenWebCustomer(a, label) {
  const addr = newAddr(label);
  const mail = mgEmail({ from: `Lu <${addr}>`, subject: 'Pedido', text: `correo de ${label}` });
  // signed at the hub's (fake) time: the signature must be fresh to it
  const now = await advanceClock(hilo, 0);
  assert.equal((await mgPost(hilo, mail.fields, { timestamp: Math.floor(now / 1000) })).status, 200);
  const et = (await a.next(isTicket((t) => t.last_text === `correo de ${label}`))).ticket;
  await fake.waitFor(fake.mails, mailTo(addr)); // its acknowledgement
  const c = await customer(hilo, { locale: 'es' });
  c.send({ type: 'message', client_id: 'w1', text: `web de ${label}` });
  const ref = (await c.next('ack')).ticket;
  const web = (await a.next(isTicket((t) => t.ref === ref))).ticket;
  const m = await api('POST', `/api/v1/customers/${et.customer}/merge`, { into: web.customer });
  assert.equal(m.status, 200, m.body);
  await a.request({ type: 'ticket.open', ticket: ref });
  return { addr, ref, c };
}

test('a web reply unseen for unread_minutes goes to the proven email once, with a link back; the event records it', withLogs(async () => {
  const a = await agent(hilo, 'ana', pw);
  await a.request({ type: 'queue.watch' });
  const { addr, ref, c } = await provenWebCustomer(a, 'unseen');
  const before = fake.mails.filter(mailTo(addr)).length;
  // the widget is open: the reply goes there
  a.send({ type: 'reply', ticket: ref, client_id: 'r1', text: 'Ya está enviado' });
  const ev = (await a.next((f) => f.type === 'event' && f.event.client_id === 'r1')).event;
  assert.equal(ev.channel, 'web');
  assert.equal(ev.route.code, 'widget_open');
  await c.next(isEv('reply', (e) => e.id === ev.id)); // delivered, but never reported seen
  await c.close();
  assert.ok((await timers()).includes(`unread:${ref} ${ev.id}`), 'the unread timer is armed');

  await advanceClock(hilo, 9 * MIN);
  await sleep(1200); // two timer ticks: not due yet
  assert.equal(fake.mails.filter(mailTo(addr)).length, before, 'not before unread_minutes');

  await advanceClock(hilo, 2 * MIN);
  const [mail] = await fake.waitFor(fake.mails, (m) => mailTo(addr)(m) && /Ya está enviado/.test(m.parsed.text));
  assert.match(mail.parsed.text, /respuesta sin leer/);
  assert.ok(mail.parsed.text.includes(`http://hilo.test/?hilo_ticket=${ref}`), 'a link back to the conversation');
  const d = await a.next(isDelivery(ev.id, 'sent'), 8000);
  assert.equal(d.channel, 'email');
  assert.equal(d.to, addr);
  assert.equal(d.route.code, 'unread');
  assert.match(d.route.reason, /web reply not seen in 10 min/);
  await until(async () => !(await timers()).includes(`unread:${ref} ${ev.id}`));

  // once
  await advanceClock(hilo, 30 * MIN);
  await sleep(1200);
  assert.equal(fake.mails.filter((m) => mailTo(addr)(m) && /Ya está enviado/.test(m.parsed.text)).length, 1, 'sent once');
  await a.close();
}));

test('a web reply the widget reported seen is not sent again', withLogs(async () => {
  const a = await agent(hilo, 'ana', pw);
  await a.request({ type: 'queue.watch' });
  const { addr, ref, c } = await provenWebCustomer(a, 'seen');
  a.send({ type: 'reply', ticket: ref, client_id: 'r2', text: 'Mira tu widget' });
  const ev = (await a.next((f) => f.type === 'event' && f.event.client_id === 'r2')).event;
  await c.next(isEv('reply', (e) => e.id === ev.id));
  const ok = await c.request({ type: 'seen', event_id: ev.id });
  assert.equal(ok.type, 'ok');
  assert.equal((await c.request({ type: 'seen', event_id: 'nope' })).code, 'bad_frame');
  await c.close();
  await advanceClock(hilo, 11 * MIN);
  await until(async () => !(await timers()).includes(`unread:${ref} ${ev.id}`));
  await sleep(300);
  assert.equal(fake.mails.filter((m) => mailTo(addr)(m) && /Mira tu widget/.test(m.parsed.text)).length, 0);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.events.find((e) => e.id === ev.id).delivery, undefined, 'no second route');
  await a.close();
}));

test('an unproven identity is never a route: the email typed into the widget gets nothing', withLogs(async () => {
  const a = await agent(hilo, 'ana', pw);
  await a.request({ type: 'queue.watch' });
  const typed = newAddr('typed');
  const c = await customer(hilo, { locale: 'en', email: typed });
  c.send({ type: 'message', client_id: 'u1', text: 'typed my email' });
  const ref = (await c.next('ack')).ticket;
  await a.next(isTicket((t) => t.ref === ref));
  await a.request({ type: 'ticket.open', ticket: ref });
  await c.close();
  await until(async () => Number(await redis.cli('ZCARD', `hilo:{t:${ref}}:on`)) === 0);
  a.send({ type: 'reply', ticket: ref, client_id: 'u-r', text: 'Answer for an unproven address' });
  const ev = (await a.next((f) => f.type === 'event' && f.event.client_id === 'u-r')).event;
  assert.equal(ev.channel, 'web');
  assert.equal(ev.route.code, 'no_route');
  assert.match(ev.route.reason, /widget closed/);
  assert.match(ev.route.reason, /no proven email/);
  const e = await a.request({ type: 'reply', ticket: ref, client_id: 'u-pin', text: 'x', channel: 'email' });
  assert.equal(e.code, 'bad_state', 'a pinned channel needs a proven address too');
  await advanceClock(hilo, 11 * MIN);
  await until(async () => !(await timers()).includes(`unread:${ref} ${ev.id}`));
  await sleep(300);
  assert.equal(fake.mails.filter(mailTo(typed)).length, 0, 'nothing to the typed address');
  await a.close();
}));
