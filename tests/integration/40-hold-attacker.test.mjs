// The attacker sequence of issue #9 (docs/continuity.md "Held joins"): a new
// identity that quotes a victim's reference on WhatsApp, SMS, email ([#ref]
// subject, support+ref@) or voice (keying it in) ends with nothing linked,
// nothing revealed on its channel (no reference, status, texts, names),
// nothing about the customer changed, and the agent's next reply goes to
// the victim, not to the attacker. The held message is visible to agents.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs, sleep } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, loginCookie, formatRef, isEv, isDelivery, digits, says, twPost, newSid,
} from '../lib/fake-provider.mjs';
import {
  waText, smsText, mail, callKeying, callParams, customerDump, identOf, publicThread, holds, emailTicket,
} from '../lib/holds.mjs';

let redis, fake, hilo, anaPw, cookie;
let seq = 0;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake) });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  cookie = await loginCookie(hilo, 'ana', anaPw);
});
after(async () => { await cleanup(); await fake?.close(); });

const mailTo = (addr) => (m) => m.envelope.rcptTo.includes(addr);
const VICTIM_TEXT = 'My card ending 4242 was charged twice for order 7781';

// What nothing said to an attacker may contain about the victim's case.
function revealsNothing(text, ref, what) {
  assert.ok(!digits(text).includes(ref), `${what} names the case: ${text}`);
  assert.doesNotMatch(text, /Victoria|Vance|victim|4242|7781|charged|\bstatus\b|pending|resolved|abierto|pendiente/i, `${what} reveals ticket data: ${text}`);
}

// The victim: a ticket opened by email (so a proven channel exists), an
// agent watching it. The attack runs, then every check of the issue.
async function attack(label, run) {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const victim = `victim${++seq}@example.com`;
  const { ref, cid } = await emailTicket(hilo, a, `Victoria Vance <${victim}>`, `${VICTIM_TEXT} (${label})`);
  await fake.waitFor(fake.mails, mailTo(victim)); // the acknowledgement
  const before = await customerDump(redis, cid);
  const threadBefore = await publicThread(a, ref);
  const mailsBefore = fake.mails.filter(mailTo(victim)).length;

  const attacker = await run(ref);

  // Held, visible to agents: an internal hold event on the ticket, the hold in the list.
  const ev = (await a.next(isEv('hold'), 8000)).event;
  assert.equal(ev.ticket, ref);
  const h = (await holds(hilo, cookie)).find((x) => x.identity === attacker.identity);
  assert.ok(h, `the hold of ${attacker.identity} is not listed`);
  assert.equal(h.status, 'pending');
  assert.equal(h.ref, ref);
  assert.equal(h.ticket_exists, true);
  assert.equal(h.channel, attacker.channel);
  assert.ok(h.messages.some((m) => m.text.includes(attacker.text)), JSON.stringify(h.messages));
  // The code went to the proven channel (the victim's email), never to the attacker.
  const [codeMail] = await fake.waitFor(fake.mails, (m) => mailTo(victim)(m) && /\b\d{6}\b/.test(m.parsed.text), 1);
  assert.ok(digits(codeMail.parsed.text).includes(ref));
  assert.equal(h.code_to, 'email');

  // Nothing linked, nothing about the customer changed, nothing in the thread.
  assert.equal(await identOf(redis, attacker.identity), '', `${attacker.identity} was linked`);
  assert.deepEqual(await customerDump(redis, cid), before, 'the victim\'s customer changed');
  assert.deepEqual(await publicThread(a, ref), threadBefore, 'the held message reached the thread');

  // The agent's next reply (no channel: where the customer last wrote) goes to the victim.
  const reply = `Dear Victoria, your refund for order 7781 (${label}) is on its way`;
  a.send({ type: 'reply', ticket: ref, client_id: `r-${label}`, text: reply });
  const E = (await a.next((f) => f.type === 'ack' && f.client_id === `r-${label}`)).event_id;
  const sent = await a.next(isDelivery(E, 'sent'), 8000);
  assert.equal(sent.channel, 'email');
  assert.equal(sent.to, victim);
  await fake.waitFor(fake.mails, (m) => mailTo(victim)(m) && m.parsed.text.includes('refund for order 7781'));
  assert.ok(fake.mails.filter(mailTo(victim)).length >= mailsBefore + 2);
  await sleep(300);
  // Everything the attacker ever received says nothing about the case.
  const got = attacker.received();
  for (const t of got) revealsNothing(t, ref, `${label}: what the attacker got`);
  await a.close();
  return { ref, cid, got };
}

