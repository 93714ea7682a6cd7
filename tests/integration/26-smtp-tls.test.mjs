// Outbound SMTP never sends credentials or mail in clear by accident
// (issue 11): smtp:// requires STARTTLS unless --smtp-plain 1 says a plain
// relay is meant. The fake sink offers no STARTTLS and accepts AUTH in clear,
// so a leak would show up as a recorded AUTH or mail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, cleanup, withLogs, sleep } from '../lib/harness.mjs';
import { startFakeProvider, channelArgs, mgPost, mgEmail, loginCookie } from '../lib/fake-provider.mjs';

let redis, fake;
before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
});
after(async () => { await cleanup(); await fake?.close(); });

// channelArgs allows plain SMTP for the sink; drop that flag to get the default.
function emailArgs({ plain }) {
  const a = channelArgs(fake, { only: ['email'], attempts: 2, backoffMs: 100 });
  const i = a.indexOf('--smtp-plain');
  assert.ok(i > 0, 'channelArgs passes --smtp-plain');
  if (plain) a[i + 1] = '1'; else a.splice(i, 2);
  a.push('--smtp-user', 'hilo', '--smtp-password', 's3cret-smtp');
  return a;
}

async function deadLetters(hilo, cookie) {
  const res = await fetch(hilo.url + '/api/v1/outbox/dead', { headers: { cookie } });
  assert.equal(res.status, 200);
  return res.text();
}

test('default: a server without STARTTLS gets no AUTH and no mail; the ack is a dead letter', withLogs(async () => {
  const hilo = await startHilo({ redisUrl: redis.url, args: emailArgs({ plain: false }) });
  const pw = await addAgent(hilo, 'ana', { admin: true });
  const cookie = await loginCookie(hilo, 'ana', pw);
  const auths = fake.attempts.smtpAuth.length, mails = fake.attempts.smtp.length;
  const mail = mgEmail({ from: 'Tomas <tomas-tls@example.net>', subject: 'Help', text: 'no TLS please' });
  assert.equal((await mgPost(hilo, mail.fields)).status, 200);
  // the ack is tried --outbox-attempts times, then filed with curl's reason
  let body = '';
  for (let i = 0; i < 100 && !body.includes('tomas-tls@example.net'); i++) {
    await sleep(100);
    body = await deadLetters(hilo, cookie);
  }
  assert.ok(body.includes('tomas-tls@example.net'), `no dead letter for the ack: ${body}`);
  assert.match(body, /SSL|TLS/i, 'the dead letter says TLS was the problem');
  assert.equal(fake.attempts.smtpAuth.length, auths, 'no AUTH sent in clear');
  assert.equal(fake.attempts.smtp.length, mails, 'no mail sent in clear');
  await hilo.stop();
}));

test('--smtp-plain 1: the same sink gets the ack (a local relay on purpose)', withLogs(async () => {
  // its own key prefix: the first test's outbox (and any hilo still polling
  // it) never sees this test's mail
  const hilo = await startHilo({ redisUrl: redis.url, prefix: 'plain', args: emailArgs({ plain: true }) });
  const mail = mgEmail({ from: 'Tomas <tomas-plain@example.net>', subject: 'Help', text: 'plain relay ok' });
  assert.equal((await mgPost(hilo, mail.fields)).status, 200);
  const [ack] = await fake.waitFor(fake.mails, (m) => m.envelope.rcptTo.includes('tomas-plain@example.net'));
  assert.ok(ack);
  assert.ok(fake.attempts.smtpAuth.some((a) => a.user === 'hilo'), 'AUTH was used');
}));
