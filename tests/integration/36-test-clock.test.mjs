// The tests-only fake clock (--test-clock 1): POST /test/clock moves the
// process's wall clock; it does not exist unless the option is on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, httpGet, advanceClock, cleanup, withLogs } from '../lib/harness.mjs';

let redis;
before(async () => { redis = await startRedis(); });
after(cleanup);

const post = (h, body) => httpGet(h.url + '/test/clock', {
  method: 'POST', headers: { 'content-type': 'application/json' }, body,
});

test('without --test-clock there is no clock route', withLogs(async () => {
  const h = await startHilo({ redisUrl: redis.url });
  const r = await post(h, JSON.stringify({ advance_ms: 1000 }));
  assert.ok([404, 405].includes(r.status), `status ${r.status}`);
}));

test('with --test-clock 1 the clock moves forward and bad bodies change nothing', withLogs(async () => {
  const h = await startHilo({ redisUrl: redis.url, args: ['--test-clock', '1'] });
  const before = Date.now();
  const now = await advanceClock(h, 25 * 3600 * 1000);
  assert.ok(now >= before + 25 * 3600 * 1000, `now_ms ${now} moved by 25 h`);
  for (const body of ['{}', '{"advance_ms":-5}', 'nope', '{"advance_ms":"1"}']) {
    const r = await post(h, body);
    assert.equal(r.status, 400, body);
  }
  const again = await advanceClock(h, 0);
  assert.ok(again >= now && again < now + 60000, 'bad requests did not move it');
}));
