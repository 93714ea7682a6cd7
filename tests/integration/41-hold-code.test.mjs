// The legitimate customer (docs/continuity.md "Held joins"): a new channel
// quoting their case is held, a 6-digit code goes to a channel already
// proven for that case, and the code written back on the new channel joins
// it: the held messages join the thread in order, the identity is linked
// with evidence "code", the new channel hears "you're connected to case …";
// no new ticket, no second acknowledgement. A code dies after 10 minutes
// (fake clock) and after 3 wrong tries; failures show on the ticket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs, sleep, advanceClock } from '../lib/harness.mjs';
import { startFakeProvider, channelArgs, loginCookie, formatRef, isEv, isDelivery, digits, isTicket } from '../lib/fake-provider.mjs';
import { waText, smsText, mail, identOf, holds, emailTicket, waitFor, customerDump } from '../lib/holds.mjs';

let redis, fake, hilo, anaPw, cookie;
let seq = 0;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: [...channelArgs(fake), '--test-clock', '1'] });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  cookie = await loginCookie(hilo, 'ana', anaPw);
});
after(async () => { await cleanup(); await fake?.close(); });

const mailTo = (addr) => (m) => m.envelope.rcptTo.includes(addr);
const waTo = (num) => (r) => r.body.to === `+${num}`;
const newNum = () => '1650555' + String(8000 + ++seq);

// A case opened by email and a new WhatsApp number quoting it: held, the
// code mailed to the proven address. Returns what the steps need.
async function heldCase(a, label) {
  const addr = `carla${++seq}@example.com`;
  const { ref, cid } = await emailTicket(hilo, a, `Carla Cruz <${addr}>`, `My parcel is lost (${label})`);
  await a.request({ type: 'ticket.open', ticket: ref });
  const num = newNum();
  const first = `Hi, I'm writing about case ${formatRef(ref)} from my phone`;
  await waText(hilo, num, first, { name: 'Carla' });
  await a.next(isEv('hold', (e) => e.ticket === ref), 8000);
  const [codeMail] = await fake.waitFor(fake.mails, (m) => mailTo(addr)(m) && /\b\d{6}\b/.test(m.parsed.text));
  const code = /\b(\d{6})\b/.exec(codeMail.parsed.text.replace(ref, ''))[1];
  assert.ok(codeMail.parsed.text.includes('***' + num.slice(-4)), `the code mail names the masked number: ${codeMail.parsed.text}`);
  return { addr, ref, cid, num, first, code };
}

