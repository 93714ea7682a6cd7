// Secrets stay out of logs and off the command line (issue #11): a bad Redis
// URL is logged with its password hidden; options can come from a --config
// file or HILO_<NAME>_FILE; a secret given as a flag gets a warning.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startRedis, startHilo, runHilo, customer, cleanup, withLogs, tmpDir } from '../lib/harness.mjs';

let redis, dir;
before(async () => { redis = await startRedis(); dir = await tmpDir(); });
after(cleanup);

test('an unusable Redis URL is logged without its password', withLogs(async () => {
  const res = await runHilo(['serve', '--listen', '127.0.0.1:0'],
    { env: { HILO_REDIS_URL: 'redis://:topsecret-pw@localhost:99999/0' } });
  assert.notEqual(res.code, 0, 'hilo must refuse the URL');
  assert.match(res.stderr, /cannot use 'redis:\/\/:\*\*\*@localhost:99999\/0'/, res.stderr);
  assert.doesNotMatch(res.stderr + res.stdout, /topsecret-pw/);
}));

test('--config FILE and HILO_<NAME>_FILE set options; flags warn about secrets, files do not', withLogs(async () => {
  const conf = path.join(dir, 'hilo.conf');
  await writeFile(conf, '# test\nmax-text = 5\nwebhook_secret = "from file"\n', { mode: 0o600 });
  const h = await startHilo({ redisUrl: redis.url, args: ['--config', conf] });
  const c = await customer(h, { locale: 'en' });
  c.send({ type: 'message', client_id: 'm1', text: 'too long for five' });
  const f = await c.next((x) => x.type === 'error' || x.type === 'ack');
  assert.equal(f.type, 'error');
  assert.equal(f.code, 'text_too_long', 'max-text from the config file applies');
  await c.close();
  // the harness passes --redis-url as a flag: one warning for it, none for
  // the webhook secret that came from the file
  assert.match(h.logs(), /option --redis-url: a secret on the command line/);
  assert.doesNotMatch(h.logs(), /option --webhook-secret/);
  await h.stop();

  const num = path.join(dir, 'maxtext');
  await writeFile(num, '7\n');
  const h2 = await startHilo({ redisUrl: redis.url, env: { HILO_MAX_TEXT_FILE: num, HILO_MAX_TEXT: '1000' } });
  const c2 = await customer(h2, { locale: 'en' });
  c2.send({ type: 'message', client_id: 'm1', text: '12345678' });
  assert.equal((await c2.next((x) => x.type === 'error' || x.type === 'ack')).code, 'text_too_long',
    'the _FILE variable wins over the plain one');
  c2.send({ type: 'message', client_id: 'm2', text: '1234567' });
  assert.equal((await c2.next((x) => x.type === 'error' || x.type === 'ack')).type, 'ack');
  await c2.close();
}));

test('a bad --config line names file and line, never the value', withLogs(async () => {
  const conf = path.join(dir, 'bad.conf');
  await writeFile(conf, 'listen = 127.0.0.1:0\nsmtp_password\n');
  const res = await runHilo(['serve', '--config', conf]);
  assert.notEqual(res.code, 0);
  assert.match(res.stderr, /bad\.conf:2: expected name = value/);
}));
