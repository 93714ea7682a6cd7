// Issue #13 "Team settings on the server", completed: an admin deletes a
// team's settings (DELETE /api/v1/team-settings/<team>: the default team's
// apply again), and agents already signed in hear of every change at once
// (frame {"type":"team_settings","team"} over the events channel, on every
// instance). And approved templates on Twilio WhatsApp: the ContentSid with
// the parameters as ContentVariables.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startHilo, addAgent, agent, cleanup, withLogs, httpGet, advanceClock,
} from '../lib/harness.mjs';
import { startFakeProvider, channelArgs, twPost, newSid, isTicket, loginCookie } from '../lib/fake-provider.mjs';

let redis, hilo, hilo2, adminCookie, anaCookie, anaPw, bobPw;

before(async () => {
  redis = await startRedis();
  hilo = await startHilo({ redisUrl: redis.url });
  hilo2 = await startHilo({ redisUrl: redis.url });
  const rootPw = await addAgent(hilo, 'root', { display: 'Root', admin: true });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  bobPw = await addAgent(hilo, 'bob', { display: 'Bob' });
  adminCookie = await loginCookie(hilo, 'root', rootPw);
  const p = await api(hilo, 'PATCH', '/api/v1/agents/ana', { body: { team: 'billing' } });
  assert.equal(p.status, 200, p.body);
  anaCookie = await loginCookie(hilo, 'ana', anaPw);
});
after(cleanup);

async function api(h, method, path, { ck = adminCookie, body } = {}) {
  const headers = { cookie: ck };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return httpGet(h.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}
const stored = async () => redis.cli('HGETALL', 'hilo:team:settings');
const isTeamSettings = (team) => (f) => f.type === 'team_settings' && f.team === team;

test('signed-in agents on every instance hear of a PUT and a DELETE; DELETE falls back to the default team', withLogs(async () => {
  const dflt = { canned: [{ title: 'Hola', text: 'Hola, ¿en qué te ayudo?' }], thresholds: { amber_minutes: 4, red_minutes: 8 } };
  let r = await api(hilo, 'PUT', '/api/v1/team-settings/default', { body: dflt });
  assert.equal(r.status, 200, r.body);
  const a2 = await agent(hilo2, 'ana', anaPw); // signed in on the other instance
  const b1 = await agent(hilo, 'bob', bobPw);

  const billing = { canned: [{ title: 'Reembolso', text: 'Tu reembolso está en camino.' }] };
  r = await api(hilo, 'PUT', '/api/v1/team-settings/billing', { body: billing });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(await a2.next(isTeamSettings('billing'), 8000), { type: 'team_settings', team: 'billing' });
  await b1.next(isTeamSettings('billing'), 8000); // every agent: the frame names the team
  r = await api(hilo2, 'GET', '/api/v1/team-settings', { ck: anaCookie });
  assert.deepEqual(r.json, { team: 'billing', canned: billing.canned, thresholds: dflt.thresholds });

  // a non-admin may not delete; bad names are refused; nothing changes
  const before = await stored();
  r = await api(hilo, 'DELETE', '/api/v1/team-settings/billing', { ck: anaCookie });
  assert.equal(r.status, 403, r.body);
  r = await api(hilo, 'DELETE', '/api/v1/team-settings/bad%20team');
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json?.error?.code, 'bad_frame');
  assert.deepEqual(await stored(), before);

  r = await api(hilo, 'DELETE', '/api/v1/team-settings/billing');
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json, { team: 'billing', deleted: true });
  await a2.next(isTeamSettings('billing'), 8000);
  r = await api(hilo2, 'GET', '/api/v1/team-settings', { ck: anaCookie });
  assert.deepEqual(r.json, { team: 'billing', ...dflt }, 'the default team\'s again');
  assert.equal(await redis.cli('HEXISTS', 'hilo:team:settings', 'billing'), '0');
  r = await api(hilo, 'DELETE', '/api/v1/team-settings/billing');
  assert.deepEqual(r.json, { team: 'billing', deleted: false }, 'deleting twice is harmless');

  // the default team's go too: the built-in defaults
  r = await api(hilo2, 'DELETE', '/api/v1/team-settings/default');
  assert.deepEqual(r.json, { team: 'default', deleted: true });
  await b1.next(isTeamSettings('default'), 8000);
  r = await api(hilo, 'GET', '/api/v1/team-settings', { ck: anaCookie });
  assert.deepEqual(r.json, { team: 'billing', canned: null, thresholds: { amber_minutes: 5, red_minutes: 15 } });
  assert.equal(await redis.cli('HLEN', 'hilo:team:settings'), '0');
  await a2.close();
  await b1.close();
}));