test('the code mailed to the proven address, written back on WhatsApp, joins the held messages in order: linked with evidence, connected, no new ticket, no second ack', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const { addr, ref, cid, num, first, code } = await heldCase(a, 'join');
  // a second message naming the case waits in the same hold
  const second = `Also, case ${ref}: the tracking number is 1Z999`;
  await waText(hilo, num, second, { name: 'Carla' });
  await waitFor(async () => (await holds(hilo, cookie)).find((h) => h.identity === `phone:+${num}` && h.messages.length === 2), 'two held messages');
  assert.equal(await identOf(redis, `phone:+${num}`), '');

  await waText(hilo, num, ` ${code.slice(0, 3)} ${code.slice(3)} `, { name: 'Carla' });
  const e1 = (await a.next(isEv('message', (e) => e.text === first), 8000)).event;
  const e2 = (await a.next(isEv('message', (e) => e.text === second), 8000)).event;
  assert.equal(e1.ticket, ref);
  assert.equal(e2.ticket, ref);
  assert.equal(e1.channel, 'whatsapp');
  // "you're connected to case …" on the new channel
  const sent = await fake.waitFor(fake.whatsapp, waTo(num), 2);
  assert.match(sent[1].body.text.body, /connected to case/);
  assert.ok(digits(sent[1].body.text.body).includes(ref));
  await sleep(500);
  assert.deepEqual(a.drain(isTicket((t) => t.ref !== ref)), [], 'no new ticket');
  assert.equal(fake.whatsapp.filter(waTo(num)).length, 2, 'the held notice and the connected message, nothing more');
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.events.filter((e) => e.kind === 'ack').length, 1, 'one acknowledgement');
  const msgs = th.events.filter((e) => e.kind === 'message').map((e) => e.text);
  assert.deepEqual(msgs.slice(-2), [first, second], 'held messages in order, the code itself not in the thread');
  assert.ok(!msgs.some((t) => t.includes(code)));
  // linked with its evidence; the customer's name and email untouched
  assert.equal(await identOf(redis, `phone:+${num}`), cid);
  const d = await customerDump(redis, cid);
  assert.equal(d.cu.name, 'Carla Cruz');
  assert.equal(d.cu.email, addr);
  const ev = JSON.parse(d.idev[`phone:+${num}`]);
  assert.equal(ev.how, 'code');
  const ids = await (await fetch(`${hilo.url}/api/v1/customers/${cid}/identities`, { headers: { cookie } })).json();
  assert.equal(ids.identities.find((i) => i.identity === `phone:+${num}`)?.how, 'code');
  assert.equal(ids.identities.find((i) => i.identity === `email:${addr}`)?.how, 'provider');
  assert.equal((await holds(hilo, cookie)).filter((h) => h.identity === `phone:+${num}`).length, 0, 'the hold left the list');

  // the agent's next reply goes where the customer last wrote: WhatsApp, now proven
  a.send({ type: 'reply', ticket: ref, client_id: 'r-join', text: 'Found it, delivering tomorrow' });
  const E = (await a.next((f) => f.type === 'ack' && f.client_id === 'r-join')).event_id;
  assert.equal((await a.next(isDelivery(E, 'sent'), 8000)).channel, 'whatsapp');
  // and a later message from the number, without reference, joins the case
  await waText(hilo, num, 'thank you!', { name: 'Carla' });
  assert.equal((await a.next(isEv('message', (e) => e.text === 'thank you!'), 8000)).event.ticket, ref);
  await a.close();
}));

test('the code sent by SMS to the proven number confirms an email address (reply with the code)', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const phone = '+1212555' + String(8000 + ++seq);
  await smsText(hilo, fake, phone, 'my router is broken');
  const ref = (await a.next(isTicket((t) => t.last_text === 'my router is broken'), 8000)).ticket.ref;
  await a.request({ type: 'ticket.open', ticket: ref });
  const addr = `dan${++seq}@example.org`;
  await mail(hilo, { from: `Dan <${addr}>`, subject: `Case [#${ref}]`, text: 'Here are the photos of the router' });
  const [codeSms] = await fake.waitFor(fake.twilio, (r) => r.body.To === phone && /\b\d{6}\b/.test(r.body.Body.replace(ref, '')));
  const code = /\b(\d{6})\b/.exec(codeSms.body.Body.replace(ref, ''))[1];
  assert.equal(await identOf(redis, `email:${addr}`), '');
  await mail(hilo, { from: `Dan <${addr}>`, subject: 'Re: your code', text: code });
  const ev = (await a.next(isEv('message', (e) => e.text === 'Here are the photos of the router'), 8000)).event;
  assert.equal(ev.ticket, ref);
  assert.equal(ev.channel, 'email');
  const [connected] = await fake.waitFor(fake.mails, (m) => mailTo(addr)(m) && /connected to case/.test(m.parsed.text));
  assert.ok(digits(connected.parsed.text).includes(ref));
  assert.ok(await identOf(redis, `email:${addr}`));
  await a.close();
}));

