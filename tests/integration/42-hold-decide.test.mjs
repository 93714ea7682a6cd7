// An agent decides a held join (docs/continuity.md "Held joins", docs/rest.md,
// docs/protocol.md): approve joins the held messages to the case and links
// the identity with evidence "agent" (by whom); reject joins nothing,
// changes nothing about the customer and tells the sender on its channel.
// Over REST (POST /api/v1/holds/:id/approve|reject) and over the agent
// WebSocket (hold.approve / hold.reject). A decided hold cannot be decided
// again (bad_state); an unknown one is unknown_hold; a hold that named no
// real case cannot be approved (unknown_ticket) but can be rejected.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs, sleep } from '../lib/harness.mjs';
import { startFakeProvider, channelArgs, loginCookie, isEv, digits, isTicket } from '../lib/fake-provider.mjs';
import { waText, smsText, api, identOf, holds, emailTicket, waitFor, customerDump, publicThread, madeUpRef } from '../lib/holds.mjs';

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

const waTo = (num) => (r) => r.body.to === `+${num}`;

// A case by email and a WhatsApp number asking to join it: {ref, cid, num, text, hold}.
async function held(a, label) {
  const addr = `rita${++seq}@example.com`;
  const { ref, cid } = await emailTicket(hilo, a, `Rita Ruiz <${addr}>`, `The blender arrived broken (${label})`);
  await a.request({ type: 'ticket.open', ticket: ref });
  const num = '1650555' + String(6000 + ++seq);
  const text = `This is Rita, case ${ref}, writing from my husband's phone`;
  await waText(hilo, num, text, { name: 'Pablo' });
  await a.next(isEv('hold', (e) => e.ticket === ref), 8000);
  const hold = await waitFor(async () => (await holds(hilo, cookie)).find((h) => h.identity === `phone:+${num}`), 'the hold');
  await fake.waitFor(fake.whatsapp, waTo(num)); // the held notice
  return { ref, cid, num, text, hold, addr };
}

async function checkApproved(a, { ref, cid, num, text }, by) {
  const ev = (await a.next(isEv('message', (e) => e.text === text), 8000)).event;
  assert.equal(ev.ticket, ref);
  assert.equal(ev.channel, 'whatsapp');
  const sent = await fake.waitFor(fake.whatsapp, waTo(num), 2);
  assert.match(sent[1].body.text.body, /connected to case/);
  assert.ok(digits(sent[1].body.text.body).includes(ref));
  assert.equal(await identOf(redis, `phone:+${num}`), cid);
  const d = await customerDump(redis, cid);
  const evd = JSON.parse(d.idev[`phone:+${num}`]);
  assert.equal(evd.how, 'agent');
  assert.equal(evd.by, by);
  assert.equal(d.cu.name, 'Rita Ruiz', 'the WhatsApp profile name overwrote the customer\'s');
  assert.equal((await holds(hilo, cookie)).filter((h) => h.identity === `phone:+${num}`).length, 0);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.ok(th.events.some((e) => e.kind === 'hold' && /Join approved/.test(e.text)), 'the thread shows the approval');
  assert.equal(th.events.filter((e) => e.kind === 'ack').length, 1);
}

async function checkRejected(a, { ref, cid, num }, before, threadBefore) {
  const sent = await fake.waitFor(fake.whatsapp, waTo(num), 2);
  assert.match(sent[1].body.text.body, /could not confirm/);
  assert.ok(!digits(sent[1].body.text.body).includes(ref), 'the rejection names the case');
  await sleep(300);
  assert.equal(await identOf(redis, `phone:+${num}`), '');
  assert.deepEqual(await customerDump(redis, cid), before, 'a rejection changed the customer');
  assert.deepEqual(await publicThread(a, ref), threadBefore);
  assert.equal((await holds(hilo, cookie)).filter((h) => h.identity === `phone:+${num}`).length, 0);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.ok(th.events.some((e) => e.kind === 'hold' && /Join rejected/.test(e.text)));
}

test('REST approve: the held message joins, the number is linked with evidence agent by ana; approving again is bad_state', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const h = await held(a, 'rest-approve');
  const one = await api(hilo, 'GET', `holds/${h.hold.id}`, { cookie });
  assert.equal(one.status, 200, one.body);
  assert.equal(one.json.hold.ref, h.ref);
  assert.equal(one.json.hold.messages[0].text, h.text);
  assert.equal(one.json.hold.messages[0].name, 'Pablo');
  const r = await api(hilo, 'POST', `holds/${h.hold.id}/approve`, { cookie });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json, { hold: h.hold.id, status: 'joined', ticket: h.ref });
  await checkApproved(a, h, 'ana');
  const again = await api(hilo, 'POST', `holds/${h.hold.id}/reject`, { cookie });
  assert.equal(again.status, 409, again.body);
  assert.equal(again.json.error.code, 'bad_state');
  await a.close();
}));

