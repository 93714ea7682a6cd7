// Issue #8: an inbound message whose ticket is closed between the routing
// read (the ticket looked open) and the write. The write's "closed" outcome
// must decide: the message is stored (on a new ticket, as for any message
// to a closed ticket, docs/delivery.md) and the dedupe key names the ticket
// that holds it, so a redelivery is acknowledged and stored once. Before
// the fix the dedupe key was set in the same transaction as the refused
// append: 200, nothing stored, and the redelivery dropped as a duplicate.
//
// No timing luck: hilo talks to Redis through a proxy that holds hilo's
// write to the ticket (the first command batch naming its :dd key) until
// the test has closed the ticket directly in Redis.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, newWamid, isTicket,
} from '../lib/fake-provider.mjs';

let redis, fake, hilo, proxy, anaPw;

// A TCP proxy to Redis. hold(pred) holds the client->server bytes of the
// first connection whose chunk matches pred (that chunk included) until
// release(); resolves when the hold begins.
function startProxy(port) {
  const socks = new Set();
  let trigger = null, onHeld = null, held = null, heldTo = null;
  const server = net.createServer((c) => {
    const s = net.connect(port, '127.0.0.1');
    socks.add(c); socks.add(s);
    c.on('data', (chunk) => {
      if (held && heldTo === s) { held.push(chunk); return; }
      if (trigger && trigger(chunk.toString('latin1'))) {
        trigger = null; held = [chunk]; heldTo = s;
        onHeld();
        return;
      }
      s.write(chunk);
    });
    s.on('data', (chunk) => c.write(chunk));
    const end = () => { c.destroy(); s.destroy(); socks.delete(c); socks.delete(s); };
    c.on('close', end); s.on('close', end); c.on('error', end); s.on('error', end);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `redis://127.0.0.1:${server.address().port}`,
    hold(pred) { trigger = pred; return new Promise((r) => { onHeld = r; }); },
    release() { const b = held, to = heldTo; held = null; heldTo = null; for (const x of b || []) to.write(x); },
    close() { for (const x of socks) x.destroy(); return new Promise((r) => server.close(r)); },
  })));
}

before(async () => {
  redis = await startRedis();
  proxy = await startProxy(redis.port);
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: proxy.url, args: channelArgs(fake) });
  anaPw = await addAgent(redis.url, 'ana', { display: 'Ana' });
});
after(async () => { await cleanup(); await proxy?.close(); await fake?.close(); });

const post = (num, wamid, text) => waPost(hilo, waEnvelope([waMessages([{ from: num, id: wamid, text }])]));

test('issue #8: ticket closed under the write: message stored on a new ticket, redelivery stored once', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  assert.equal((await a.request({ type: 'queue.watch' })).type, 'queue');
  const num = '16505559001';

  const first = await post(num, newWamid(), 'First message');
  assert.equal(first.status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === 'First message'))).ticket.ref;

  // The second message routes to the open ticket; close it under the write.
  const text = 'Second message, after a close';
  const wamid = newWamid();
  const held = proxy.hold((s) => s.includes(`{t:${ref}}:dd`));
  const pending = post(num, wamid, text);
  await held;
  await redis.cli('HSET', `hilo:{t:${ref}}:tk`, 'status', 'closed');
  proxy.release();
  const res = await pending;
  assert.equal(res.status, 200, `webhook answered ${res.status} ${res.body}`);

  // 200 means stored: the dedupe key names the ticket that holds the message.
  const seen = await redis.cli('GET', `hilo:seen:whatsapp:${wamid}`);
  assert.match(seen, /^\d{8,9}$/, 'dedupe key set to a ticket reference');
  assert.notEqual(seen, ref, 'a closed ticket does not take the message');
  const count = async (r) => (await a.request({ type: 'ticket.open', ticket: r })).events
    .filter((e) => e.kind === 'message' && e.text === text).length;
  assert.equal(await count(seen), 1, 'the new ticket holds the message');
  assert.equal(await count(ref), 0);

  // The provider redelivers: acknowledged, still stored once.
  const again = await post(num, wamid, text);
  assert.equal(again.status, 200);
  assert.equal(await redis.cli('GET', `hilo:seen:whatsapp:${wamid}`), seen);
  assert.equal(await count(seen), 1);
  a.close?.();
}));
