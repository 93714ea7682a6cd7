// At-least-once delivery across a crash (docs/delivery.md): Hilo is SIGKILLed
// while the provider hangs on the send; a new Hilo on the same Redis sends
// the outbox entry (after the 30 s idle claim at the latest) and the delivery
// ends `sent`. Slow on purpose (up to ~40 s).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs } from '../lib/harness.mjs';
import { startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, isDelivery, isTicket } from '../lib/fake-provider.mjs';

let redis, fake, anaPw;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
});
after(async () => { await cleanup(); await fake?.close(); });

test('SIGKILL mid-send, new Hilo on the same Redis: the message is sent and the delivery ends sent', { timeout: 60000 }, withLogs(async () => {
  const h1 = await startHilo({ redisUrl: redis.url, args: channelArgs(fake, { timeoutMs: 10000 }) });
  anaPw = await addAgent(h1, 'ana', { display: 'Ana' });
  const a = await agent(h1, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const num = '16505559876';
  assert.equal((await waPost(h1, waEnvelope([waMessages([{ from: num, text: 'crash test' }])]))).status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === 'crash test'))).ticket.ref;
  await fake.waitFor(fake.whatsapp, (r) => r.body.to.replace(/^\+/, '') === num);
  await a.request({ type: 'ticket.open', ticket: ref });

  fake.hang('whatsapp');
  const text = 'sent across a crash';
  a.send({ type: 'reply', ticket: ref, client_id: 'crash-1', text, channel: 'whatsapp' });
  const E = (await a.next((f) => f.type === 'ack' && f.client_id === 'crash-1')).event_id;
  await fake.waitFor(fake.attempts.whatsapp, (r) => r.body?.text?.body === text, 1, 5000);
  await h1.kill('SIGKILL');
  fake.heal('whatsapp');
  const t0 = Date.now();

  const h2 = await startHilo({ redisUrl: redis.url, args: channelArgs(fake) });
  const b = await agent(h2, 'ana', anaPw);
  await b.request({ type: 'ticket.open', ticket: ref });
  await fake.waitFor(fake.whatsapp, (r) => r.body.text?.body === text, 1, 40000);
  const took = Date.now() - t0;
  // The delivery ends `sent`: live frame (if it arrives while watching) and Redis.
  let dl;
  const deadline = Date.now() + 5000;
  for (;;) {
    dl = JSON.parse((await redis.cli('HGET', `hilo:{t:${ref}}:dl`, E)) || 'null');
    if (dl?.status === 'sent' || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(dl?.status, 'sent', JSON.stringify(dl));
  const accepted = fake.whatsapp.filter((r) => r.body.text?.body === text);
  assert.ok(accepted.length >= 1);
  assert.equal(dl.provider_id, accepted.at(-1).providerId);
  const th = await b.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.events.find((e) => e.id === E)?.delivery?.status, 'sent');
  console.log(`# crash test: ${fake.attempts.whatsapp.filter((r) => r.body?.text?.body === text).length} attempts, `
    + `${accepted.length} accepted, sent ${took} ms after the restart began`);
  await b.close();
}));
