// Issue #11: one address opened 300 tickets in 0.1 s. With
// --ticket-rate-per-ip N, the customers' WebSockets of one client address
// open at most N tickets per --ticket-rate-window, counted in Redis so every
// instance shares the count; the next is refused with rate_limited and
// nothing is stored. The address is the one --trusted-proxies resolves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, connect, cleanup, withLogs } from '../lib/harness.mjs';

let redis;
before(async () => { redis = await startRedis(); });
after(cleanup);

async function cust(h, ip) {
  const c = await connect(h.wsUrl, 'hilo.customer.v1', { headers: ip ? { 'x-forwarded-for': ip } : {} });
  c.send({ type: 'hello', locale: 'en' });
  const w = await c.next((f) => f.type === 'welcome' || f.type === 'error');
  assert.equal(w.type, 'welcome', JSON.stringify(w));
  return c;
}

// A new customer's first message: its ack, or its error frame.
async function open(h, ip, id) {
  const c = await cust(h, ip);
  c.send({ type: 'message', client_id: id, text: `hello ${id}` });
  const f = await c.next((x) => (x.type === 'ack' || x.type === 'error') && x.client_id === id);
  await c.close();
  return f;
}

const tickets = async (prefix) => Number(await redis.cli('ZCARD', `${prefix}:idx:all`));

test('the limit is per client address and shared by every instance; refused means nothing stored', withLogs(async () => {
  const args = ['--ticket-rate-per-ip', '3', '--ticket-rate-window', '600', '--trusted-proxies', '127.0.0.1'];
  const a = await startHilo({ redisUrl: redis.url, prefix: 'tr1', args });
  const b = await startHilo({ redisUrl: redis.url, prefix: 'tr1', args });
  const ip = '198.51.100.7';
  assert.equal((await open(a, ip, 'a1')).type, 'ack');
  assert.equal((await open(b, ip, 'b1')).type, 'ack', 'the second instance adds to the same count');
  assert.equal((await open(a, ip, 'a2')).type, 'ack');
  assert.equal(await tickets('tr1'), 3);

  const refused = await open(b, ip, 'b2');
  assert.equal(refused.type, 'error', JSON.stringify(refused));
  assert.equal(refused.code, 'rate_limited');
  assert.ok(refused.retry_after > 500 && refused.retry_after <= 600, `retry_after ${refused.retry_after}`);
  const again = await open(a, ip, 'a3');
  assert.equal(again.code, 'rate_limited', 'the other instance refuses too');
  assert.equal(await tickets('tr1'), 3, 'a refused ticket is not stored');
  const ttl = Number(await redis.cli('PTTL', `tr1:rate:tk:ip:${ip}`));
  assert.ok(ttl > 0 && ttl <= 600000, `the window is fixed at 600 s: PTTL ${ttl}`);

  // another client behind the same proxy has its own count
  assert.equal((await open(a, '198.51.100.8', 'o1')).type, 'ack');
  assert.equal(await tickets('tr1'), 4);

  // when the window ends the address may open tickets again (the window is
  // Redis's key expiry: shortened here instead of waiting ten minutes)
  await redis.cli('PEXPIRE', `tr1:rate:tk:ip:${ip}`, '1');
  while (Number(await redis.cli('EXISTS', `tr1:rate:tk:ip:${ip}`)) !== 0);
  assert.equal((await open(b, ip, 'b3')).type, 'ack');
  assert.equal(await tickets('tr1'), 5);
  await a.stop();
  await b.stop();
}));

test('X-Forwarded-For from a peer that is not a trusted proxy does not make new addresses', withLogs(async () => {
  const h = await startHilo({ redisUrl: redis.url, prefix: 'tr2', args: ['--ticket-rate-per-ip', '2'] });
  assert.equal((await open(h, '203.0.113.1', 's1')).type, 'ack');
  assert.equal((await open(h, '203.0.113.2', 's2')).type, 'ack');
  const f = await open(h, '203.0.113.3', 's3');
  assert.equal(f.code, 'rate_limited', 'a spoofed header escaped the limit');
  assert.equal(await tickets('tr2'), 2);
  assert.equal(await redis.cli('GET', 'tr2:rate:tk:ip:127.0.0.1'), '3');
  await h.stop();
}));

test('a customer refused once can still write into its existing ticket', withLogs(async () => {
  const h = await startHilo({ redisUrl: redis.url, prefix: 'tr3', args: ['--ticket-rate-per-ip', '1'] });
  const c = await cust(h);
  c.send({ type: 'message', client_id: 'm1', text: 'first' });
  const ack = await c.next((x) => x.type === 'ack' && x.client_id === 'm1');
  c.send({ type: 'message', client_id: 'm2', text: 'second, same ticket' });
  const ack2 = await c.next((x) => x.type === 'ack' && x.client_id === 'm2');
  assert.equal(ack2.ticket, ack.ticket, 'appending is not creating: no limit');
  const other = await open(h, null, 'm3');
  assert.equal(other.code, 'rate_limited');
  assert.equal(await tickets('tr3'), 1);
  await c.close();
  await h.stop();
}));

test('no limit by default', withLogs(async () => {
  const h = await startHilo({ redisUrl: redis.url, prefix: 'tr4' });
  for (let i = 0; i < 5; i++) assert.equal((await open(h, null, `d${i}`)).type, 'ack');
  assert.equal(await redis.cli('EXISTS', 'tr4:rate:tk:ip:127.0.0.1'), '0');
  await h.stop();
}));
