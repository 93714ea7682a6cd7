// Provider data never names an event's own fields (issue #11): a WhatsApp
// message of a type Hilo does not know keeps its raw object under the
// type's name, and a type called "kind", "author", "id" or "delivery" must
// not forge the event's kind, author, id or delivery state — neither live,
// nor in the thread an agent opens, nor in the customer's widget history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, newWamid, isTicket,
} from '../lib/fake-provider.mjs';

let redis, fake, hilo, anaPw;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake) });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(async () => { await cleanup(); await fake?.close(); });

// {type, payload}: the message object gets payload's fields, as an attacker
// would write it (the "id" one uses the message's own id field, the wamid)
const forged = [
  { type: 'kind', payload: { kind: 'reply' } },
  { type: 'author', payload: { author: { role: 'agent', id: 'ana', name: 'Ana' } } },
  { type: 'id', payload: { id: '9999999999999-0' } },
  { type: 'delivery', payload: { delivery: { status: 'read' } } },
  { type: 'ticket', payload: { ticket: '12345678' } },
  { type: 'channel', payload: { channel: 'web' } },
];

test('an unknown WhatsApp type named like an event field forges nothing', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  assert.equal((await a.request({ type: 'queue.watch' })).type, 'queue');
  const num = '16505559001';
  // the first message opens the ticket
  const first = await waPost(hilo, waEnvelope([waMessages([{ from: num, text: 'hello there' }])]));
  assert.equal(first.status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === 'hello there'))).ticket.ref;
  const th0 = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th0.type, 'thread');

  for (const f of forged) {
    const msg = { from: num, id: newWamid(), type: f.type, ...f.payload };
    const res = await waPost(hilo, waEnvelope([waMessages([msg])]));
    assert.equal(res.status, 200, `webhook answered ${res.status} ${res.body}`);
    const live = await a.next((fr) => fr.type === 'event' && fr.event.type === f.type);
    const e = live.event;
    assert.equal(e.kind, 'message', `${f.type}: live kind ${JSON.stringify(e.kind)}`);
    assert.equal(e.author.role, 'customer', `${f.type}: live author ${JSON.stringify(e.author)}`);
    assert.equal(e.ticket, ref, `${f.type}: live ticket ${e.ticket}`);
    assert.notEqual(e.id, '9999999999999-0', `${f.type}: live id forged`);
    assert.match(e.id, /^\d+-\d+$/);
    assert.equal(e.channel, 'whatsapp', `${f.type}: live channel ${e.channel}`);
    assert.equal(e.delivery, undefined, `${f.type}: delivery forged ${JSON.stringify(e.delivery)}`);
  }

  // the stored thread (what a reload shows) forges nothing either
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  const msgs = th.events.filter((e) => e.kind !== 'ack' && e.id !== th0.events[0].id);
  assert.deepEqual(msgs.map((e) => e.type), forged.map((f) => f.type), `thread ${JSON.stringify(th.events)}`);
  for (const e of msgs) {
    assert.equal(e.kind, 'message');
    assert.equal(e.author.role, 'customer');
    assert.equal(e.ticket, ref);
    assert.notEqual(e.id, '9999999999999-0');
    assert.equal(e.channel, 'whatsapp');
    assert.equal(e.delivery, undefined, `delivery forged ${JSON.stringify(e.delivery)}`);
  }
  // ids stay strictly increasing, so a resume after the last one misses nothing
  const ids = th.events.map((e) => e.id.split('-').map(Number));
  for (let i = 1; i < ids.length; i++) {
    assert.ok(ids[i][0] > ids[i - 1][0] || (ids[i][0] === ids[i - 1][0] && ids[i][1] > ids[i - 1][1]),
      `ids out of order: ${th.events.map((e) => e.id)}`);
  }
  a.close?.();
}));

test('a resume from an id the ticket never had is refused (unknown_event); real ids still work', withLogs(async () => {
  const { customer } = await import('../lib/harness.mjs');
  const c = await customer(hilo, { locale: 'en' });
  c.send({ type: 'message', client_id: 'r-1', text: 'resume check' });
  const ack = await c.next('ack');
  const ref = ack.ticket;
  // an id from far in the future, a malformed one, and one of another ticket
  for (const after of ['9999999999999-0', 'abc', '1-0']) {
    c.send({ type: 'resume', ticket: ref, after, req: `r-${after}` });
    const f = await c.next((x) => x.type === 'error' || x.type === 'resumed');
    assert.equal(f.type, 'error', `resume after ${after}: ${JSON.stringify(f)}`);
    assert.equal(f.code, after === 'abc' ? 'bad_frame' : 'unknown_event', `resume after ${after}: ${JSON.stringify(f)}`);
  }
  // the real id of the customer's own message resumes normally
  c.send({ type: 'resume', ticket: ref, after: ack.event_id });
  const ok = await c.next((x) => x.type === 'error' || x.type === 'resumed');
  assert.equal(ok.type, 'resumed', JSON.stringify(ok));
  // an agent opening the ticket after a forged id is refused the same way
  const a = await agent(hilo, 'ana', anaPw);
  const th = await a.request({ type: 'ticket.open', ticket: ref, after: '9999999999999-0' });
  assert.equal(th.type, 'error');
  assert.equal(th.code, 'unknown_event');
  const th2 = await a.request({ type: 'ticket.open', ticket: ref, after: '0' });
  assert.equal(th2.type, 'thread');
  await c.close();
}));
