// Email channel (docs/delivery.md): Mailgun route webhooks (HMAC of
// timestamp+token, stale timestamps refused), new tickets acknowledged over
// SMTP, threading by Message-ID / plus-address / subject, quoted text
// trimmed, dedupe by Message-Id, SMTP replies with threading headers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs, sleep } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, mgPost, mgEmail, digits, formatRef, redisKeys, isEv, isDelivery, isTicket, retryWhile503,
} from '../lib/fake-provider.mjs';

let redis, fake, hilo, anaPw;
let seq = 0;
const newAddr = (n = 'user') => `${n}${++seq}@example.net`;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake, { only: ['email'] }) });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(async () => { await cleanup(); await fake?.close(); });

const mailTo = (addr) => (m) => m.envelope.rcptTo.includes(addr);
const hdr = (m, name) => m.parsed.headers.get(name.toLowerCase());
const ids = (v) => (String(v ?? '').match(/<[^>]+>/g) ?? []);

async function watcher() {
  const a = await agent(hilo, 'ana', anaPw);
  assert.equal((await a.request({ type: 'queue.watch' })).type, 'queue');
  return a;
}

// New ticket by email; returns {addr, ref, messageId, ackMail}.
async function newEmailTicket(a, { subject = 'Order problem', text = 'My order 555 never arrived.', name = 'Carla', multipart = false } = {}) {
  const addr = newAddr('carla');
  const mail = mgEmail({ from: `${name} <${addr}>`, subject, text });
  const res = await mgPost(hilo, mail.fields, { multipart });
  assert.equal(res.status, 200, `${res.status} ${res.body}`);
  const t = (await a.next(isTicket((x) => x.last_text === text))).ticket;
  const [ackMail] = await fake.waitFor(fake.mails, mailTo(addr));
  return { addr, ref: t.ref, ticket: t, messageId: mail.messageId, ackMail };
}

test('inbound email opens an email ticket; the ack goes out by SMTP with reference, Message-ID and plus Reply-To', withLogs(async () => {
  const a = await watcher();
  const { addr, ref, ticket, ackMail } = await newEmailTicket(a, { text: 'Hola, mi pedido no ha llegado. ¿Dónde está? 📦' });
  assert.equal(ticket.channel, 'email');
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.deepEqual(th.events.filter((e) => e.kind === 'message').map((e) => [e.channel, e.text, e.author.role]),
    [['email', 'Hola, mi pedido no ha llegado. ¿Dónde está? 📦', 'customer']]);
  assert.ok(th.customer.identities.includes(`email:${addr}`), JSON.stringify(th.customer.identities));
  assert.deepEqual(ackMail.envelope.rcptTo, [addr]);
  assert.equal(ackMail.parsed.from.value[0].address, 'support@example.com');
  assert.equal(ackMail.parsed.to.value[0].address, addr);
  assert.ok(digits(ackMail.parsed.text).includes(ref), `ack body: ${ackMail.parsed.text}`);
  assert.equal(ackMail.parsed.replyTo?.value[0].address, `support+${ref}@example.com`);
  const mid = ackMail.parsed.messageId;
  assert.match(mid ?? '', /^<[^<>@\s]+@[^<>\s]+>$/);
  // the Message-ID is recorded once the SMTP server has answered 250, which
  // may be just after the fake server handed the mail over: wait for it
  const msgidKeys = async () => (await redis.cli('--scan', '--pattern', 'hilo:msgid:*')).split('\n').filter((k) => k.includes(mid.slice(1, -1)));
  let keys = await msgidKeys();
  for (const until = Date.now() + 10000; keys.length === 0 && Date.now() < until; keys = await msgidKeys()) await sleep(50);
  assert.equal(keys.length, 1, 'hilo:msgid:<Message-ID> for the sent ack');
  assert.equal(await redis.cli('GET', keys[0]), ref);
  await sleep(300);
  assert.equal(fake.mails.filter(mailTo(addr)).length, 1);
  await a.close();
}));

test('multipart/form-data (attachments) is accepted too', withLogs(async () => {
  const a = await watcher();
  const { ref, ticket } = await newEmailTicket(a, { text: 'multipart body with attachment', multipart: true });
  assert.equal(ticket.channel, 'email');
  assert.match(ref, /^\d{8,9}$/);
  await a.close();
}));