test('Twilio WhatsApp: an approved template with a ContentSid goes as ContentSid and ContentVariables; one without is bad_state', withLogs(async () => {
  const fake = await startFakeProvider();
  try {
    // a hub of its own (key prefix): the other instances here have no Twilio
    // and must not take its outbox entries
    const prefix = 'tw89';
    const h = await startHilo({
      redisUrl: redis.url, prefix,
      args: [...channelArgs(fake, { only: ['twilio'] }), '--test-clock', '1', '--session-ttl', '604800'],
    });
    const twAdminPw = await addAgent(h, 'root', { display: 'Root', admin: true, prefix });
    const tereePw = await addAgent(h, 'teree', { display: 'Teree', prefix });
    const ck = await loginCookie(h, 'root', twAdminPw);
    const sid = 'HX0123456789abcdef0123456789abcdef';
    let r = await api(h, 'PUT', '/api/v1/team-settings/default', {
      ck,
      body: {
        templates: [
          { name: 'case_update', language: 'es', body: 'Hola {{1}}, tu caso {{2}} avanza.', params: 2, content_sid: sid },
          { name: 'cloud_only', language: 'es', body: 'Sin ContentSid', params: 0 },
        ],
      },
    });
    assert.equal(r.status, 200, r.body);
    const a = await agent(h, 'teree', tereePw);
    await a.request({ type: 'queue.watch' });
    const phone = '+16508890001';
    const msid = newSid();
    const p = {
      SmsMessageSid: msid, NumMedia: '0', ProfileName: 'Pat', MessageType: 'text', SmsSid: msid, WaId: phone.slice(1),
      SmsStatus: 'received', Body: 'hola por twilio (89)', To: 'whatsapp:+14155238886', NumSegments: '1',
      ReferralNumMedia: '0', MessageSid: msid, AccountSid: fake.config.twilioSid, From: `whatsapp:${phone}`, ApiVersion: '2010-04-01',
    };
    assert.equal((await twPost(h, '/webhooks/twilio/messaging', p)).status, 200);
    const ref = (await a.next(isTicket((t) => t.last_text === 'hola por twilio (89)'), 8000)).ticket.ref;
    await a.request({ type: 'ticket.open', ticket: ref });
    await fake.waitFor(fake.twilio, (x) => x.body.To === `whatsapp:${phone}`); // the ack
    await advanceClock(h, 25 * 3600 * 1000);

    const e = await a.request({ type: 'reply', ticket: ref, client_id: 'tw-0', text: 'x', template: { name: 'cloud_only', language: 'es' } });
    assert.equal(e.code, 'bad_state', 'no ContentSid: cannot go on Twilio');
    const ack = await a.request({
      type: 'reply', ticket: ref, client_id: 'tw-1', text: 'x', template: { name: 'case_update', language: 'es', params: ['Pat', ref] },
    });
    assert.equal(ack.type, 'ack', JSON.stringify(ack));
    const [out] = await fake.waitFor(fake.twilio, (x) => x.body.To === `whatsapp:${phone}` && x.body.ContentSid);
    assert.equal(out.body.ContentSid, sid);
    assert.deepEqual(JSON.parse(out.body.ContentVariables), { 1: 'Pat', 2: ref });
    assert.equal(out.body.Body, undefined);
    const t = await a.request({ type: 'ticket.open', ticket: ref });
    const ev = t.events.find((x) => x.client_id === 'tw-1');
    assert.equal(ev.text, `Hola Pat, tu caso ${ref} avanza.`);
    assert.deepEqual(ev.template, { name: 'case_update', language: 'es', params: ['Pat', ref] });
    assert.equal(t.events.filter((x) => x.client_id === 'tw-0').length, 0, 'the refused one was not appended');
    await a.close();
  } finally {
    await fake.close();
  }
}));
