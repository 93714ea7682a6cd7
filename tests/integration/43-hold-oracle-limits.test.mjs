// No oracle and limits (docs/continuity.md): the widget's resume and every
// provider channel answer a real reference the caller may not see exactly
// as a made-up one (full frames, webhook answers and notices compared);
// reference attempts are limited per sender identity, per ticket and per
// client address (rate_limited), repeated failures on a ticket show to
// agents; withheld caller ids never form or match an identity.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, customer, cleanup, withLogs, sleep } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, loginCookie, isEv, isTicket, says, findRefs, twPost, newSid, redisKeys,
} from '../lib/fake-provider.mjs';
import {
  waText, smsText, mail, callKeying, callParams, api, identOf, holds, emailTicket, waitFor, madeUpRef,
} from '../lib/holds.mjs';

let redis, fake, hilo, anaPw, cookie;
let seq = 0;

// Limits small enough to reach: 2 holds per sender, 2 codes per ticket, 3 widget guesses per address.
const LIMITS = ['--ref-attempts-identity', '2', '--ref-attempts-ticket', '2', '--ref-attempts-ip', '3', '--ref-attempt-window', '3600'];

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: [...channelArgs(fake), ...LIMITS] });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  cookie = await loginCookie(hilo, 'ana', anaPw);
});
after(async () => { await cleanup(); await fake?.close(); });

const mailTo = (addr) => (m) => m.envelope.rcptTo.includes(addr);
const newNum = () => '1650555' + String(5000 + ++seq);
const newPhone = () => '+1212555' + String(5000 + ++seq);
const strip = (f) => { const { req, ...rest } = f; return rest; };

async function caseByEmail(a, label) {
  const addr = `owner${++seq}@example.com`;
  return { addr, ...(await emailTicket(hilo, a, `Olga Owen <${addr}>`, `Owner's problem (${label})`)) };
}

test('widget resume: another visitor\'s real case and a made-up one get the same full answer', withLogs(async () => {
  const owner = await customer(hilo, { locale: 'en' });
  owner.send({ type: 'message', client_id: 'o-1', text: 'private order details' });
  const real = (await owner.next('ack')).ticket;
  const fake1 = madeUpRef();
  const probe = await customer(hilo, { locale: 'en' });
  const a1 = await probe.request({ type: 'resume', ticket: real, after: '0' });
  const a2 = await probe.request({ type: 'resume', ticket: fake1, after: '0' });
  assert.equal(a1.type, 'error');
  assert.deepEqual(strip(a1), { ...strip(a2), ...(a1.ticket ? { ticket: a1.ticket } : {}) });
  assert.deepEqual(Object.keys(a1).sort(), Object.keys(a2).sort());
  assert.equal(a1.code, 'unknown_ticket');
  assert.equal(a1.message, a2.message);
  if ('ticket' in a1) assert.notEqual(a1.ticket === real, a2.ticket === fake1, 'echoes differ');
  await sleep(200);
  assert.ok(!probe.frames.some((f) => JSON.stringify(f).includes('private order')), 'the probe saw the thread');
  await Promise.all([owner.close(), probe.close()]);
}));

