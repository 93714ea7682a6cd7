// New tickets faster than the reference pool refills: every first message
// still gets its ticket (creations wait for reserved references).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, customer, cleanup, withLogs } from '../lib/harness.mjs';

let redis, hilo;
before(async () => {
  redis = await startRedis();
  // 150 sockets from 127.0.0.1: above the default --max-conns-per-ip (100)
  hilo = await startHilo({ redisUrl: redis.url, args: ['--max-conns-per-ip', '1000'] });
});
after(cleanup);

test('150 customers opening tickets at once all get one, with distinct references', withLogs(async () => {
  const n = 150;
  const clients = await Promise.all(Array.from({ length: n }, () => customer(hilo, { locale: 'en' })));
  for (const [i, c] of clients.entries()) c.send({ type: 'message', client_id: `b${i}`, text: `burst ${i}` });
  const acks = await Promise.all(clients.map((c) => c.next('ack', 15000)));
  const refs = new Set(acks.map((a) => a.ticket));
  assert.equal(refs.size, n, 'one distinct ticket per customer');
  for (const a of acks) assert.match(a.ticket, /^\d{8,9}$/);
  const stored = Number((await redis.cli('ZCARD', 'hilo:idx:all')).trim());
  assert.equal(stored, n);
  await Promise.all(clients.map((c) => c.close()));
}));