test('signatures: missing 401, wrong 403, stale (> 9 h, Mailgun retries for 8 h) or future (> 5 min) timestamp 403; nothing stored or sent', withLogs(async () => {
  const addr = newAddr('mallory');
  const { fields } = mgEmail({ from: addr, text: 'signed badly' });
  const before = await redisKeys(redis);
  const mails = fake.attempts.smtp.length;
  assert.equal((await mgPost(hilo, fields, { sign: false })).status, 401);
  assert.equal((await mgPost(hilo, fields, { key: 'wrong-key' })).status, 403);
  assert.equal((await mgPost(hilo, fields, { signature: 'a'.repeat(64) })).status, 403);
  const now = Math.floor(Date.now() / 1000);
  assert.equal((await mgPost(hilo, fields, { timestamp: now - 9 * 3600 - 60 })).status, 403, 'a correctly signed 9-hour-old timestamp');
  assert.equal((await mgPost(hilo, fields, { timestamp: now + 6 * 60 })).status, 403, 'a correctly signed timestamp 6 minutes ahead');
  await sleep(300);
  assert.deepEqual(await redisKeys(redis), before);
  assert.equal(fake.attempts.smtp.length, mails);
}));

test('Mailgun\'s retry hours later, with the signature it first made, is stored', withLogs(async () => {
  const a = await watcher();
  const addr = newAddr('late');
  const { fields } = mgEmail({ from: addr, text: 'retried two hours later' });
  const res = await mgPost(hilo, fields, { timestamp: Math.floor(Date.now() / 1000) - 2 * 3600 });
  assert.equal(res.status, 200, res.body);
  await a.next(isTicket((x) => x.last_text === 'retried two hours later'));
  // its acknowledgement is sent and recorded before the next test looks at Redis
  const [ack] = await fake.waitFor(fake.mails, mailTo(addr));
  const mid = ack.parsed.messageId.slice(1, -1);
  for (const until = Date.now() + 10000; Date.now() < until; await sleep(50))
    if ((await redis.cli('EXISTS', `hilo:pid:email:${mid}`)) === '1') break;
  // its token was claimed for hours, not minutes: it never carries another email
  const keys = (await redis.cli('--scan', '--pattern', 'hilo:replay:*')).split('\n').filter(Boolean);
  const ttls = await Promise.all(keys.map((k) => redis.cli('TTL', k)));
  assert.ok(ttls.length > 0 && ttls.every((t) => Number(t) > 9 * 3600), `replay claims' TTLs: ${ttls}`);
  await a.close();
}));

test('malformed body with a valid signature: 400, nothing stored', withLogs(async () => {
  const before = await redisKeys(redis);
  const r = await mgPost(hilo, { 'message-headers': '[["From",', subject: 'x' });
  assert.equal(r.status, 400);
  assert.deepEqual(await redisKeys(redis), before);
}));

test('duplicate Message-Id (Mailgun retry with a new token): 200 twice, stored once', withLogs(async () => {
  const a = await watcher();
  const addr = newAddr('dup');
  const mail = mgEmail({ from: addr, subject: 'dup', text: 'I was delivered twice' });
  assert.equal((await mgPost(hilo, mail.fields)).status, 200);
  const ref = (await a.next(isTicket((x) => x.last_text === 'I was delivered twice'))).ticket.ref;
  assert.equal((await mgPost(hilo, mail.fields)).status, 200);
  await sleep(500);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.events.filter((e) => e.kind === 'message').length, 1);
  await fake.waitFor(fake.mails, mailTo(addr));
  assert.equal(fake.mails.filter(mailTo(addr)).length, 1);
  await a.close();
}));

test('threading: plus-address, reference in the subject, In-Reply-To a Message-ID Hilo sent; no new ticket, no ack', withLogs(async () => {
  const a = await watcher();
  const { addr, ref, ackMail } = await newEmailTicket(a, { subject: 'Broken kettle', text: 'The kettle leaks.' });
  await a.request({ type: 'ticket.open', ticket: ref });
  const cases = [
    // the address the ticket came from (proven by the provider); another
    // address naming the case is held until proven (test 42)
    { from: addr, to: `support+${ref}@example.com`, subject: 'more info', text: 'via plus address' },
    { from: addr, subject: `Re: Broken kettle [#${ref}]`, text: 'via subject tag' },
    { from: addr, subject: `About case ${formatRef(ref)}`, text: 'via subject reference' },
    { from: addr, subject: 'Re: your message', text: 'via in-reply-to', inReplyTo: ackMail.parsed.messageId,
      references: `<unrelated@example.org> ${ackMail.parsed.messageId}` },
    { from: addr, subject: 'Re: your message', text: 'via references only', references: `<x1@example.org> ${ackMail.parsed.messageId}` },
  ];
  for (const cse of cases) {
    const mail = mgEmail(cse);
    const r = await mgPost(hilo, mail.fields);
    assert.equal(r.status, 200, `${cse.text}: ${r.status}`);
    const ev = (await a.next(isEv('message', (e) => e.text === cse.text))).event;
    assert.equal(ev.ticket, ref, cse.text);
    assert.equal(ev.channel, 'email');
  }
  await sleep(500);
  assert.deepEqual(a.drain(isTicket((t) => t.ref !== ref)), [], 'no new ticket');
  assert.equal(fake.mails.filter(mailTo(addr)).length, 1, 'only the first message was acknowledged');
  await a.close();
}));

