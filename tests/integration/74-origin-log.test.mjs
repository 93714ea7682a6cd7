// Issue #13 (newcomers): a widget page whose origin is not in
// widget_origins is refused (403), and the log names that origin and the
// option to add it to, so whoever embeds the widget can fix it. Control
// characters in a forged Origin never reach the log. A web root without the
// built console or widget is named in a start-up warning.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, connect, cleanup, withLogs, customer, tmpDir } from '../lib/harness.mjs';

let redis, hilo;
before(async () => {
  redis = await startRedis();
  hilo = await startHilo({ redisUrl: redis.url, args: ['--widget-origins', 'https://shop.example'] });
});
after(async () => { await cleanup(); });

const refused = (origin) => connect(hilo.wsUrl, 'hilo.customer.v1', { origin }).then((c) => { c.close(); return null; }, (e) => e);

test('the refused origin is named in the log, with the option to list it in', withLogs(async () => {
  const err = await refused('https://www.other-shop.example');
  assert.equal(err?.status, 403);
  const deadline = Date.now() + 5000;
  let line;
  while (!(line = hilo.logs().split('\n').find((l) => l.includes('https://www.other-shop.example'))) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(line, `no log line names the origin:\n${hilo.logs()}`);
  assert.match(line, /widget_origins/);
  // a listed origin gets in
  const ok = await customer(hilo, { origin: 'https://shop.example' });
  await ok.close();
  // a forged Origin with a newline cannot write a log line of its own
  const bad = await refused('https://x.example\r\nFAKE LOG LINE').catch((e) => e);
  assert.ok(bad);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(!hilo.logs().split('\n').some((l) => l.startsWith('FAKE LOG LINE')));
}));

test('start-up warns about a web root without the console or the widget, and not about a complete one', withLogs(async () => {
  assert.doesNotMatch(hilo.logs(), /web root .* has no/, 'the repository web root (built) is complete');
  const empty = await tmpDir('hilo-empty-web-');
  const bare = await startHilo({ redisUrl: redis.url, webRoot: empty });
  const logs = bare.logs();
  for (const f of ['widget.js', 'console/index.html', 'console/app.js']) {
    assert.ok(logs.includes(`web root ${empty} has no ${f}`), `no warning for ${f}:\n${logs}`);
  }
  assert.match(logs, /node web\/build\.mjs/);
}));
