// Issue #10: with --survey 1 a call ends with a keypress for satisfaction
// (TwiML <Gather numDigits="1">); the key is the ticket's csat score, in the
// thread, without reopening anything.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs } from '../lib/harness.mjs';
import { startFakeProvider, channelArgs, twPost, newSid, isEv, isTicket, twimlAttr, twimlPath, says } from '../lib/fake-provider.mjs';

let redis, hilo, fake, pw;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: [...channelArgs(fake, { only: ['twilio'] }), '--survey', '1'] });
  pw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(async () => { await cleanup(); await fake?.close(); });

const callParams = (from, callSid, extra = {}) => ({
  AccountSid: fake.config.twilioSid, ApiVersion: '2010-04-01', CallSid: callSid, CallStatus: 'in-progress',
  Called: '+14155550199', Caller: from, Direction: 'inbound', From: from, FromCountry: 'US', To: '+14155550199',
  ToCountry: 'US', ...extra,
});

test('after the voicemail the caller rates the call with one key; the score is on the ticket', withLogs(async () => {
  const a = await agent(hilo, 'ana', pw);
  assert.equal((await a.request({ type: 'queue.watch' })).type, 'queue');
  const from = '+12125557001';
  const sid = newSid('CA');
  let res = await twPost(hilo, '/webhooks/twilio/voice', callParams(from, sid, { CallStatus: 'ringing' }));
  assert.equal(res.status, 200, res.body);
  // unknown caller: asked for a reference; no digits opens a new ticket
  res = await twPost(hilo, twimlPath(twimlAttr(res.body, 'Gather', 'action')), callParams(from, sid, { Digits: '' }));
  assert.equal(res.status, 200, res.body);
  const ref = (await a.next(isTicket((t) => t.channel === 'voice'))).ticket.ref;
  const recPath = twimlPath(twimlAttr(res.body, 'Record', 'action'));
  res = await twPost(hilo, recPath, callParams(from, sid, {
    RecordingSid: newSid('RE'), RecordingDuration: '5', Digits: 'hangup',
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${fake.config.twilioSid}/Recordings/RE1`,
  }));
  assert.equal(res.status, 200, res.body);
  assert.match(res.body, /<Gather\b[^>]*numDigits="1"/, res.body);
  assert.match(says(res.body), /press 1 to 5/);
  const action = twimlPath(twimlAttr(res.body, 'Gather', 'action'));
  assert.equal(action, '/webhooks/twilio/voice/csat');

  // a key out of range records nothing
  let r = await twPost(hilo, action, callParams(from, sid, { Digits: '9' }));
  assert.equal(r.status, 200, r.body);
  assert.equal(await redis.cli('HGET', `hilo:{t:${ref}}:tk`, 'csat'), '');

  r = await twPost(hilo, action, callParams(from, sid, { Digits: '5' }));
  assert.equal(r.status, 200, r.body);
  assert.match(says(r.body), /Thank you for your rating/);
  await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(await redis.cli('HGET', `hilo:{t:${ref}}:tk`, 'csat'), '5');
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  const ev = th.events.find((e) => e.kind === 'csat');
  assert.ok(ev, JSON.stringify(th.events.map((e) => e.kind)));
  assert.equal(ev.csat, 5);
  assert.equal(ev.channel, 'voice');
  assert.equal(ev.author.role, 'customer');
  assert.equal(th.ticket.status, 'open', 'a score does not change the status');
  // Twilio retrying the same webhook records it once
  r = await twPost(hilo, action, callParams(from, sid, { Digits: '5' }));
  assert.equal(r.status, 200);
  const th2 = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th2.events.filter((e) => e.kind === 'csat').length, 1);
  await a.close();
}));