test('WhatsApp, SMS, email and voice: a real case and a made-up one get the same answers and notices', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const { ref } = await caseByEmail(a, 'oracle');
  const made = madeUpRef();
  const norm = (s, r) => String(s).split(r).join('<REF>').replace(/\[#h[0-9a-f]{8}\]/g, '[#h<hold>]');

  // WhatsApp: webhook answers and the notice each number gets
  const [n1, n2] = [newNum(), newNum()];
  const w1 = await waText(hilo, n1, `about case ${ref}`);
  const w2 = await waText(hilo, n2, `about case ${made}`);
  assert.deepEqual([w1.status, w1.body], [w2.status, w2.body]);
  const [q1] = await fake.waitFor(fake.whatsapp, (r) => r.body.to === `+${n1}`);
  const [q2] = await fake.waitFor(fake.whatsapp, (r) => r.body.to === `+${n2}`);
  // biz_opaque_callback_data names the hold and its event (the outbox's own
  // marker, never shown to the customer): it differs for any two sends
  const sent = (b) => ({ ...b, to: '', biz_opaque_callback_data: String(b.biz_opaque_callback_data ?? '').replace(/^hilo:h[0-9a-f]{8}:\d+-\d+$/, 'hilo:<hold>:<event>') });
  assert.deepEqual(sent(q1.body), sent(q2.body));

  // SMS
  const [p1, p2] = [newPhone(), newPhone()];
  const s1 = await smsText(hilo, fake, p1, `case ${ref}`);
  const s2 = await smsText(hilo, fake, p2, `case ${made}`);
  assert.deepEqual([s1.status, s1.body], [s2.status, s2.body]);
  const [t1] = await fake.waitFor(fake.twilio, (r) => r.body.To === p1);
  const [t2] = await fake.waitFor(fake.twilio, (r) => r.body.To === p2);
  assert.equal(t1.body.Body, t2.body.Body);

  // email, both ways of naming a case
  for (const [i, how] of [[0, 'subject'], [1, 'plus']].entries()) {
    void i;
    const [e1, e2] = [`probe${++seq}@evil.example`, `probe${++seq}@evil.example`];
    const send = (from, r) => mail(hilo, how === 'subject'
      ? { from, subject: `Order [#${r}]`, text: 'let me in' }
      : { from, to: `support+${r}@example.com`, subject: 'Order', text: 'let me in' });
    const m1 = await send(e1, ref);
    const m2 = await send(e2, made);
    assert.deepEqual([m1.status, m1.body], [m2.status, m2.body]);
    const [x1] = await fake.waitFor(fake.mails, mailTo(e1));
    const [x2] = await fake.waitFor(fake.mails, mailTo(e2));
    assert.equal(norm(x1.parsed.subject, ref), norm(x2.parsed.subject, made), how);
    assert.equal(x1.parsed.text, x2.parsed.text, how);
  }

  // voice: the TwiML for the keyed-in reference
  const [v1, v2] = [newPhone(), newPhone()];
  const c1 = await callKeying(hilo, fake, v1, ref);
  const c2 = await callKeying(hilo, fake, v2, made);
  assert.equal(c1.res.body, c2.res.body);

  // wrong codes: the same answer too
  await smsText(hilo, fake, p1, '000000');
  await smsText(hilo, fake, p2, '000000');
  const [b1] = (await fake.waitFor(fake.twilio, (r) => r.body.To === p1, 2)).slice(1);
  const [b2] = (await fake.waitFor(fake.twilio, (r) => r.body.To === p2, 2)).slice(1);
  assert.equal(b1.body.Body, b2.body.Body);
  assert.match(b1.body.Body, /not right/);

  // agents see which is real
  const hs = await holds(hilo, cookie);
  assert.equal(hs.find((h) => h.identity === `phone:+${n1}`).ticket_exists, true);
  assert.equal(hs.find((h) => h.identity === `phone:+${n2}`).ticket_exists, false);
  await a.close();
}));

test('per sender: after ref_attempts_identity holds, the next attempt is rate limited (told once, nothing stored)', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  const num = newNum();
  for (let i = 0; i < 2; i++) {
    await waText(hilo, num, `case ${madeUpRef()}`);
    const h = await waitFor(async () => (await holds(hilo, cookie)).find((x) => x.identity === `phone:+${num}`), 'a hold');
    assert.equal((await api(hilo, 'POST', `holds/${h.id}/reject`, { cookie })).status, 200);
  }
  const sent = () => fake.whatsapp.filter((r) => r.body.to === `+${num}`).map((r) => r.body.text.body);
  await fake.waitFor(fake.whatsapp, (r) => r.body.to === `+${num}`, 4); // 2 x (held, rejected)
  const keys = await redisKeys(redis);
  await waText(hilo, num, `case ${madeUpRef()}`);
  await fake.waitFor(fake.whatsapp, (r) => r.body.to === `+${num}`, 5);
  assert.match(sent()[4], /Too many attempts/);
  await waText(hilo, num, `case ${madeUpRef()}`);
  await sleep(500);
  assert.equal(sent().length, 5, 'told once per window');
  assert.equal((await holds(hilo, cookie)).filter((x) => x.identity === `phone:+${num}`).length, 0, 'a limited attempt was held');
  const added = (await redisKeys(redis)).filter((k) => !keys.includes(k) && !/^hilo:(seen|rl|ob|outbox|\{t:h[0-9a-f]{8}\}:d)/.test(k));
  assert.deepEqual(added.filter((k) => /hold/.test(k)), [], `a limited attempt stored a hold: ${added}`);
  await a.close();
}));

