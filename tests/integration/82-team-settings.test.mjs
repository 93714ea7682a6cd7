// Issue #13 "Team settings on the server": canned responses and
// waiting-time thresholds are per team in Redis. Any agent reads those of
// the own team over the default team's; admins set them (PUT); non-admins
// get 403; bad input is 400 bad_frame and stores nothing; a second instance
// on the same Redis serves the change.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, cleanup, withLogs, httpGet } from '../lib/harness.mjs';
import { loginCookie } from '../lib/fake-provider.mjs';

let redis, hilo, hilo2, adminCookie, anaCookie;

before(async () => {
  redis = await startRedis();
  hilo = await startHilo({ redisUrl: redis.url });
  hilo2 = await startHilo({ redisUrl: redis.url });
  const adminPw = await addAgent(hilo, 'root', { display: 'Root', admin: true });
  const anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  adminCookie = await loginCookie(hilo, 'root', adminPw);
  const p = await api(hilo, 'PATCH', '/api/v1/agents/ana', { ck: adminCookie, body: { team: 'billing' } });
  assert.equal(p.status, 200, p.body);
  anaCookie = await loginCookie(hilo, 'ana', anaPw);
});
after(cleanup);

async function api(h, method, path, { ck, body } = {}) {
  const headers = { cookie: ck };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return httpGet(h.url + path, {
    method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}
const stored = async () => redis.cli('HGETALL', 'hilo:team:settings');

test('defaults, then the team over the default team; admins only write', withLogs(async () => {
  let r = await api(hilo, 'GET', '/api/v1/team-settings', { ck: anaCookie });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json, { team: 'billing', canned: null, thresholds: { amber_minutes: 5, red_minutes: 15 } });

  const dflt = { canned: [{ title: 'Hi', text: 'Hello {{name}}' }], thresholds: { amber_minutes: 3, red_minutes: 9 } };
  r = await api(hilo, 'PUT', '/api/v1/team-settings/default', { ck: adminCookie, body: dflt });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json, { team: 'default', ...dflt });
  r = await api(hilo, 'GET', '/api/v1/team-settings', { ck: anaCookie });
  assert.deepEqual(r.json, { team: 'billing', ...dflt }, 'no own settings: the default team\'s');

  const billing = { canned: [{ title: 'Refund', text: 'Your refund for {{ref}} is on its way.' }] };
  r = await api(hilo, 'PUT', '/api/v1/team-settings/billing', { ck: adminCookie, body: billing });
  assert.equal(r.status, 200, r.body);
  r = await api(hilo, 'GET', '/api/v1/team-settings', { ck: anaCookie });
  assert.deepEqual(r.json, { team: 'billing', canned: billing.canned, thresholds: dflt.thresholds },
    'own canned responses, the default team\'s thresholds');
  r = await api(hilo, 'GET', '/api/v1/team-settings', { ck: adminCookie });
  assert.deepEqual(r.json, { team: '', ...dflt }, 'an agent without a team gets the default team\'s');
  r = await api(hilo, 'GET', '/api/v1/team-settings/billing', { ck: adminCookie });
  assert.deepEqual(r.json, { team: 'billing', canned: billing.canned, thresholds: dflt.thresholds, inherited: ['thresholds', 'templates'] },
    'admins read any team\'s, with what it inherits');
  r = await api(hilo, 'GET', '/api/v1/team-settings/billing', { ck: anaCookie });
  assert.equal(r.status, 403, r.body);

  // a non-admin may not write, not even the own team
  const before = await stored();
  r = await api(hilo, 'PUT', '/api/v1/team-settings/billing', {
    ck: anaCookie, body: { thresholds: { amber_minutes: 1, red_minutes: 2 } },
  });
  assert.equal(r.status, 403, r.body);
  assert.deepEqual(await stored(), before);
}));

test('bad input is 400 bad_frame and changes nothing', withLogs(async () => {
  const before = await stored();
  const long = 'x'.repeat(4001);
  const bad = [
    '{not json',
    [],
    {},
    { colour: 'red' },
    { canned: 'Hi' },
    { canned: [{ title: 'Hi' }] },
    { canned: [{ title: '', text: 'x' }] },
    { canned: [{ title: 'Hi', text: long }] },
    { canned: [{ title: 'x'.repeat(101), text: 'y' }] },
    { canned: [{ title: 'Hi', text: 'y', extra: 1 }] },
    { canned: Array.from({ length: 51 }, (_, i) => ({ title: `t${i}`, text: 'y' })) },
    { thresholds: { amber_minutes: 10, red_minutes: 10 } },
    { thresholds: { amber_minutes: 20, red_minutes: 10 } },
    { thresholds: { amber_minutes: 0, red_minutes: 10 } },
    { thresholds: { amber_minutes: 1.5, red_minutes: 10 } },
    { thresholds: { amber_minutes: '5', red_minutes: 10 } },
    { thresholds: { amber_minutes: 5 } },
    { thresholds: { amber_minutes: 5, red_minutes: 1441 } },
    { canned: [], thresholds: { amber_minutes: -1, red_minutes: 3 } },
  ];
  for (const body of bad) {
    const r = await api(hilo, 'PUT', '/api/v1/team-settings/billing', { ck: adminCookie, body });
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.body}`);
    assert.equal(r.json?.error?.code, 'bad_frame', r.body);
  }
  const r = await api(hilo, 'PUT', '/api/v1/team-settings/bad%20team', {
    ck: adminCookie, body: { canned: [] },
  });
  assert.equal(r.status, 400, r.body);
  assert.deepEqual(await stored(), before, 'nothing stored');
}));

test('a second instance serves the change', withLogs(async () => {
  const ck2 = anaCookie; // sessions live in Redis: the cookie works on both
  const thr = { amber_minutes: 2, red_minutes: 4 };
  let r = await api(hilo, 'PUT', '/api/v1/team-settings/billing', {
    ck: adminCookie, body: { canned: [{ title: 'Later', text: 'Talk soon' }], thresholds: thr },
  });
  assert.equal(r.status, 200, r.body);
  r = await api(hilo2, 'GET', '/api/v1/team-settings', { ck: ck2 });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json, { team: 'billing', canned: [{ title: 'Later', text: 'Talk soon' }], thresholds: thr });
  r = await api(hilo2, 'GET', '/api/v1/team-settings');
  assert.equal(r.status, 401, 'signed-in agents only');
}));
