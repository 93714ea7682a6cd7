// WhatsApp business-scoped user ids (BSUID, Meta 2026; docs/channels/whatsapp.md
// "Business-scoped user ids", docs/continuity.md): genuinely HMAC-signed
// webhooks where the phone number (contacts[].wa_id, messages[].from) may be
// absent and the sender is named by contacts[].user_id / messages[].from_user_id.
// A BSUID-only sender gets a ticket and its replies go in "recipient" (the
// fake Graph API refuses anything else); a message with both links both
// identities with evidence "provider"; a later BSUID-only message joins the
// same thread; a new BSUID quoting a reference is held like any new identity.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs, sleep } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, waPost, waEnvelope, waMeta, newWamid, loginCookie, formatRef, isEv, isDelivery,
  isTicket, digits,
} from '../lib/fake-provider.mjs';
import { customerDump, identOf, publicThread, holds, emailTicket } from '../lib/holds.mjs';

let redis, fake, hilo, anaPw, cookie;
let seq = 0;
const newBsuid = () => `US.${13491208655302741000n + BigInt(++seq * 7919)}`;
const newPhone = () => `1650556${String(1000 + ++seq).padStart(4, '0')}`;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake) });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  cookie = await loginCookie(hilo, 'ana', anaPw);
});
after(async () => { await cleanup(); await fake?.close(); });

// One signed text message as Meta sends it since the BSUID change: user_id
// always, the phone number (wa_id, from) only when given.
async function waBsuid({ bsuid, phone, text, name = 'Sheena Nelson', id = newWamid() }) {
  const contact = { profile: { name }, user_id: bsuid };
  const msg = { from_user_id: bsuid, id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } };
  if (phone) { contact.wa_id = phone; msg.from = phone; }
  const r = await waPost(hilo, waEnvelope([{
    field: 'messages', value: { messaging_product: 'whatsapp', metadata: waMeta, contacts: [contact], messages: [msg] },
  }]));
  assert.equal(r.status, 200, `whatsapp webhook: ${r.status} ${r.body}`);
  return id;
}

const toBsuid = (b) => (r) => r.body.recipient === b;
const toPhone = (p) => (r) => typeof r.body.to === 'string' && r.body.to.replace(/^\+/, '') === p;

async function watcher() {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  return a;
}

async function identities(cid) {
  const r = await fetch(`${hilo.url}/api/v1/customers/${cid}/identities`, { headers: { cookie } });
  assert.equal(r.status, 200);
  return (await r.json()).identities;
}

test('a BSUID-only message opens a ticket; the ack and the reply go to the BSUID in "recipient"', withLogs(async () => {
  const a = await watcher();
  const b = newBsuid();
  const text = `Hola, my parcel never arrived (${b})`;
  await waBsuid({ bsuid: b, text });
  const t = (await a.next(isTicket((x) => x.last_text === text))).ticket;
  assert.equal(t.channel, 'whatsapp');
  const th = await a.request({ type: 'ticket.open', ticket: t.ref });
  const cid = th.customer.id;
  assert.equal(await identOf(redis, `bsuid:${b}`), cid, 'the BSUID is the sender\'s identity');
  assert.ok(!th.customer.identities.some((x) => x.startsWith('phone:')), `a phone identity appeared: ${th.customer.identities}`);
  assert.equal((await identities(cid)).find((i) => i.identity === `bsuid:${b}`)?.how, 'provider');

  // the acknowledgement: to the BSUID as the Cloud API requires ("recipient", no "to")
  const [ack] = await fake.waitFor(fake.whatsapp, toBsuid(b));
  assert.equal(ack.body.to, undefined, JSON.stringify(ack.body));
  assert.ok(digits(ack.body.text.body).includes(t.ref), ack.body.text.body);

  // the agent's reply goes the same way and is delivered (the fake answers contacts[].user_id)
  a.send({ type: 'reply', ticket: t.ref, client_id: 'r-bsuid', text: 'We are looking into it' });
  const E = (await a.next((f) => f.type === 'ack' && f.client_id === 'r-bsuid')).event_id;
  const sent = await a.next(isDelivery(E, 'sent'), 8000);
  assert.equal(sent.channel, 'whatsapp');
  assert.equal(sent.to, b);
  const got = await fake.waitFor(fake.whatsapp, (r) => toBsuid(b)(r) && r.body.text?.body === 'We are looking into it');
  assert.equal(got[0].body.to, undefined);
  await a.close();
}));

