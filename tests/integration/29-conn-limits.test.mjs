// Connection caps: one client address gets at most --max-conns-per-ip
// WebSockets (429 at the upgrade), customers at most what the agents'
// reserved share (--agent-reserve-pct) leaves of --max-conns (503), and
// X-Forwarded-For names the client only when the peer is a trusted proxy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import {
  startRedis, startHilo, addAgent, connect, cleanup, withLogs,
} from '../lib/harness.mjs';
import { loginCookie } from '../lib/fake-provider.mjs';

let redis;
const open = [];

before(async () => { redis = await startRedis(); });
after(async () => {
  for (const ws of open.splice(0)) ws.terminate();
  await cleanup();
});

// Opens a socket; resolves with 101 when it is open, or the refusal's status.
function tryOpen(h, { proto = 'hilo.customer.v1', localAddress, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(h.wsUrl, [proto], { headers, localAddress, handshakeTimeout: 5000 });
    ws.on('unexpected-response', (req, res) => { res.resume(); req.destroy(); resolve(res.statusCode); });
    ws.on('open', () => { open.push(ws); resolve(101); });
    ws.on('error', (e) => reject(e));
  });
}

async function closeAll() {
  await Promise.all(open.splice(0).map((ws) => new Promise((r) => { ws.once('close', r); ws.close(); })));
}

// Until the server has seen the close: retried, the socket gets in.
async function eventually(fn, what) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const st = await fn();
    if (st === 101) return;
    if (Date.now() > deadline) assert.fail(`${what}: still ${st}`);
    await new Promise((r) => setImmediate(r));
  }
}

test('the 101st WebSocket from one address is refused with 429; another address still gets in; a closed one frees its place', withLogs(async () => {
  const h = await startHilo({ redisUrl: redis.url, prefix: 'cl1' });
  for (let i = 0; i < 100; i++) assert.equal(await tryOpen(h), 101, `socket ${i + 1}`);
  assert.equal(await tryOpen(h), 429, 'the 101st socket from 127.0.0.1');
  assert.equal(await tryOpen(h, { proto: 'hilo.agent.v1' }), 429, 'agents count too');
  assert.equal(await tryOpen(h, { localAddress: '127.0.0.2' }), 101, 'another address');
  const first = open.shift();
  first.close();
  await eventually(() => tryOpen(h), 'a socket after one of the 100 closed');
  await closeAll();
  await h.stop();
}));

test('customers cannot take the agents\' share of --max-conns: 503 for the next customer, agents still connect', withLogs(async () => {
  const h = await startHilo({ redisUrl: redis.url, prefix: 'cl2', args: ['--max-conns', '10'] });
  const pw = await addAgent(h, 'ana', { display: 'Ana' });
  const cookie = await loginCookie(h, 'ana', pw);
  for (let i = 0; i < 9; i++) assert.equal(await tryOpen(h, { localAddress: `127.0.1.${i + 1}` }), 101, `customer ${i + 1}`);
  assert.equal(await tryOpen(h, { localAddress: '127.0.2.1' }), 503, 'a 10th customer');
  const a = await connect(h.wsUrl, 'hilo.agent.v1', { headers: { cookie } });
  assert.equal((await a.next('session')).agent.name, 'ana');
  // the last place was the agents': now everyone waits
  assert.equal(await tryOpen(h, { proto: 'hilo.agent.v1', headers: { cookie } }), 503, 'past --max-conns');
  await a.close();
  await closeAll();
  await h.stop();
}));

test('X-Forwarded-For from an untrusted peer is ignored; from a trusted proxy it names the client', withLogs(async () => {
  const h = await startHilo({ redisUrl: redis.url, prefix: 'cl3', args: ['--max-conns-per-ip', '2'] });
  const xff = (ip) => ({ headers: { 'x-forwarded-for': ip } });
  assert.equal(await tryOpen(h, xff('198.51.100.1')), 101);
  assert.equal(await tryOpen(h, xff('198.51.100.2')), 101);
  assert.equal(await tryOpen(h, xff('198.51.100.3')), 429, 'a spoofed X-Forwarded-For made a new address');
  await closeAll();
  await h.stop();

  const p = await startHilo({ redisUrl: redis.url, prefix: 'cl4', args: ['--max-conns-per-ip', '2', '--trusted-proxies', '127.0.0.1, 10.0.0.0/8'] });
  assert.equal(await tryOpen(p, xff('198.51.100.1')), 101);
  assert.equal(await tryOpen(p, xff('6.6.6.6, 198.51.100.1')), 101, 'the client wrote its own hop: the proxy names 198.51.100.1');
  assert.equal(await tryOpen(p, xff('198.51.100.1')), 429, 'the third socket of 198.51.100.1 behind the proxy');
  assert.equal(await tryOpen(p, xff('198.51.100.2')), 101, 'another client behind the proxy');
  // a peer that is not a trusted proxy: its own address counts
  assert.equal(await tryOpen(p, { localAddress: '127.0.0.3', ...xff('198.51.100.9') }), 101);
  assert.equal(await tryOpen(p, { localAddress: '127.0.0.3', ...xff('198.51.100.10') }), 101);
  assert.equal(await tryOpen(p, { localAddress: '127.0.0.3', ...xff('198.51.100.11') }), 429, 'an untrusted peer\'s X-Forwarded-For');
  await closeAll();
  await p.stop();
}));

test('a --trusted-proxies entry that is not an address stops start-up', withLogs(async () => {
  await assert.rejects(startHilo({ redisUrl: redis.url, prefix: 'cl5', args: ['--trusted-proxies', 'proxy.example'] }), /exited early/);
}));