test('per ticket: after ref_attempts_ticket codes, later holds send none; agents see the attempts and failures', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const { ref, addr } = await caseByEmail(a, 'per-ticket');
  await a.request({ type: 'ticket.open', ticket: ref });
  const nums = [newNum(), newNum(), newNum()];
  for (const n of nums) {
    await waText(hilo, n, `case ${ref}`);
    await a.next(isEv('hold', (e) => e.ticket === ref), 8000);
  }
  await sleep(500);
  const codes = fake.mails.filter((m) => mailTo(addr)(m) && /\b\d{6}\b/.test(m.parsed.text.replace(ref, '')));
  assert.equal(codes.length, 2, 'codes sent beyond the per-ticket limit');
  const hs = await holds(hilo, cookie);
  assert.deepEqual(nums.map((n) => hs.find((h) => h.identity === `phone:+${n}`).code_to), ['email', 'email', '']);
  // the third sender cannot tell: same notice
  const notices = nums.map((n) => fake.whatsapp.find((r) => r.body.to === `+${n}`).body.text.body);
  assert.equal(new Set(notices).size, 1);
  // wrong codes count on the ticket
  await waText(hilo, nums[0], '111111');
  await waText(hilo, nums[2], '222222');
  await waitFor(async () => {
    const th = await a.request({ type: 'ticket.open', ticket: ref });
    return th.ticket.hold_failures === 2 && th.ticket.holds === 3;
  }, 'holds 3, hold_failures 2 on the ticket');
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.ok(th.events.some((e) => e.kind === 'hold' && /no code sent: too many attempts/.test(e.text)));
  await a.close();
}));

test('per address: widget resumes of other cases are limited (rate_limited), real or made up alike, across visitors', withLogs(async () => {
  const owner = await customer(hilo, { locale: 'en' });
  owner.send({ type: 'message', client_id: 'o-2', text: 'mine' });
  const real = (await owner.next('ack')).ticket;
  // the first test's guesses came from this address too: start its count afresh
  const ipKeys = (await redis.cli('--scan', '--pattern', 'hilo:rl:ip:*')).split('\n').filter(Boolean);
  assert.ok(ipKeys.length >= 1, 'the widget guesses of the first test were not counted by address');
  await redis.cli('DEL', ...ipKeys);
  const p1 = await customer(hilo, { locale: 'en' });
  const answers = [];
  for (const r of [madeUpRef(), real]) answers.push((await p1.request({ type: 'resume', ticket: r, after: '0' })).code);
  assert.deepEqual(answers, ['unknown_ticket', 'unknown_ticket']);
  // the visitor's own limit (ref_attempts_identity 2)
  const limited = await p1.request({ type: 'resume', ticket: real, after: '0' });
  assert.equal(limited.code, 'rate_limited');
  // a new visitor from the same address: one more guess, then the address's limit (3)
  const p2 = await customer(hilo, { locale: 'en' });
  assert.equal((await p2.request({ type: 'resume', ticket: madeUpRef(), after: '0' })).code, 'unknown_ticket');
  assert.equal((await p2.request({ type: 'resume', ticket: madeUpRef(), after: '0' })).code, 'rate_limited');
  assert.equal((await p2.request({ type: 'resume', ticket: real, after: '0' })).code, 'rate_limited');
  // a visitor's own case is never limited
  owner.send({ type: 'resume', ticket: real, after: '0', req: 'own' });
  const own = await owner.next((f) => f.req === 'own' || f.type === 'resumed');
  assert.notEqual(own.type, 'error', JSON.stringify(own));
  await Promise.all([owner.close(), p1.close(), p2.close()]);
}));

