// Issue #13 (channels): a reply is written with the channel it goes out on,
// so the console badges it truthfully; a web reply stays "web".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs } from '../lib/harness.mjs';
import { startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, isTicket } from '../lib/fake-provider.mjs';

let redis, fake, hilo, anaPw;
before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake) });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(async () => { await cleanup(); await fake?.close(); });

test('reply events carry the channel they went out on (#13)', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const num = '16507779001';
  const text = `channel badge ${num}`;
  assert.equal((await waPost(hilo, waEnvelope([waMessages([{ from: num, text }])]))).status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === text))).ticket.ref;
  await a.request({ type: 'ticket.open', ticket: ref });
  const ev = async (cid) => (await a.next((f) => f.type === 'event' && f.event.client_id === cid, 8000)).event;

  a.send({ type: 'reply', ticket: ref, client_id: 'r-wa', text: 'by WhatsApp', channel: 'whatsapp' });
  assert.equal((await ev('r-wa')).channel, 'whatsapp');
  a.send({ type: 'reply', ticket: ref, client_id: 'r-web', text: 'by web', channel: 'web' });
  assert.equal((await ev('r-web')).channel, 'web');
  a.send({ type: 'note', ticket: ref, client_id: 'n-1', text: 'internal' });
  assert.equal((await ev('n-1')).channel, 'web');
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.events.find((e) => e.client_id === 'r-wa').channel, 'whatsapp', 'stored with its channel');
  await a.close();
}));