test('WhatsApp: a new number quoting the reference is held; nothing linked, revealed or routed to it', withLogs(async () => {
  const num = '1650555' + String(7000 + ++seq);
  const text = 'Hi, this is about my case';
  const { got } = await attack('whatsapp', async (ref) => {
    await waText(hilo, num, `${text} ${formatRef(ref)}`, { name: 'Mallory Moss' });
    return {
      identity: `phone:+${num}`, channel: 'whatsapp', text,
      received: () => fake.whatsapp.filter((r) => r.body.to.replace(/^\+/, '') === num).map((r) => JSON.stringify(r.body)),
    };
  });
  assert.equal(got.length, 1, 'the attacker is told once that the case needs confirming');
  assert.match(got[0], /6-digit code/);
}));

test('SMS: a new number quoting the reference is held; nothing linked, revealed or routed to it', withLogs(async () => {
  const from = '+1212555' + String(7000 + ++seq);
  const text = 'Please add me to case';
  const { got } = await attack('sms', async (ref) => {
    await smsText(hilo, fake, from, `${text} ${ref}`);
    return {
      identity: `phone:${from}`, channel: 'sms', text,
      received: () => fake.twilio.filter((r) => r.body.To === from).map((r) => r.body.Body),
    };
  });
  assert.equal(got.length, 1);
}));

test('email: another address with [#ref] in the subject is held; nothing linked, revealed or routed to it', withLogs(async () => {
  const addr = `mallory${++seq}@evil.example`;
  const text = 'Change my delivery address please';
  const { got } = await attack('email-subject', async (ref) => {
    await mail(hilo, { from: `Mallory Moss <${addr}>`, subject: `Re: My order [#${ref}]`, text });
    return {
      identity: `email:${addr}`, channel: 'email', text,
      received: () => fake.mails.filter(mailTo(addr)).map((m) => `${m.parsed.subject.replace(`Re: My order [#${ref}]`, '')}\n${m.parsed.text}`),
    };
  });
  assert.equal(got.length, 1);
}));

test('email: another address writing to support+ref@ is held; nothing linked, revealed or routed to it', withLogs(async () => {
  const addr = `mallory${++seq}@evil.example`;
  const text = 'I need the invoice copy';
  const { got } = await attack('email-plus', async (ref) => {
    await mail(hilo, { from: `Victoria Vance <${addr}>`, to: `support+${ref}@example.com`, subject: 'invoice', text });
    return {
      identity: `email:${addr}`, channel: 'email', text,
      received: () => fake.mails.filter(mailTo(addr)).map((m) => `${m.parsed.subject}\n${m.parsed.text}`),
    };
  });
  assert.equal(got.length, 1);
}));

test('voice: a new number keying in the reference hears nothing about the case, records nothing; a later call is still unknown', withLogs(async () => {
  const from = '+1212555' + String(7000 + ++seq);
  const spoken = [];
  const { ref } = await attack('voice', async (ref) => {
    const { res } = await callKeying(hilo, fake, from, ref);
    spoken.push(says(res.body));
    assert.doesNotMatch(res.body, /<Record\b/, 'a held call records onto the case');
    // it may key in a code in the same call, nothing more
    assert.match(res.body, /<Gather\b[^>]*numDigits="6"/);
    return {
      identity: `phone:${from}`, channel: 'voice', text: '',
      received: () => [...spoken, ...fake.twilio.filter((r) => r.body.To === from).map((r) => r.body.Body ?? '')],
    };
  });
  // the number is not a known caller: no status, asked for a reference again
  const first = await twPost(hilo, '/webhooks/twilio/voice', callParams(fake, from, newSid('CA')));
  revealsNothing(says(first.body), ref, 'a later call');
  assert.match(first.body, /<Gather\b/);
  assert.equal(await identOf(redis, `phone:${from}`), '');
}));

test('the attacker\'s follow-up without a reference opens a case of its own (as its notice says): the victim\'s customer is untouched', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const victim = `victim${++seq}@example.com`;
  const { ref, cid } = await emailTicket(hilo, a, `Victoria Vance <${victim}>`, `${VICTIM_TEXT} (follow-up)`);
  const before = await customerDump(redis, cid);
  const num = '1650555' + String(7000 + ++seq);
  await waText(hilo, num, `case ${ref}`);
  await a.next(isEv('hold'), 8000);
  await waText(hilo, num, 'something else entirely');
  const t = (await a.next((f) => f.type === 'ticket' && f.ticket.last_text === 'something else entirely', 8000)).ticket;
  assert.notEqual(t.ref, ref);
  const mine = await identOf(redis, `phone:+${num}`);
  assert.ok(mine && mine !== cid, `the attacker's number points at ${mine}`);
  assert.deepEqual(await customerDump(redis, cid), before);
  const sent = await fake.waitFor(fake.whatsapp, (r) => r.body.to === `+${num}`, 2);
  for (const r of sent) revealsNothing(r.body.text.body.replace(t.ref, '').replace(formatRef(t.ref), ''), ref, 'the new case\'s acknowledgement');
  await a.close();
}));