test('withheld caller ids never form or match an identity: each call apart, nothing looked up', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  for (const from of ['Anonymous', 'Restricted', 'Unknown', '+266696687', '+86282452253', '+7378742833', '+2562533']) {
    const refs = [];
    for (let i = 0; i < 2; i++) {
      const sid = newSid('CA');
      const first = await twPost(hilo, '/webhooks/twilio/voice', callParams(fake, from, sid));
      assert.deepEqual(findRefs(says(first.body)), [], `${from}: a withheld caller heard a case: ${first.body}`);
      const res = await twPost(hilo, '/webhooks/twilio/voice/gather', callParams(fake, from, sid, { CallStatus: 'in-progress' }));
      const spoken = findRefs(says(res.body));
      assert.equal(spoken.length, 1, `${from}: ${res.body}`);
      await a.next(isTicket((t) => t.ref === spoken[0]), 8000);
      const th = await a.request({ type: 'ticket.open', ticket: spoken[0] });
      assert.ok(th.customer.identities.every((x) => !x.startsWith('phone:')), `${from} linked: ${th.customer.identities}`);
      refs.push([spoken[0], th.customer.id]);
    }
    assert.notEqual(refs[0][0], refs[1][0], `${from}: two callers share a case`);
    assert.notEqual(refs[0][1], refs[1][1], `${from}: two callers share a customer`);
    assert.equal(await identOf(redis, `phone:${from}`), '');
  }
  // a withheld caller keys in a real case: held like anyone; the code (sent
  // to the case's proven address) keyed in later in the same call joins the
  // call to the case, and links nothing
  const { ref, addr } = await caseByEmail(a, 'withheld');
  await a.request({ type: 'ticket.open', ticket: ref });
  const sid = newSid('CA');
  await twPost(hilo, '/webhooks/twilio/voice', callParams(fake, 'Anonymous', sid));
  const heldCall = await twPost(hilo, '/webhooks/twilio/voice/gather', callParams(fake, 'Anonymous', sid, { CallStatus: 'in-progress', Digits: ref, FinishedOnKey: '#' }));
  assert.ok(!findRefs(says(heldCall.body)).includes(ref), heldCall.body);
  assert.doesNotMatch(heldCall.body, /<Record\b/);
  const action = /<Gather\b[^>]*action="([^"]+)"/.exec(heldCall.body)?.[1]?.replace(/&amp;/g, '&');
  assert.ok(action && action.includes('/webhooks/twilio/voice/gather'), heldCall.body);
  const path = new URL(action, 'http://hilo.test').pathname + new URL(action, 'http://hilo.test').search;
  await a.next(isEv('hold', (e) => e.ticket === ref), 8000);
  const [codeMail] = await fake.waitFor(fake.mails, (m) => mailTo(addr)(m) && /\b\d{6}\b/.test(m.parsed.text.replace(ref, '')));
  const code = /\b(\d{6})\b/.exec(codeMail.parsed.text.replace(ref, ''))[1];
  const wrong = await twPost(hilo, path, callParams(fake, 'Anonymous', sid, { CallStatus: 'in-progress', Digits: String((Number(code) + 1) % 1000000).padStart(6, '0'), FinishedOnKey: '#' }));
  assert.match(says(wrong.body), /not right/);
  const again = /<Gather\b[^>]*action="([^"]+)"/.exec(wrong.body)?.[1]?.replace(/&amp;/g, '&');
  assert.ok(again, `a wrong code in a call cannot be tried again: ${wrong.body}`);
  const ok = await twPost(hilo, new URL(again, 'http://hilo.test').pathname + new URL(again, 'http://hilo.test').search,
    callParams(fake, 'Anonymous', sid, { CallStatus: 'in-progress', Digits: code, FinishedOnKey: '#' }));
  assert.match(says(ok.body), /connected to case/);
  assert.ok(findRefs(says(ok.body)).includes(ref));
  const call = (await a.next(isEv('call', (e) => e.ticket === ref), 8000)).event;
  assert.equal(call.channel, 'voice');
  assert.equal(await identOf(redis, 'phone:Anonymous'), '');
  const thw = await a.request({ type: 'ticket.open', ticket: ref });
  assert.ok(thw.customer.identities.every((x) => !x.startsWith('withheld:') && !x.startsWith('phone:')), JSON.stringify(thw.customer.identities));
  // the next withheld call is somebody else: not known, asked for a reference
  const next = await twPost(hilo, '/webhooks/twilio/voice', callParams(fake, 'Anonymous', newSid('CA')));
  assert.deepEqual(findRefs(says(next.body)), []);

  // an SMS from a withheld sender is not a phone identity either
  await smsText(hilo, fake, 'Anonymous', 'who am I');
  const t = (await a.next(isTicket((x) => x.last_text === 'who am I'), 8000)).ticket;
  const th = await a.request({ type: 'ticket.open', ticket: t.ref });
  assert.ok(th.customer.identities.every((x) => !x.startsWith('phone:')), JSON.stringify(th.customer.identities));
  assert.equal(fake.twilio.filter((r) => r.body.To === 'Anonymous').length, 0, 'a reply went to a withheld sender');
  await a.close();
}));
