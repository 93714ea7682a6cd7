// Issue #13, widget uploads: the file's Redis key expires after
// --upload-retention-days (its TTL), and then its link answers 404; the
// widget's origin rule (--widget-origins) applies to uploads and downloads as
// to the customer socket, with CORS for a listed origin; uploads per address
// are limited (--upload-rate-per-ip, 429 with Retry-After).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, cleanup, withLogs } from '../lib/harness.mjs';
import { loginCookie } from '../lib/fake-provider.mjs';
import { addAgent } from '../lib/harness.mjs';
import { PNG, upload, fetchFile, customerWithTicket } from '../lib/uploads.mjs';

const SHOP = 'https://shop.example.com';
let redis, hilo, cookie;
before(async () => {
  redis = await startRedis();
  hilo = await startHilo({
    redisUrl: redis.url,
    args: ['--upload-retention-days', '3', '--widget-origins', SHOP, '--upload-rate-per-ip', '4'],
  });
  const pw = await addAgent(hilo, 'ana', { display: 'Ana' });
  cookie = await loginCookie(hilo, 'ana', pw);
});
after(async () => { await cleanup(); });

test('the file key carries the retention as its TTL; once gone the link is 404 not_found', withLogs(async () => {
  const { cu } = await customerWithTicket(hilo);
  const up = await upload(hilo, cu.token, PNG, { name: 'x.png' });
  assert.equal(up.status, 201, up.body);
  const key = `hilo:upload:${up.json.upload.id}`;
  const ttl = Number(await redis.cli('PTTL', key));
  const want = 3 * 86400 * 1000;
  assert.ok(ttl > want - 60000 && ttl <= want, `PTTL ${ttl}, want about ${want}`);
  assert.equal(await redis.cli('HGET', key, 'mime'), 'image/png');
  assert.equal(await redis.cli('HGET', key, 'ticket'), up.json.ticket);
  assert.equal(await redis.cli('HGET', key, 'customer'), cu.welcome.customer);
  // expiry, as Redis does it at the end of the retention
  await redis.cli('PEXPIRE', key, '1');
  await new Promise((r) => setTimeout(r, 20));
  const gone = await fetchFile(hilo, up.json.upload.id, { cookie });
  assert.equal(gone.status, 404);
  assert.equal(JSON.parse(gone.bytes.toString()).error.code, 'not_found');
  await cu.close();
}));

