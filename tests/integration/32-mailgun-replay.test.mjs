// Mailgun signs only timestamp + token (issue #11): inside the 5-minute
// window a captured signature could carry any other email. Hilo claims each
// token for the messages it carried: the same email again (a redelivery) is
// taken once, another email with a used token is refused with 403 and
// stores nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs, sleep } from '../lib/harness.mjs';
import { startFakeProvider, channelArgs, mgPost, mgEmail, isTicket } from '../lib/fake-provider.mjs';

let redis, fake, hilo, anaPw;
before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake, { only: ['email'] }) });
  anaPw = await addAgent(hilo, 'ana');
});
after(async () => { await cleanup(); await fake?.close(); });

test('a used Mailgun token carries no other email; a redelivery is taken once', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const token = 'f'.repeat(50);
  const ts = Math.floor(Date.now() / 1000);
  const first = mgEmail({ from: 'Rosa <rosa@example.net>', subject: 'Order', text: 'my order is late' });
  assert.equal((await mgPost(hilo, first.fields, { token, timestamp: ts })).status, 200);
  await a.next(isTicket((t) => t.last_text === 'my order is late'));

  // the same email with the same token (Mailgun retrying): accepted, not doubled
  assert.equal((await mgPost(hilo, first.fields, { token, timestamp: ts })).status, 200);

  // an attacker reuses the captured signature for another email
  const forged = mgEmail({ from: 'Rosa <rosa@example.net>', subject: 'Order', text: 'refund to account 123' });
  const res = await mgPost(hilo, forged.fields, { token, timestamp: ts });
  assert.equal(res.status, 403, `replay answered ${res.status} ${res.body}`);
  assert.match(res.body, /forbidden/);

  // a fresh token for that second email is fine
  const other = mgEmail({ from: 'Rosa <rosa@example.net>', subject: 'Order', text: 'second honest mail' });
  assert.equal((await mgPost(hilo, other.fields, { timestamp: ts })).status, 200);
  const tk = await a.next(isTicket((t) => t.last_text === 'second honest mail'));
  const th = await a.request({ type: 'ticket.open', ticket: tk.ticket.ref });
  const texts = th.events.filter((e) => e.kind === 'message').map((e) => e.text);
  assert.equal(texts.filter((t) => t === 'my order is late').length, 1, `thread ${JSON.stringify(texts)}`);
  assert.ok(!texts.includes('refund to account 123'), 'the replayed email was stored');
  await sleep(100);
  assert.ok(!JSON.stringify(a.frames).includes('refund to account 123'));
}));