test('three wrong codes kill the hold: the right code afterwards joins nothing', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const { ref, num, code, first } = await heldCase(a, 'tries');
  const wrong = (k) => String((Number(code) + k) % 1000000).padStart(6, '0');
  for (let i = 1; i <= 3; i++) await waText(hilo, num, wrong(i), { name: 'Carla' });
  const sent = await fake.waitFor(fake.whatsapp, waTo(num), 4);
  assert.deepEqual(sent.slice(1).map((r) => /not right/.test(r.body.text.body) ? 'bad' : /no longer/.test(r.body.text.body) ? 'dead' : r.body.text.body),
    ['bad', 'bad', 'dead']);
  await waText(hilo, num, code, { name: 'Carla' });
  await fake.waitFor(fake.whatsapp, waTo(num), 5);
  assert.match(fake.whatsapp.filter(waTo(num))[4].body.text.body, /no longer/);
  await sleep(300);
  assert.equal(await identOf(redis, `phone:+${num}`), '');
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.ok(!th.events.some((e) => e.kind === 'message' && e.text === first), 'a dead hold joined');
  assert.equal(th.ticket.hold_failures, 4);
  assert.equal(th.events.filter((e) => e.kind === 'hold' && /Wrong confirmation code/.test(e.text)).length, 4);
  const h = (await holds(hilo, cookie)).find((x) => x.identity === `phone:+${num}`);
  assert.equal(h.tries, 3);
  assert.equal(h.status, 'pending', 'still waits for an agent');
  await a.close();
}));

test('a number that already has a case of its own proves the code: its identity moves to the proven customer, listed by one customer only', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const num = newNum();
  await waText(hilo, num, 'my own little question', { name: 'Carla' });
  const own = (await a.next(isTicket((t) => t.last_text === 'my own little question'), 8000)).ticket;
  const ownCid = await identOf(redis, `phone:+${num}`);
  assert.ok(ownCid);
  const addr = `carla${++seq}@example.com`;
  const { ref, cid } = await emailTicket(hilo, a, `Carla Cruz <${addr}>`, 'the real problem (moved identity)');
  await a.request({ type: 'ticket.open', ticket: ref });
  await waText(hilo, num, `about case ${ref}`, { name: 'Carla' });
  await a.next(isEv('hold', (e) => e.ticket === ref), 8000);
  const [codeMail] = await fake.waitFor(fake.mails, (m) => mailTo(addr)(m) && /\b\d{6}\b/.test(m.parsed.text.replace(ref, '')));
  const code = /\b(\d{6})\b/.exec(codeMail.parsed.text.replace(ref, ''))[1];
  await waText(hilo, num, code, { name: 'Carla' });
  assert.equal((await a.next(isEv('message', (e) => e.text === `about case ${ref}`), 8000)).event.ticket, ref);
  assert.equal(await identOf(redis, `phone:+${num}`), cid);
  const proven = await customerDump(redis, cid);
  const former = await customerDump(redis, ownCid);
  assert.ok(proven.ids.includes(`phone:+${num}`));
  assert.ok(!former.ids.includes(`phone:+${num}`), `the former customer still lists the number: ${former.ids}`);
  assert.equal(former.idev[`phone:+${num}`], undefined);
  assert.deepEqual(former.tix, [own.ref], 'the former customer keeps its case');
  await a.close();
}));

// Last: the fake clock moves 10 minutes (Mailgun's signed timestamps would be stale after it).
test('a code dies after 10 minutes: written back later it joins nothing; the ticket shows the failure', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const { ref, num, code, first } = await heldCase(a, 'expiry');
  await advanceClock(hilo, 10 * 60 * 1000 + 1000);
  await waText(hilo, num, code, { name: 'Carla' });
  const fail = (await a.next(isEv('hold', (e) => e.ticket === ref && /Wrong confirmation code/.test(e.text)), 8000)).event;
  assert.match(fail.text, /no tries left|Wrong confirmation code/);
  const sent = await fake.waitFor(fake.whatsapp, waTo(num), 2);
  assert.match(sent[1].body.text.body, /can no longer be used/);
  await sleep(300);
  assert.equal(await identOf(redis, `phone:+${num}`), '');
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.ok(!th.events.some((e) => e.kind === 'message' && e.text === first), 'an expired code joined');
  assert.ok(th.ticket.hold_failures >= 1, `hold_failures ${th.ticket.hold_failures}`);
  assert.equal(th.ticket.holds, 1);
  await a.close();
}));
