// Issue #10: an unknown caller is greeted in the language their number's
// country suggests (+34, +52, ... -> es) when the default locale does not
// fit; others keep the default. Genuinely signed Twilio webhooks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, cleanup, withLogs } from '../lib/harness.mjs';
import { startFakeProvider, channelArgs, twPost, newSid, says, twimlAttr } from '../lib/fake-provider.mjs';

let redis, fake, hilo;
before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: [...channelArgs(fake, { only: ['twilio'] }), '--default-locale', 'en'] });
});
after(async () => { await cleanup(); await fake?.close(); });

const call = (from) => twPost(hilo, '/webhooks/twilio/voice', {
  AccountSid: fake.config.twilioSid, ApiVersion: '2010-04-01', CallSid: newSid('CA'), CallStatus: 'ringing',
  Called: '+14155550199', Caller: from, Direction: 'inbound', From: from, To: '+14155550199',
});

test('a caller from Spain or Mexico hears Spanish; one from the UK or Germany the default', withLogs(async () => {
  for (const from of ['+34600111222', '+5215512345678']) {
    const res = await call(from);
    assert.equal(res.status, 200, res.body);
    assert.match(says(res.body), /Si tienes un número de caso/, from);
    assert.match(twimlAttr(res.body, 'Say', 'language') ?? twimlAttr(res.body, 'Gather', 'language') ?? 'es', /^es/, from);
  }
  for (const from of ['+447700900123', '+4915112345678']) {
    const res = await call(from);
    assert.equal(res.status, 200, res.body);
    assert.match(says(res.body), /If you have a ticket reference/, from);
  }
}));
