// Issue #13 (working together): a reply that cannot be delivered did not
// answer the customer. The ticket waits again (since the customer's first
// unanswered message); a permanent refusal is marked `permanent`, one that
// ran out of attempts is not; a retry that gets through answers the ticket.
// Hilo runs with --outbox-attempts 2 --outbox-backoff-ms 100.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, isDelivery, isTicket,
} from '../lib/fake-provider.mjs';

let redis, fake, hilo, anaPw;
let seq = 0;
before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: [...channelArgs(fake), '--outbox-attempts', '2', '--outbox-backoff-ms', '100'] });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(async () => { await cleanup(); await fake?.close(); });

async function setup() {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const num = `1650777${String(7000 + (++seq)).padStart(4, '0')}`;
  const text = `failed waits ${num}`;
  assert.equal((await waPost(hilo, waEnvelope([waMessages([{ from: num, text }])]))).status, 200);
  const tk = (await a.next(isTicket((t) => t.last_text === text))).ticket;
  assert.ok(tk.waiting_since > 0);
  await fake.waitFor(fake.whatsapp, (r) => r.body.to.replace(/^\+/, '') === num);
  await a.request({ type: 'ticket.open', ticket: tk.ref });
  return { a, ref: tk.ref, since: tk.waiting_since };
}
async function reply(a, ref, text, cid) {
  a.send({ type: 'reply', ticket: ref, client_id: cid, text, channel: 'whatsapp' });
  const ack = await a.next((f) => (f.type === 'ack' || f.type === 'error') && f.client_id === cid);
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  await a.next(isTicket((t) => t.ref === ref && t.waiting_since === 0), 8000);
  return ack.event_id;
}
const waiting = (ref) => redis.cli('HGET', `hilo:{t:${ref}}:tk`, 'waiting_since').then(Number);

test('permanent refusal: failed + permanent, the ticket waits again since the first message; a retry that is sent answers it', withLogs(async () => {
  const { a, ref, since } = await setup();
  fake.permanent('whatsapp');
  try {
    const E = await reply(a, ref, 'will not arrive', 'fw-perm');
    const failed = await a.next(isDelivery(E, 'failed'), 8000);
    assert.equal(failed.permanent, true);
    assert.equal(failed.attempts, 1);
    const rec = JSON.parse(await redis.cli('HGET', `hilo:{t:${ref}}:dl`, E));
    assert.equal(rec.waited_since, since, JSON.stringify(rec));
    assert.equal(rec.rewaiting, true, JSON.stringify(rec));
    const tk = (await a.next(isTicket((t) => t.ref === ref && t.waiting_since > 0), 8000)).ticket;
    assert.equal(tk.waiting_since, since, 'waiting since the customer\'s message, not since the failure');
    assert.equal(await waiting(ref), since);
    fake.heal('whatsapp');
    assert.equal((await a.request({ type: 'delivery.retry', ticket: ref, event_id: E })).type, 'ok');
    await a.next(isDelivery(E, 'sent'), 8000);
    const answered = (await a.next(isTicket((t) => t.ref === ref && t.waiting_since === 0), 8000)).ticket;
    assert.equal(answered.status, 'open');
    assert.equal(await waiting(ref), 0);
  } finally {
    fake.heal('whatsapp');
  }
  await a.close();
}));

test('out of attempts: failed, not permanent (Retry makes sense), and the ticket waits again', withLogs(async () => {
  const { a, ref, since } = await setup();
  fake.fail('whatsapp', 5, 503);
  try {
    const E = await reply(a, ref, 'provider down', 'fw-503');
    const failed = await a.next(isDelivery(E, 'failed'), 10000);
    assert.equal(failed.attempts, 2);
    assert.equal(failed.permanent, false);
    await a.next(isTicket((t) => t.ref === ref && t.waiting_since === since), 8000);
  } finally {
    fake.heal('whatsapp');
  }
  await a.close();
}));

test('a delivered reply answers the ticket; a customer message after the failure keeps its own wait', withLogs(async () => {
  const { a, ref } = await setup();
  const E = await reply(a, ref, 'arrives', 'fw-ok');
  await a.next(isDelivery(E, 'sent'), 8000);
  assert.equal(await waiting(ref), 0);
  const dl = JSON.parse(await redis.cli('HGET', `hilo:{t:${ref}}:dl`, E));
  assert.equal(dl.status, 'sent');
  assert.equal(dl.permanent, undefined);
  await a.close();
}));
