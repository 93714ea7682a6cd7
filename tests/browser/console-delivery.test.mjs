// Unit tests of the console's delivery, channel and report helpers (no browser, no server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  replyChannels, defaultReplyChannel, mergeDelivery, deliveryView, replyChannelFor,
} from '../../web/console/src/delivery.js';
import {
  periodRange, fillDays, formatDurationOrDash, parseLocalInput, toDateTimeInput, teamsOf, validAgentName,
} from '../../web/console/src/util.js';

const msg = (channel, role = 'customer') => ({ kind: 'message', channel, author: { role } });

test('reply channels: web plus what the customer used, voice falls back to SMS', () => {
  assert.deepEqual(replyChannels([], { channel: 'web', last_channel: 'web' }), ['web']);
  const evs = [msg('web'), msg('whatsapp'), { kind: 'reply', channel: 'email', author: { role: 'agent' } }, msg('voice'), msg('email'), msg('whatsapp')];
  assert.deepEqual(replyChannels(evs, { channel: 'web' }), ['web', 'whatsapp', 'sms', 'email']);
  assert.equal(defaultReplyChannel(evs, {}), 'whatsapp');
  assert.equal(defaultReplyChannel([msg('voice')], {}), 'sms');
  assert.equal(defaultReplyChannel([], { last_channel: 'email' }), 'email');
  assert.equal(defaultReplyChannel([], { last_channel: 'api' }), 'web');
  assert.equal(replyChannelFor('system'), null);
});

test('delivery states never go backwards; failed applies; a retried one is queued again', () => {
  let d = mergeDelivery(null, { status: 'queued', attempts: 0 });
  d = mergeDelivery(d, { status: 'sent', provider_id: 'wamid.1' });
  assert.equal(d.status, 'sent');
  assert.equal(d.provider_id, 'wamid.1');
  d = mergeDelivery(d, { status: 'read' });
  assert.equal(mergeDelivery(d, { status: 'delivered' }).status, 'read'); // late delivered ignored
  assert.equal(mergeDelivery(d, { status: 'queued' }).status, 'read');
  const f = mergeDelivery({ status: 'queued', attempts: 5 }, { status: 'failed', error: '131047 outside the 24-hour window' });
  assert.equal(f.status, 'failed');
  assert.equal(mergeDelivery(f, { status: 'queued', attempts: 0 }).status, 'queued');
  assert.equal(mergeDelivery(d, null), d);
});

test('deliveryView: icon, i18n key, reason and Retry only when failed', () => {
  assert.equal(deliveryView(null), null);
  assert.equal(deliveryView({}), null);
  const v = deliveryView({ status: 'failed', error: 'HTTP 400 invalid number', attempts: 1, channel: 'sms', to: '+34600000000' });
  assert.deepEqual([v.status, v.icon, v.key, v.error, v.canRetry, v.channel, v.to], ['failed', '⚠', 'delivery.failed', 'HTTP 400 invalid number', true, 'sms', '+34600000000']);
  for (const [s, icon] of [['queued', '🕓'], ['sent', '✓'], ['delivered', '✓✓'], ['read', '✓✓']]) {
    const x = deliveryView({ status: s });
    assert.equal(x.icon, icon);
    assert.equal(x.key, `delivery.${s}`);
    assert.equal(x.canRetry, false);
  }
  assert.equal(deliveryView({ status: 'weird' }).key, 'delivery.unknown');
});

test('report periods and days', () => {
  const now = new Date(2026, 10, 23, 15, 30).getTime();
  const r7 = periodRange('7d', now);
  assert.equal(r7.to, new Date(2026, 10, 24).getTime());
  assert.equal(r7.from, new Date(2026, 10, 17).getTime());
  const c = periodRange('custom', now, '2026-01-10', '2026-01-12');
  assert.deepEqual(c, { from: new Date(2026, 0, 10).getTime(), to: new Date(2026, 0, 13).getTime() });
  assert.equal(periodRange('custom', now, '2026-01-12', '2026-01-10'), null);
  assert.equal(periodRange('custom', now, 'nope', '2026-01-10'), null);
  const days = fillDays([{ day: '2026-11-18', created: 3, resolved: 1 }], Date.UTC(2026, 10, 17), Date.UTC(2026, 10, 20));
  assert.deepEqual(days, [
    { day: '2026-11-17', created: 0, resolved: 0 },
    { day: '2026-11-18', created: 3, resolved: 1 },
    { day: '2026-11-19', created: 0, resolved: 0 },
  ]);
  assert.equal(formatDurationOrDash(null), '—');
  assert.equal(formatDurationOrDash(250), '< 1 s');
  assert.equal(formatDurationOrDash(3600000), '1 h 00');
  assert.equal(formatDurationOrDash(86400000 * 2), '2 d 0 h');
});

test('date inputs, teams, agent names', () => {
  const ms = new Date(2026, 10, 24, 9, 0).getTime();
  assert.equal(toDateTimeInput(ms), '2026-11-24T09:00');
  assert.equal(parseLocalInput('2026-11-24T09:00'), ms);
  assert.ok(Number.isNaN(parseLocalInput('2026-02-31')));
  assert.deepEqual(teamsOf([{ team: 'tech' }, { team: '' }], [{ team: 'billing' }, { team: 'tech' }]), ['billing', 'tech']);
  assert.equal(validAgentName('ana.b_c-1'), true);
  assert.equal(validAgentName('Ana'), false);
  assert.equal(validAgentName(''), false);
  assert.equal(validAgentName('a'.repeat(65)), false);
});