test('quoted text ("> …", "On … wrote:") is trimmed from the stored message', withLogs(async () => {
  const a = await watcher();
  const { addr, ref } = await newEmailTicket(a, { text: 'first message' });
  await a.request({ type: 'ticket.open', ticket: ref });
  const bodies = [
    ['Thanks, it works now!\n\nOn Mon, 3 Mar 2025 at 10:00, Support <support@example.com> wrote:\n> Please try again.\n> Regards', 'Thanks, it works now!'],
    ['Still broken.\r\n\r\n> Please try again.\r\n> Regards\r\n', 'Still broken.'],
  ];
  for (const [body, want] of bodies) {
    const r = await mgPost(hilo, mgEmail({ from: addr, subject: `Re: [#${ref}]`, text: body }).fields);
    assert.equal(r.status, 200);
    const ev = (await a.next(isEv('message'))).event;
    assert.equal(ev.ticket, ref);
    assert.equal(ev.text.trim(), want);
  }
  await a.close();
}));

test('agent reply by email: SMTP message with In-Reply-To/References/Reply-To/Message-ID and intact UTF-8; 4xx retried', withLogs(async () => {
  const a = await watcher();
  const { addr, ref, messageId, ackMail } = await newEmailTicket(a, { subject: 'Factura', text: 'La factura está mal' });
  await a.request({ type: 'ticket.open', ticket: ref });
  fake.fail('smtp', 1, 451);
  const text = '¡Hola Carla! Ñandú, café y 日本語 — ✓ corregido.\n.\n.línea con punto';
  a.send({ type: 'reply', ticket: ref, client_id: 'r-mail', text });
  const E = (await a.next((f) => f.type === 'ack' && f.client_id === 'r-mail')).event_id;
  await a.next(isDelivery(E, 'queued'));
  const sent = await a.next(isDelivery(E, 'sent'), 8000);
  assert.equal(sent.channel, 'email');
  assert.equal(sent.attempts, 2, 'first attempt got 451, second succeeded');
  assert.equal(sent.to, addr);
  const [m] = await fake.waitFor(fake.mails, (x) => mailTo(addr)(x) && x !== ackMail);
  assert.deepEqual(m.envelope.rcptTo, [addr]);
  assert.equal(m.parsed.from.value[0].address, 'support@example.com');
  assert.equal(m.parsed.replyTo?.value[0].address, `support+${ref}@example.com`);
  assert.ok(m.parsed.text.replace(/\r\n/g, '\n').includes(text), `body not intact: ${JSON.stringify(m.parsed.text)}`);
  assert.match(m.parsed.headers.get('content-type')?.params?.charset ?? 'utf-8', /^utf-8$/i);
  const mid = m.parsed.messageId;
  assert.match(mid ?? '', /^<[^<>@\s]+@[^<>\s]+>$/);
  assert.notEqual(mid, ackMail.parsed.messageId);
  assert.equal(typeof sent.provider_id, 'string');
  assert.ok(sent.provider_id.length > 0, 'sent delivery carries a provider id');
  assert.equal(hdr(m, 'in-reply-to'), messageId);
  assert.ok(ids(hdr(m, 'references')).includes(messageId), `References: ${hdr(m, 'references')}`);
  // Both attempts carried the same Message-ID.
  const replyMids = fake.attempts.smtp.filter((x) => x.envelope.rcptTo.includes(addr))
    .map((x) => /^message-id:\s*(\S+)/im.exec(x.raw)?.[1]).filter((x) => x !== ackMail.parsed.messageId);
  assert.deepEqual(replyMids, [mid, mid], 'same Message-ID on every attempt');
  const key = (await redis.cli('--scan', '--pattern', 'hilo:msgid:*')).split('\n').filter((k) => k.includes(mid.slice(1, -1)));
  assert.equal(key.length, 1);
  assert.equal(await redis.cli('GET', key[0]), ref);
  await a.close();
}));

test('Redis down: 503; Mailgun\'s retry (same token) after Redis is back is stored', withLogs(async () => {
  const addr = newAddr('outage');
  const { fields } = mgEmail({ from: addr, text: 'email during the outage' });
  const ts = Math.floor(Date.now() / 1000);
  const token = 'f'.repeat(50);
  await redis.stop();
  try {
    assert.equal((await mgPost(hilo, fields, { timestamp: ts, token })).status, 503);
  } finally {
    await redis.restart();
  }
  const r = await retryWhile503(() => mgPost(hilo, fields, { timestamp: ts, token }));
  assert.equal(r.status, 200);
  await fake.waitFor(fake.mails, mailTo(addr), 1, 8000);
  const a = await watcher();
  const q = await a.request({ type: 'queue.watch' });
  const t = q.tickets.find((x) => x.last_text === 'email during the outage');
  assert.ok(t);
  assert.equal(t.channel, 'email');
  await a.close();
}));
