// Every frame counts against the rate limit (issue #11): binary and
// oversized messages, refused by the net, used to cost nothing, so a client
// could flood them for ever. Now they take from the same budget as text
// frames: past the burst they get rate_limited, and a flood is closed with
// 1008 like any other.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, customer, cleanup, withLogs } from '../lib/harness.mjs';

let redis, hilo;
before(async () => {
  redis = await startRedis();
  hilo = await startHilo({ redisUrl: redis.url, args: ['--msg-rate', '1', '--msg-burst', '3', '--max-frame', '1024'] });
});
after(cleanup);

for (const [what, frame, opts, code] of [
  ['binary', Buffer.from([1, 2, 3, 4]), { binary: true }, 'bad_frame'],
  ['oversized', JSON.stringify({ type: 'ping', pad: 'x'.repeat(2000) }), {}, 'too_large'],
]) {
  test(`a flood of ${what} frames is rate limited and closed with 1008`, withLogs(async () => {
    const c = await customer(hilo, {});
    for (let i = 0; i < 40; i++) c.sendRaw(frame, opts);
    const info = await Promise.race([c.closed,
      new Promise((r) => setTimeout(() => r({ code: 'still open after 10 s' }), 10000))]);
    assert.equal(info.code, 1008, `closed with ${info.code} ${info.reason}`);
    const errs = c.frames.filter((f) => f.type === 'error');
    assert.ok(errs.some((f) => f.code === code), `first frames answered ${code}: ${errs.map((f) => f.code)}`);
    assert.ok(errs.some((f) => f.code === 'rate_limited'), `then rate_limited: ${errs.map((f) => f.code)}`);
  }));
}
