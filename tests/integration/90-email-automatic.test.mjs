// Automatic mail and bounces (docs/channels/email.md "Automatic mail and
// bounces"). Hilo marks its own automatic mail (Auto-Submitted, RFC 3834);
// an out-of-office or other automatic mail reaching the support address
// opens no ticket, gets no acknowledgement and changes no ticket (no mail
// loops); a bounce naming one of Hilo's Message-IDs makes that reply failed
// (an undelivered event, the ticket waiting again); Mailgun's event webhooks
// do the same for mail sent through Mailgun's SMTP, which never bounces to
// us. Every post is signed; a bad signature changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs, httpGet, sleep } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, mgPost, mgEmail, mgEventPost, isEv, isDelivery, isTicket,
} from '../lib/fake-provider.mjs';

let redis, fake, hilo, anaPw;
let seq = 0;
const newAddr = (n = 'user') => `${n}${++seq}@example.net`;
const mailTo = (addr) => (m) => m.envelope.rcptTo.includes(addr);
const metric = async (kind) => Number(new RegExp(`^hilo_email_automatic_total\\{kind="${kind}"\\} (\\d+)$`, 'm')
  .exec((await httpGet(hilo.url + '/metrics')).body)?.[1] ?? NaN);

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake, { only: ['email'] }) });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(async () => { await cleanup(); await fake?.close(); });

async function watcher() {
  const a = await agent(hilo, 'ana', anaPw);
  assert.equal((await a.request({ type: 'queue.watch' })).type, 'queue');
  return a;
}

// A person's mail, processed: its ticket frame has arrived. Posted after
// something that must change nothing, it shows that the earlier post was
// handled (posts are answered once stored).
async function newEmailTicket(a, text) {
  const addr = newAddr('carla');
  const mail = mgEmail({ from: `Carla <${addr}>`, subject: 'Order problem', text });
  const res = await mgPost(hilo, mail.fields);
  assert.equal(res.status, 200, res.body);
  const t = (await a.next(isTicket((x) => x.last_text === text))).ticket;
  const [ackMail] = await fake.waitFor(fake.mails, mailTo(addr));
  return { addr, ref: t.ref, messageId: mail.messageId, ackMail };
}

// An agent's reply by email, sent: {E, msgid (without <>), mail}.
async function replyByEmail(a, ref, addr, text) {
  await a.request({ type: 'ticket.open', ticket: ref });
  const cid = `r-${++seq}`;
  a.send({ type: 'reply', ticket: ref, client_id: cid, text });
  const E = (await a.next((f) => f.type === 'ack' && f.client_id === cid)).event_id;
  const sent = await a.next(isDelivery(E, 'sent'), 10000);
  const [mail] = await fake.waitFor(fake.mails, (m) => mailTo(addr)(m) && m.parsed.text.includes(text));
  await a.next(isTicket((t) => t.ref === ref && t.waiting_since === 0 && t.last_role === 'agent'));
  return { E, msgid: sent.provider_id, mail };
}

test('the acknowledgement says it is automatic (Auto-Submitted: auto-replied); an agent\'s reply does not', withLogs(async () => {
  const a = await watcher();
  const { addr, ref, ackMail } = await newEmailTicket(a, 'Where is my order 1?');
  assert.equal(ackMail.parsed.headers.get('auto-submitted'), 'auto-replied');
  const { mail } = await replyByEmail(a, ref, addr, 'It ships today.');
  assert.equal(mail.parsed.headers.get('auto-submitted'), undefined);
  await a.close();
}));