test('phone + BSUID links both (provider); a later BSUID-only message lands in the same thread', withLogs(async () => {
  const a = await watcher();
  const b = newBsuid(), phone = newPhone();
  const first = `Order 5521 is missing a part (${b})`;
  await waBsuid({ bsuid: b, phone, text: first });
  const t = (await a.next(isTicket((x) => x.last_text === first))).ticket;
  const cid = (await a.request({ type: 'ticket.open', ticket: t.ref })).customer.id;
  assert.equal(await identOf(redis, `phone:+${phone}`), cid);
  assert.equal(await identOf(redis, `bsuid:${b}`), cid);
  const ids = await identities(cid);
  assert.equal(ids.find((i) => i.identity === `phone:+${phone}`)?.how, 'provider');
  assert.equal(ids.find((i) => i.identity === `bsuid:${b}`)?.how, 'provider');
  // with a phone number known, the ack goes to the phone (Meta recommends it)
  await fake.waitFor(fake.whatsapp, toPhone(phone));

  // later the user hides the number: the BSUID alone finds the customer and the thread
  const later = `Any news? (${b})`;
  await waBsuid({ bsuid: b, text: later });
  const t2 = (await a.next(isTicket((x) => x.last_text === later))).ticket;
  assert.equal(t2.ref, t.ref, 'the BSUID-only message opened another ticket');
  const msgs = (await publicThread(a, t.ref)).filter((e) => e.kind === 'message').map((e) => e.text);
  assert.deepEqual(msgs.slice(-2), [first, later]);
  assert.deepEqual((await customerDump(redis, cid)).tix, [t.ref]);

  // a phone+BSUID message from a phone new to Hilo whose BSUID is known joins that customer too
  const phone2 = newPhone();
  const third = `Writing from my new number (${b})`;
  await waBsuid({ bsuid: b, phone: phone2, text: third });
  const t3 = (await a.next(isTicket((x) => x.last_text === third))).ticket;
  assert.equal(t3.ref, t.ref);
  assert.equal(await identOf(redis, `phone:+${phone2}`), cid);
  await a.close();
}));

test('a BSUID owned by another customer is never moved by a phone+BSUID message', withLogs(async () => {
  const a = await watcher();
  const b = newBsuid(), phoneA = newPhone(), phoneB = newPhone();
  const one = `First customer here (${b})`;
  await waBsuid({ bsuid: b, phone: phoneA, text: one });
  const ta = (await a.next(isTicket((x) => x.last_text === one))).ticket;
  const cidA = await identOf(redis, `phone:+${phoneA}`);
  // another customer, known by its own phone, arrives with the same BSUID
  const two = `Second customer (${phoneB})`;
  await waBsuid({ bsuid: newBsuid(), phone: phoneB, text: two });
  await a.next(isTicket((x) => x.last_text === two));
  const cidB = await identOf(redis, `phone:+${phoneB}`);
  assert.notEqual(cidA, cidB);
  const dumpA = await customerDump(redis, cidA);
  const three = `Same BSUID, other phone (${phoneB})`;
  await waBsuid({ bsuid: b, phone: phoneB, text: three });
  const t3 = (await a.next(isTicket((x) => x.last_text === three))).ticket;
  assert.notEqual(t3.ref, ta.ref);
  assert.equal(await identOf(redis, `bsuid:${b}`), cidA, 'the BSUID moved');
  assert.ok(!(await customerDump(redis, cidB)).ids.includes(`bsuid:${b}`), 'the BSUID was added to the other customer');
  assert.deepEqual((await customerDump(redis, cidA)).ids, dumpA.ids);
  await a.close();
}));

test('a new BSUID quoting a reference is held: nothing linked, revealed or routed to it', withLogs(async () => {
  const a = await watcher();
  const victim = `victim${++seq}@example.com`;
  const { ref, cid } = await emailTicket(hilo, a, `Victoria Vance <${victim}>`, 'My card ending 4242 was charged twice');
  await fake.waitFor(fake.mails, (m) => m.envelope.rcptTo.includes(victim));
  const before = await customerDump(redis, cid);
  const threadBefore = await publicThread(a, ref);

  const b = newBsuid();
  await waBsuid({ bsuid: b, text: `Please add me to ${formatRef(ref)}`, name: 'Mallory Moss' });
  const ev = (await a.next(isEv('hold'), 8000)).event;
  assert.equal(ev.ticket, ref);
  const h = (await holds(hilo, cookie)).find((x) => x.identity === `bsuid:${b}`);
  assert.ok(h, 'the hold of the BSUID is not listed');
  assert.equal(h.status, 'pending');
  assert.equal(h.channel, 'whatsapp');
  assert.equal(await identOf(redis, `bsuid:${b}`), '', 'the BSUID was linked');
  assert.deepEqual(await customerDump(redis, cid), before);
  assert.deepEqual(await publicThread(a, ref), threadBefore);

  // told on its channel (to the BSUID) that the case needs confirming, naming nothing
  const [notice] = await fake.waitFor(fake.whatsapp, toBsuid(b));
  assert.ok(!digits(notice.body.text.body).includes(ref), notice.body.text.body);
  assert.doesNotMatch(notice.body.text.body, /Victoria|4242|charged/);

  // the agent's reply goes to the victim, never to the BSUID
  a.send({ type: 'reply', ticket: ref, client_id: 'r-victim', text: 'Refund on its way' });
  const E = (await a.next((f) => f.type === 'ack' && f.client_id === 'r-victim')).event_id;
  const sent = await a.next(isDelivery(E, 'sent'), 8000);
  assert.equal(sent.to, victim);
  await sleep(300);
  assert.equal(fake.whatsapp.filter(toBsuid(b)).length, 1, 'something else was sent to the BSUID');
  await a.close();
}));