test('origins: a listed one gets CORS (and a preflight), another is refused 403 and logged; nothing stored', withLogs(async () => {
  const { cu } = await customerWithTicket(hilo);
  const pre = await fetch(`${hilo.url}/api/v1/widget/uploads`, {
    method: 'OPTIONS',
    headers: { origin: SHOP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), SHOP);
  assert.match(pre.headers.get('access-control-allow-headers'), /Authorization/i);
  assert.match(pre.headers.get('access-control-allow-methods'), /POST/);

  const ok = await upload(hilo, cu.token, PNG, { name: 'ok.png', headers: { origin: SHOP } });
  assert.equal(ok.status, 201, ok.body);
  assert.equal(ok.headers.get('access-control-allow-origin'), SHOP);
  const dl = await fetchFile(hilo, ok.json.upload.id, { origin: SHOP, authorization: `Bearer ${cu.token}` });
  assert.equal(dl.status, 200);
  assert.equal(dl.headers.get('access-control-allow-origin'), SHOP);

  const keys0 = (await redis.cli('--scan', '--pattern', 'hilo:upload:*')).split('\n').filter(Boolean).length;
  const bad = await upload(hilo, cu.token, PNG, { name: 'evil.png', headers: { origin: 'https://evil.example' } });
  assert.equal(bad.status, 403, bad.body);
  assert.equal(bad.json.error.code, 'forbidden');
  assert.equal(bad.headers.get('access-control-allow-origin'), null);
  const badPre = await fetch(`${hilo.url}/api/v1/widget/uploads`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
  assert.equal(badPre.status, 403);
  const badDl = await fetchFile(hilo, ok.json.upload.id, { origin: 'https://evil.example', authorization: `Bearer ${cu.token}` });
  assert.equal(badDl.status, 403);
  // an Origin too long to read is not "no Origin": refused too
  const long = `https://${'a'.repeat(300)}.example`;
  const longUp = await upload(hilo, cu.token, PNG, { name: 'long.png', headers: { origin: long } });
  assert.equal(longUp.status, 403, longUp.body);
  const keys1 = (await redis.cli('--scan', '--pattern', 'hilo:upload:*')).split('\n').filter(Boolean).length;
  assert.equal(keys1, keys0);
  assert.match(hilo.logs(), /refused POST \/api\/v1\/widget\/uploads from origin https:\/\/evil\.example: not in widget_origins/);
  await cu.close();
}));

test('uploads per address are limited: 429 rate_limited with Retry-After, nothing stored', withLogs(async () => {
  // the earlier tests' two accepted uploads used 2 of the 4 this window allows
  // (refusals by origin are not counted)
  const { cu } = await customerWithTicket(hilo);
  let r;
  let ok = 0;
  for (let i = 0; i < 6; i++) {
    r = await upload(hilo, cu.token, PNG, { name: `n${i}.png` });
    if (r.status === 201) ok++;
    else break;
  }
  assert.equal(ok, 2, `accepted ${ok}`);
  assert.equal(r.status, 429, r.body);
  assert.equal(r.json.error.code, 'rate_limited');
  assert.ok(Number(r.headers.get('retry-after')) >= 1);
  const total = (await redis.cli('--scan', '--pattern', 'hilo:upload:*')).split('\n').filter(Boolean).length;
  // the first test's file expired; the second test's is kept, plus these
  assert.equal(total, 1 + ok);
  await cu.close();
}));

test('daily byte budgets (files live in Redis): one customer\'s, then everyone\'s, refused 429 with Retry-After; nothing stored', withLogs(async () => {
  const h = await startHilo({
    redisUrl: redis.url, prefix: 'budget',
    args: ['--upload-customer-mib-per-day', '1', '--upload-mib-per-day', '2', '--upload-ip-mib-per-day', '0', '--upload-rate-per-ip', '0'],
  });
  const big = Buffer.concat([PNG, Buffer.alloc(700 * 1024)]); // a PNG by its magic bytes, 700 KiB
  const keys = async () => (await redis.cli('--scan', '--pattern', 'budget:upload:*')).split('\n').filter(Boolean).length;
  const a = await customerWithTicket(h);
  assert.equal((await upload(h, a.cu.token, big, { name: 'a1.png' })).status, 201);
  const over = await upload(h, a.cu.token, big, { name: 'a2.png' });
  assert.equal(over.status, 429, over.body);
  assert.equal(over.json.error.code, 'rate_limited');
  const retry = Number(over.headers.get('retry-after'));
  assert.ok(retry > 86000 && retry <= 86400, `Retry-After ${retry}`);
  assert.equal(await keys(), 1, 'the refused file is not stored');
  // another customer still may, until everyone's budget (2 MiB) is used up
  const b = await customerWithTicket(h);
  assert.equal((await upload(h, b.cu.token, big, { name: 'b1.png' })).status, 201);
  const c = await customerWithTicket(h);
  const full = await upload(h, c.cu.token, big, { name: 'c1.png' });
  assert.equal(full.status, 429, full.body);
  assert.equal(await keys(), 2);
  assert.match(h.logs(), /daily upload budget of all customers is used up/);
  await Promise.all([a.cu.close(), b.cu.close(), c.cu.close()]);
}));

test('one address\'s daily byte budget holds whatever tokens it presents', withLogs(async () => {
  const h = await startHilo({
    redisUrl: redis.url, prefix: 'budgetip',
    args: ['--upload-ip-mib-per-day', '1', '--upload-customer-mib-per-day', '0', '--upload-mib-per-day', '0', '--upload-rate-per-ip', '0'],
  });
  const big = Buffer.concat([PNG, Buffer.alloc(700 * 1024)]);
  const a = await customerWithTicket(h);
  assert.equal((await upload(h, a.cu.token, big, { name: 'a1.png' })).status, 201);
  // a new token from the same address (a new customer): still this address's bytes
  const b = await customerWithTicket(h);
  const over = await upload(h, b.cu.token, big, { name: 'b1.png' });
  assert.equal(over.status, 429, over.body);
  // a small file still fits: the refused one took nothing
  assert.equal((await upload(h, b.cu.token, PNG, { name: 'b2.png' })).status, 201);
  await Promise.all([a.cu.close(), b.cu.close()]);
}));
