// Issue #8: SIGTERM while agent logins are hashing their passwords. The hash
// runs in libuv's thread pool and its completion writes the session to Redis;
// shutdown used to free the Redis client without waiting for it (a
// use-after-free, found by ASan), and HTTP logins were not counted as pending
// work, so their answers were cut off. Now every login in flight is answered
// and hilo exits 0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startRedis, startHilo, addAgent, connect, cleanup, withLogs } from '../lib/harness.mjs';

let redis;

before(async () => { redis = await startRedis(); });
after(cleanup);

// Resolves once Redis has been asked for `count` commands whose text
// contains `needle` (MONITOR), so the test acts on what hilo has done.
function monitor(port) {
  const s = net.connect(port, '127.0.0.1');
  let text = '', waiters = [];
  const seen = (needle) => text.split(needle).length - 1;
  s.on('data', (d) => {
    text += d.toString('latin1');
    waiters = waiters.filter((w) => (seen(w.needle) >= w.count ? (w.resolve(), false) : true));
  });
  s.write('MONITOR\r\n');
  return {
    until: (needle, count) => new Promise((resolve) => {
      if (seen(needle) >= count) resolve(); else waiters.push({ needle, count, resolve });
    }),
    close: () => s.destroy(),
  };
}

// One HTTP login on its own connection; resolves {status, cookie} or {error}.
function httpLogin(port, name, password) {
  const body = JSON.stringify({ name, password });
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    s.on('data', (d) => {
      buf += d;
      const end = buf.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/i.exec(buf);
      if (end >= 0 && len && buf.length >= end + 4 + Number(len[1])) {
        s.destroy();
        resolve({ status: Number(buf.split(' ')[1]), cookie: /set-cookie: (\S+)/i.exec(buf)?.[1] });
      }
    });
    s.on('close', () => resolve({ error: 'closed without an answer', got: buf }));
    s.on('error', (e) => resolve({ error: e.code }));
    s.write(`POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${body.length}\r\n\r\n${body}`);
  });
}

test('SIGTERM while logins hash: each HTTP login is answered, hilo exits 0 (#8)', withLogs(async () => {
  const hilo = await startHilo({ redisUrl: redis.url, prefix: 'sd' });
  const pw = await addAgent(hilo, 'ana');
  const mon = monitor(redis.port);
  const HTTP = 12, WS = 4;
  const answers = [];
  for (let i = 0; i < HTTP; i++) answers.push(httpLogin(hilo.port, 'ana', pw));
  const sockets = [];
  for (let i = 0; i < WS; i++) {
    const c = await connect(hilo.wsUrl, 'hilo.agent.v1');
    c.send({ type: 'login', name: 'ana', password: pw });
    sockets.push(c);
  }
  // every login has read the agent's hash: each is now hashing or queued to
  await mon.until('"HGETALL" "sd:agent:ana"', HTTP + WS);
  mon.close();
  hilo.kill('SIGTERM');
  const results = await Promise.all(answers);
  const { code, signal } = await hilo.exited;
  for (const r of results) {
    assert.equal(r.status, 200, JSON.stringify(r));
    assert.match(r.cookie, /^hilo_session=s1\./);
  }
  for (const c of sockets) assert.equal((await c.closed).code, 1001);
  assert.equal(signal, null, hilo.logs().slice(-3000));
  assert.equal(code, 0, hilo.logs().slice(-3000));
  assert.doesNotMatch(hilo.logs(), /AddressSanitizer|runtime error/);
}));