test('REST reject: nothing joins, nothing about the customer changes, the sender is told; deciding again is bad_state', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const h = await held(a, 'rest-reject');
  const before = await customerDump(redis, h.cid);
  const threadBefore = await publicThread(a, h.ref);
  const r = await api(hilo, 'POST', `holds/${h.hold.id}/reject`, { cookie });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.status, 'rejected');
  await checkRejected(a, h, before, threadBefore);
  const again = await api(hilo, 'POST', `holds/${h.hold.id}/approve`, { cookie });
  assert.equal(again.status, 409, again.body);
  assert.equal(again.json.error.code, 'bad_state');
  await sleep(300);
  assert.equal(await identOf(redis, `phone:+${h.num}`), '');
  await a.close();
}));

test('WebSocket hold.approve and hold.reject', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const h1 = await held(a, 'ws-approve');
  const ok = await a.request({ type: 'hold.approve', hold: h1.hold.id });
  assert.equal(ok.type, 'ok', JSON.stringify(ok));
  await checkApproved(a, h1, 'ana');
  const h2 = await held(a, 'ws-reject');
  const before = await customerDump(redis, h2.cid);
  const threadBefore = await publicThread(a, h2.ref);
  const no = await a.request({ type: 'hold.reject', hold: h2.hold.id });
  assert.equal(no.type, 'ok', JSON.stringify(no));
  await checkRejected(a, h2, before, threadBefore);
  const again = await a.request({ type: 'hold.reject', hold: h2.hold.id });
  assert.equal(again.type, 'error');
  assert.equal(again.code, 'bad_state');
  // the case's own list keeps decided holds, with who decided
  for (const [h, status] of [[h1, 'joined'], [h2, 'rejected']]) {
    const r = await api(hilo, 'GET', `tickets/${h.ref}/holds`, { cookie });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json.holds.map((x) => [x.id, x.status, x.decided_by]), [[h.hold.id, status, 'ana']]);
  }
  const bad = await api(hilo, 'GET', 'tickets/12/holds', { cookie });
  assert.equal(bad.status, 404);
  assert.equal(bad.json.error.code, 'unknown_ticket');
  await a.close();
}));

test('unknown holds: unknown_hold over REST and WebSocket; a hold naming a made-up case cannot be approved, only rejected', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  for (const id of ['00000000', 'zz', '0123456789']) {
    const r = await api(hilo, 'POST', `holds/${id}/approve`, { cookie });
    assert.equal(r.status, 404, `${id}: ${r.body}`);
    assert.equal(r.json.error.code, 'unknown_hold');
    const w = await a.request({ type: 'hold.reject', hold: id });
    assert.equal(w.code, id.length > 8 ? 'bad_frame' : 'unknown_hold', JSON.stringify(w));
  }
  const from = '+1212555' + String(6000 + ++seq);
  await smsText(hilo, fake, from, `my case is ${madeUpRef()}`);
  const h = await waitFor(async () => (await holds(hilo, cookie)).find((x) => x.identity === `phone:${from}`), 'the hold');
  assert.equal(h.ticket_exists, false);
  assert.equal(h.code_to, '');
  const r = await api(hilo, 'POST', `holds/${h.id}/approve`, { cookie });
  assert.equal(r.status, 404, r.body);
  assert.equal(r.json.error.code, 'unknown_ticket');
  const still = (await holds(hilo, cookie)).find((x) => x.id === h.id);
  assert.equal(still?.status, 'pending', 'a refused approval changed the hold');
  const rj = await api(hilo, 'POST', `holds/${h.id}/reject`, { cookie });
  assert.equal(rj.status, 200, rj.body);
  assert.equal(await identOf(redis, `phone:${from}`), '');
  await a.close();
}));

test('a case closed while a join waits: approve is bad_state and leaves the hold pending, so it can still be rejected', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const h = await held(a, 'closed');
  const before = await customerDump(redis, h.cid);
  assert.equal((await a.request({ type: 'status', ticket: h.ref, status: 'closed' })).type, 'ok');
  const r = await api(hilo, 'POST', `holds/${h.hold.id}/approve`, { cookie });
  assert.equal(r.status, 409, r.body);
  assert.equal(r.json.error.code, 'bad_state');
  const one = await api(hilo, 'GET', `holds/${h.hold.id}`, { cookie });
  assert.equal(one.json.hold.status, 'pending', 'a join that could not be done left the hold stuck');
  assert.equal(await identOf(redis, `phone:+${h.num}`), '');
  assert.deepEqual(await customerDump(redis, h.cid), before);
  const rj = await api(hilo, 'POST', `holds/${h.hold.id}/reject`, { cookie });
  assert.equal(rj.status, 200, rj.body);
  assert.equal(rj.json.status, 'rejected');
  await a.close();
}));
