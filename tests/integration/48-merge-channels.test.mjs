// Merge and blocking across provider channels, with genuinely signed Twilio
// webhooks and the fake Messages API (docs/continuity.md "Merge, undo and
// blocking"): after a merge, a message from the merged customer's number
// joins the target customer's current ticket; a block follows the identity
// through the merge (kept apart, never replied to); undo sends the number
// back to its own customer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs, httpGet } from '../lib/harness.mjs';
import { startFakeProvider, channelArgs, twPost, newSid, loginCookie, isTicket, isDelivery } from '../lib/fake-provider.mjs';

let redis, fake, hilo, anaPw, cookie;
let phoneSeq = 0;
const newPhone = () => `+1415666${String(2000 + (++phoneSeq)).padStart(4, '0')}`;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake, { only: ['twilio'] }) });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  cookie = await loginCookie(hilo, 'ana', anaPw);
});
after(async () => { await cleanup(); await fake?.close(); });

async function sms(from, body) {
  const sid = newSid();
  const r = await twPost(hilo, '/webhooks/twilio/messaging', {
    MessageSid: sid, SmsSid: sid, SmsMessageSid: sid, AccountSid: fake.config.twilioSid, From: from, To: '+14155550199',
    Body: body, NumMedia: '0', NumSegments: '1', SmsStatus: 'received', ApiVersion: '2010-04-01',
  });
  assert.equal(r.status, 200, r.body);
}
const api = (method, path, body) => httpGet(hilo.url + path, {
  method, headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body && JSON.stringify(body),
});

test('after a merge the number joins the target; a block follows the identity; undo sends it back', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const p1 = newPhone(), p2 = newPhone();
  await sms(p1, 'first from p1');
  const r1 = (await a.next(isTicket((t) => t.last_text === 'first from p1'))).ticket;
  await sms(p2, 'first from p2');
  const r2 = (await a.next(isTicket((t) => t.last_text === 'first from p2'))).ticket;
  const A = r1.customer, B = r2.customer;
  assert.notEqual(A, B);

  const m = await api('POST', `/api/v1/customers/${A}/merge`, { into: B });
  assert.equal(m.status, 200, m.body);
  // p1 now belongs to B: its next message joins B's current ticket (the newer one, r2)
  await sms(p1, 'p1 after merge');
  const tk = (await a.next(isTicket((t) => t.last_text === 'p1 after merge'))).ticket;
  assert.equal(tk.ref, r2.ref);
  assert.equal(tk.customer, B);

  // block p1 on B: its messages are kept apart, replies to it fail
  const b = await api('POST', `/api/v1/customers/${B}/identities/block`, { identity: `phone:${p1}` });
  assert.equal(b.status, 200, b.body);
  const xlen = await redis.cli('XLEN', `hilo:{t:${r2.ref}}:ev`);
  await sms(p1, 'thief via sms');
  const kept = await api('GET', `/api/v1/customers/${B}/blocked`);
  assert.deepEqual(kept.json.messages.map((x) => [x.identity, x.channel, x.text]), [[`phone:${p1}`, 'sms', 'thief via sms']]);
  assert.equal(await redis.cli('XLEN', `hilo:{t:${r2.ref}}:ev`), xlen, 'not in the thread');

  // undo: p1 back to A with its block (blocks belong to identities)
  const u = await api('POST', `/api/v1/merges/${m.json.merge.id}/undo`, {});
  assert.equal(u.status, 200, u.body);
  assert.equal(await redis.cli('GET', `hilo:ident:phone:${p1}`), A);
  const ids = await api('GET', `/api/v1/customers/${A}/identities`);
  assert.equal(ids.json.identities.find((x) => x.identity === `phone:${p1}`).blocked.by, 'ana');
  // a reply on A's ticket by SMS never reaches p1
  await a.request({ type: 'ticket.open', ticket: r1.ref });
  const before = fake.twilio.filter((r) => r.body?.To === p1).length;
  a.send({ type: 'reply', ticket: r1.ref, client_id: 'r-sms', text: 'your code is 123', channel: 'sms' });
  const E = (await a.next((f) => f.type === 'ack' && f.client_id === 'r-sms')).event_id;
  assert.equal((await a.next(isDelivery(E, 'failed'), 8000)).error, 'identity_blocked');
  assert.equal(fake.twilio.filter((r) => r.body?.To === p1).length, before);
  await a.close();
}));
