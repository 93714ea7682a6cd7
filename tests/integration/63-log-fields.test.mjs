// Issue #12: with --log-format json, a log line about a ticket or a
// connection carries them as fields ("ticket", "conn", "ip"), and every line
// is one JSON object. Lines come from a gap repair (the proxy drops pub/sub
// messages) and from a write that Redis did not answer (SIGSTOP).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, customer, cleanup, withLogs } from '../lib/harness.mjs';
import { startProxy } from '../lib/tcp-proxy.mjs';

let redis, proxy;

before(async () => { redis = await startRedis(); });
after(async () => {
  try { process.kill(redis.proc.pid, 'SIGCONT'); } catch {}
  await cleanup();
  if (proxy) await proxy.close();
});

const lines = (hilo) => hilo.logs().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

test('json log lines name the ticket, connection and address they concern', withLogs(async () => {
  proxy = await startProxy({ targetPort: redis.port });
  const hilo = await startHilo({
    redisUrl: proxy.url,
    args: ['--log-format', 'json', '--live-gap-check-ms', '200', '--redis-timeout-ms', '400'],
  });
  await proxy.waitFor((p) => [...p.conns].some((c) => c.subscriber), 5000);
  const c = await customer(hilo, { locale: 'en' });
  c.send({ type: 'message', client_id: 'lf-0', text: 'first' });
  const ref = (await c.next('ack')).ticket;

  proxy.dropMessages(true);
  c.send({ type: 'message', client_id: 'lf-1', text: 'missed' });
  await c.next((f) => f.type === 'ack' && f.client_id === 'lf-1');
  await c.next((f) => f.type === 'fresh', 10000);
  proxy.dropMessages(false);

  process.kill(redis.proc.pid, 'SIGSTOP');
  try {
    c.send({ type: 'message', client_id: 'lf-2', text: 'stalled' });
    const e = await c.next((f) => f.type === 'error' && f.client_id === 'lf-2', 10000);
    assert.equal(e.maybe_stored, true);
  } finally {
    process.kill(redis.proc.pid, 'SIGCONT');
  }

  // Every stderr line is a JSON object with ts, level, msg.
  const raw = hilo.logs().split('\n').filter(Boolean);
  for (const l of raw) {
    const o = JSON.parse(l);
    assert.equal(typeof o.ts, 'string');
    assert.equal(typeof o.msg, 'string');
  }
  const gap = lines(hilo).find((o) => /^live gap: /.test(o.msg));
  assert.ok(gap, 'a gap repair was logged');
  assert.equal(gap.ticket, ref);
  assert.ok(Number.isInteger(gap.conn) && gap.conn > 0);
  assert.equal(gap.ip, '127.0.0.1');
  const maybe = lines(hilo).find((o) => /may have been stored/.test(o.msg));
  assert.ok(maybe, 'the unanswered write was logged');
  assert.equal(maybe.level, 'warn');
  assert.equal(maybe.ticket, ref);
  assert.equal(maybe.conn, gap.conn); // the same customer connection
  assert.equal(maybe.ip, '127.0.0.1');
  // Lines about neither carry no such fields.
  const listening = lines(hilo).find((o) => /^listening on /.test(o.msg));
  assert.ok(listening && !('ticket' in listening) && !('conn' in listening));
  await c.close();
}));
