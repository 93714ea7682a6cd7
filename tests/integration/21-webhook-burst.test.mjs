// Many quick changes of one ticket, made through two Hilo instances: the
// webhook receiver gets every event exactly once, in order (one poster per
// ticket at a time).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs, freePort, cmpId } from '../lib/harness.mjs';

let redis, h1, h2, pw, server, posts = [];
before(async () => {
  redis = await startRedis();
  const port = await freePort();
  server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    // a slow receiver widens the window in which two posters could overlap
    req.on('end', () => setTimeout(() => {
      posts.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.end('ok');
    }, 40));
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const args = ['--webhook-url', `http://127.0.0.1:${port}/hook`, '--webhook-secret', 'k'];
  h1 = await startHilo({ redisUrl: redis.url, args });
  h2 = await startHilo({ redisUrl: redis.url, args });
  pw = await addAgent(h1, 'burst');
});
after(async () => { await cleanup(); server?.close(); });

test('30 quick notes from two instances: every event once, in id order', withLogs(async () => {
  const c = await customer(h1, { locale: 'en' });
  c.send({ type: 'message', client_id: 'm0', text: 'start' });
  const ref = (await c.next('ack')).ticket;
  const a1 = await agent(h1, 'burst', pw), a2 = await agent(h2, 'burst', pw);
  const acks = [];
  for (let i = 0; i < 30; i++) {
    const a = i % 2 ? a2 : a1;
    a.send({ type: 'note', ticket: ref, client_id: `n${i}`, text: `note ${i}` });
  }
  for (let i = 0; i < 30; i++) acks.push(await (i % 2 ? a2 : a1).next('ack', 10000));
  const th = await a1.request({ type: 'ticket.open', ticket: ref });
  const want = th.events.map((e) => e.id);
  assert.equal(want.length, 32); // message, ack, 30 notes
  const deadline = Date.now() + 20000;
  let got = [];
  while (Date.now() < deadline) {
    got = posts.filter((p) => p.ticket.ref === ref).flatMap((p) => p.events.map((e) => e.id));
    if (got.length >= want.length) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(new Set(got).size, got.length, `an event was posted twice: ${got.join(' ')}`);
  assert.deepEqual(got, want, 'every event, in order');
  assert.deepEqual([...got].sort(cmpId), got);
  await Promise.all([a1.close(), a2.close(), c.close()]);
}));
