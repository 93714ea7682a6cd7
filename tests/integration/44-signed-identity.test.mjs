// Signed identity hardening (docs/continuity.md "Identities and evidence",
// docs/widget.md): a signed user on a browser that holds an anonymous
// visitor's token gets a customer of their own, never the anonymous
// visitor's thread; the signed link records evidence "signed" and follows
// the user to another browser; an admin revokes a signed identity (admins
// only, the customer's own signed identities only; bad input changes
// nothing), after which the user id no longer leads to that customer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startRedis, startHilo, addAgent, customer, cleanup, withLogs, sleep } from '../lib/harness.mjs';
import { loginCookie, redisKeys } from '../lib/fake-provider.mjs';
import { api, identOf, customerDump } from '../lib/holds.mjs';

const SECRET = 'shop-identity-secret-0123456789abcdef';
let redis, hilo, adminCk, anaCk;

before(async () => {
  redis = await startRedis();
  hilo = await startHilo({ redisUrl: redis.url, args: ['--identity-secret', SECRET] });
  const adminPw = await addAgent(hilo, 'boss', { admin: true, display: 'Boss' });
  const anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  adminCk = await loginCookie(hilo, 'boss', adminPw);
  anaCk = await loginCookie(hilo, 'ana', anaPw);
});
after(cleanup);

function signed(userId, name = '', email = '') {
  const ts = Math.floor(Date.now() / 1000);
  const sig = createHmac('sha256', SECRET).update(`${userId}\n${email}\n${name}\n${ts}`).digest('hex');
  return { user_id: userId, name, email, ts, sig };
}

async function firstMessage(c, text) {
  c.send({ type: 'message', client_id: `m-${text.length}-${Date.now()}`, text });
  return (await c.next('ack')).ticket;
}

test('a signed user on a browser holding an anonymous visitor\'s token gets its own customer, not the visitor\'s thread', withLogs(async () => {
  const anon = await customer(hilo, { locale: 'en' });
  const anonRef = await firstMessage(anon, 'anonymous secret: my door code is 4711');
  const anonCid = anon.welcome.customer;
  const anonBefore = await customerDump(redis, anonCid);
  await anon.close();

  // the same browser (same token) now logged in on the host site
  const u = await customer(hilo, { locale: 'en', token: anon.token, identity: signed('u-1001', 'Sam Signed', 'sam@example.com') });
  assert.notEqual(u.welcome.customer, anonCid, 'the signed user took the anonymous visitor\'s customer');
  assert.equal(u.welcome.ticket, null, `the signed user was shown the anonymous thread: ${JSON.stringify(u.welcome.ticket)}`);
  const r = await u.request({ type: 'resume', ticket: anonRef, after: '0' });
  assert.equal(r.code, 'unknown_ticket', 'the signed user resumed the anonymous visitor\'s case');
  const ref = await firstMessage(u, 'signed-in question');
  assert.notEqual(ref, anonRef);
  await sleep(200);
  assert.ok(!u.frames.some((f) => JSON.stringify(f).includes('4711')), 'the anonymous thread leaked');
  const cid = u.welcome.customer;
  assert.equal(await identOf(redis, 'user:u-1001'), cid);
  const d = await customerDump(redis, cid);
  assert.equal(d.cu.name, 'Sam Signed');
  assert.equal(JSON.parse(d.idev['user:u-1001']).how, 'signed');
  assert.ok(!d.ids.some((i) => i.startsWith('web:')), `the token linked to the signed customer: ${d.ids}`);
  assert.deepEqual(await customerDump(redis, anonCid), anonBefore, 'the anonymous visitor\'s customer changed');
  // the signed user on another browser: the same customer and case
  const u2 = await customer(hilo, { locale: 'en', identity: signed('u-1001', 'Sam Signed', 'sam@example.com') });
  assert.equal(u2.welcome.customer, cid);
  assert.equal(u2.welcome.ticket?.ref, ref);
  // and the anonymous token alone still leads to its own thread
  const back = await customer(hilo, { locale: 'en', token: anon.token });
  assert.equal(back.welcome.customer, anonCid);
  assert.equal(back.welcome.ticket?.ref, anonRef);
  await Promise.all([u.close(), u2.close(), back.close()]);
}));

test('an admin revokes a signed identity: the user id no longer leads to the customer; others may not; bad input changes nothing', withLogs(async () => {
  const u = await customer(hilo, { locale: 'en', identity: signed('u-2002', 'Rev Oked') });
  const ref = await firstMessage(u, 'before revocation');
  const cid = u.welcome.customer;
  await u.close();
  const idsR = await api(hilo, 'GET', `customers/${cid}/identities`, { cookie: anaCk });
  assert.equal(idsR.status, 200, idsR.body);
  assert.equal(idsR.json.identities.find((i) => i.identity === 'user:u-2002')?.how, 'signed');

  // the SLA clock's timers come and go on their own (docs/sla.md)
  const stable = async () => (await redisKeys(redis)).filter((k) => !/^hilo:(timers|sla)/.test(k));
  const keys = await stable();
  const dump = await customerDump(redis, cid);
  const refused = [
    [anaCk, cid, { identity: 'user:u-2002' }, 403],
    [adminCk, cid, { identity: 'phone:+12125550000' }, 400],
    [adminCk, cid, { identity: 'user:' }, 400],
    [adminCk, cid, 'nope', 400],
    [adminCk, 'cnobody', { identity: 'user:u-2002' }, 404],
    [adminCk, cid, { identity: 'user:u-9999' }, 404],
  ];
  for (const [ck, c, body, status] of refused) {
    const r = await api(hilo, 'POST', `customers/${c}/identities/revoke`, { cookie: ck, body });
    assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.body}`);
  }
  assert.deepEqual(await stable(), keys);
  assert.deepEqual(await customerDump(redis, cid), dump, 'a refused revocation changed the customer');

  const ok = await api(hilo, 'POST', `customers/${cid}/identities/revoke`, { cookie: adminCk, body: { identity: 'user:u-2002' } });
  assert.equal(ok.status, 200, ok.body);
  assert.deepEqual(ok.json, { customer: cid, identity: 'user:u-2002', revoked: true });
  assert.equal(await identOf(redis, 'user:u-2002'), '');
  const after = await customerDump(redis, cid);
  assert.ok(!after.ids.includes('user:u-2002'));
  assert.equal(after.idev['user:u-2002'], undefined);
  assert.deepEqual(after.tix, dump.tix, 'the customer\'s cases stay');
  // the same user id signs in again: a new customer, without the old thread
  const again = await customer(hilo, { locale: 'en', identity: signed('u-2002', 'Rev Oked') });
  assert.notEqual(again.welcome.customer, cid);
  assert.equal(again.welcome.ticket, null);
  assert.equal((await again.request({ type: 'resume', ticket: ref, after: '0' })).code, 'unknown_ticket');
  await again.close();
}));