test('an out-of-office answering a ticket is not stored and changes nothing', withLogs(async () => {
  const a = await watcher();
  const before = await metric('reply');
  const { addr, ref, ackMail } = await newEmailTicket(a, 'Where is my order 2?');
  const { msgid } = await replyByEmail(a, ref, addr, 'It ships tomorrow.');
  // the customer's out-of-office, threaded by In-Reply-To
  const ooo = mgEmail({ from: `Carla <${addr}>`, subject: 'Automatic reply: Re: Order problem', text: 'Estoy de vacaciones.',
    inReplyTo: `<${msgid}>`, extraHeaders: [['Precedence', 'auto_reply']] });
  assert.equal((await mgPost(hilo, ooo.fields)).status, 200);
  // Dovecot's vacation: the null sender, the reference in the subject
  const vac = mgEmail({ from: `Carla <${addr}>`, sender: '', subject: `Auto: Re: Order problem [#${ref}]`, text: 'Away until Monday.',
    references: ackMail.parsed.messageId, extraHeaders: [['Auto-Submitted', 'auto-replied (vacation)']] });
  assert.equal((await mgPost(hilo, vac.fields)).status, 200);
  // a person's mail after them has its ticket: the two were handled before it
  await newEmailTicket(a, 'Where is my order 3?');
  assert.equal(await metric('reply'), before + 2);
  assert.ok(!a.frames.some((f) => f.type === 'ticket' && /vacaciones|Away/.test(f.ticket.last_text)),
    'no ticket shows the automatic text');
  assert.equal(fake.mails.filter(mailTo(addr)).length, 2, 'the acknowledgement and the reply, nothing after');
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.ok(!th.events.some((e) => /vacaciones|Away/.test(e.text ?? '')));
  assert.equal(th.ticket.last_role, 'agent', 'still answered');
  assert.equal(th.ticket.waiting_since, 0);
  await a.close();
}));

test('automatic mail that names no ticket (a contact form\'s relay) is a new ticket each time, never acknowledged', withLogs(async () => {
  const a = await watcher();
  const relay = newAddr('forms');
  const form = (text) => mgEmail({ from: `Web form <${relay}>`, subject: 'New contact form entry', text,
    extraHeaders: [['Auto-Submitted', 'auto-generated']] });
  assert.equal((await mgPost(hilo, form('Name: Luis. My invoice is wrong.').fields)).status, 200);
  const t1 = (await a.next(isTicket((x) => x.last_text === 'Name: Luis. My invoice is wrong.'))).ticket;
  assert.equal((await mgPost(hilo, form('Name: Eva. Where is my parcel?').fields)).status, 200);
  const t2 = (await a.next(isTicket((x) => x.last_text === 'Name: Eva. Where is my parcel?'))).ticket;
  assert.notEqual(t1.ref, t2.ref, 'two requests, two tickets');
  // a person's mail after them: no acknowledgement went to the relay
  await newEmailTicket(a, 'Where is my order 3b?');
  assert.equal(fake.mails.filter(mailTo(relay)).length, 0, 'no acknowledgement to a robot');
  const th = await a.request({ type: 'ticket.open', ticket: t1.ref });
  assert.deepEqual(th.events.filter((e) => e.kind === 'message').map((e) => e.text), ['Name: Luis. My invoice is wrong.']);
  await a.close();
}));

test('a bounce of an agent\'s reply: failed with its status line, undelivered, the ticket waits again; no ticket for the mailer daemon', withLogs(async () => {
  const a = await watcher();
  const { addr, ref } = await newEmailTicket(a, 'Where is my order 4?');
  const { E, msgid } = await replyByEmail(a, ref, addr, 'Your refund is on its way.');
  const reports0 = await metric('report');
  const dsn = (subject, status, action) => mgEmail({
    from: 'Mail Delivery System <MAILER-DAEMON@mx.example.net>', sender: '', subject,
    contentType: 'multipart/report; report-type=delivery-status; boundary="b1"',
    text: `This is the mail system at host mx.example.net.\n\n<${addr}>: host mx.example.net said: ${status}\n\n`
      + `Action: ${action}\nStatus: ${status.split(' ')[1]}\n\nMessage-ID: <${msgid}>\nSubject: Re: Order problem\n`,
  });
  // a delay warning first: only a report, the reply stays sent
  assert.equal((await mgPost(hilo, dsn('Delayed Mail (still being retried)', '450 4.2.0 Mailbox busy', 'delayed').fields)).status, 200);
  await newEmailTicket(a, 'Where is my order 5?');
  assert.equal(await metric('report'), reports0 + 1);
  assert.equal(JSON.parse(await redis.cli('HGET', `hilo:{t:${ref}}:dl`, E)).status, 'sent');
  // the failure
  const bounce = dsn('Undelivered Mail Returned to Sender', '550 5.1.1 <' + addr + '>: Recipient address rejected: User unknown', 'failed');
  assert.equal((await mgPost(hilo, bounce.fields)).status, 200);
  const d = await a.next(isDelivery(E, 'failed'), 10000);
  assert.equal(d.error, `bounce: <${addr}>: host mx.example.net said: 550 5.1.1 <${addr}>: Recipient address rejected: User unknown`);
  const ev = (await a.next(isEv('undelivered', (e) => e.event_id === E), 10000)).event;
  assert.equal(ev.channel, 'email');
  await a.next(isTicket((t) => t.ref === ref && t.waiting_since > 0), 10000);
  // the same bounce again (Mailgun's retry with a new token) is not news
  assert.equal((await mgPost(hilo, bounce.fields)).status, 200);
  await newEmailTicket(a, 'Where is my order 6?');
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.events.filter((e) => e.kind === 'undelivered').length, 1);
  assert.ok(!a.frames.some((f) => f.type === 'ticket' && /mail system/.test(f.ticket.last_text)), 'no ticket from the daemon');
  assert.equal(fake.mails.filter(mailTo('MAILER-DAEMON@mx.example.net')).length, 0);
  assert.equal(fake.mails.filter(mailTo('mailer-daemon@mx.example.net')).length, 0);
  assert.equal(await metric('report'), reports0 + 1, 'a bounce that found its mail is no stray report');
  await a.close();
}));

test('Mailgun event webhooks: a permanent failure is undelivered, a temporary one nothing, delivered is delivered; signatures and tokens checked', withLogs(async () => {
  const a = await watcher();
  const { addr, ref } = await newEmailTicket(a, 'Where is my order 7?');
  const one = await replyByEmail(a, ref, addr, 'First answer.');
  const two = await replyByEmail(a, ref, addr, 'Second answer.');
  const event = (msgid, event, extra = {}) => ({
    event, timestamp: Date.now() / 1000, id: `ev${++seq}`, recipient: addr,
    message: { headers: { 'message-id': msgid, to: addr, from: 'support@example.com' } }, ...extra,
  });
  // delivered
  assert.equal((await mgEventPost(hilo, event(one.msgid, 'delivered'))).status, 200);
  await a.next(isDelivery(one.E, 'delivered'), 10000);
  const failed = event(two.msgid, 'failed', { severity: 'permanent', reason: 'bounce',
    'delivery-status': { code: 550, message: '5.1.1 The email account that you tried to reach does not exist.', description: '' } });
  // a wrong signature, a missing one: refused, nothing changes
  assert.equal((await mgEventPost(hilo, failed, { key: 'wrong' })).status, 403);
  const unsigned = await fetch(hilo.url + '/webhooks/email/events', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ 'event-data': failed }) });
  assert.equal(unsigned.status, 401);
  // a temporary failure: Mailgun keeps trying, nothing changes
  assert.equal((await mgEventPost(hilo, event(two.msgid, 'failed', { severity: 'temporary', reason: 'generic' }))).status, 200);
  // a token already used for another event is a replay
  const token = 'tok' + Date.now();
  assert.equal((await mgEventPost(hilo, event(one.msgid, 'delivered'), { token })).status, 200);
  assert.equal((await mgEventPost(hilo, failed, { token })).status, 403);
  await sleep(300);
  assert.equal(JSON.parse(await redis.cli('HGET', `hilo:{t:${ref}}:dl`, two.E)).status, 'sent');
  // the failure, signed
  assert.equal((await mgEventPost(hilo, failed)).status, 200);
  const d = await a.next(isDelivery(two.E, 'failed'), 10000);
  assert.equal(d.error, '550: 5.1.1 The email account that you tried to reach does not exist.');
  await a.next(isEv('undelivered', (e) => e.event_id === two.E), 10000);
  await a.next(isTicket((t) => t.ref === ref && t.waiting_since > 0), 10000);
  // unreadable JSON carries no signature: 401
  assert.equal((await fetch(hilo.url + '/webhooks/email/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"signature": ' })).status, 401);
  await a.close();
}));
