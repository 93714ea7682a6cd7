// Pure helpers behind #13's console items: who else is answering
// (sendConflicts) and the permanent delivery failure (no Retry).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sendConflicts, RECENT_MS } from '../../web/console/src/conflict.js';
import { deliveryView } from '../../web/console/src/delivery.js';

const now = 1_800_000_000_000;
const ev = (kind, id, ts, text = 'x') => ({ kind, ts, text, author: { role: 'agent', id, name: id.toUpperCase() } });

test('sendConflicts: colleagues typing, recent or since-the-draft replies; never myself', () => {
  const agents = [{ name: 'bob', display: 'Bob Builder' }];
  assert.equal(sendConflicts({ events: [], typing: {} }, 'ana', { now, since: now }), null);
  // my own reply and old colleague replies do not count
  const old = [ev('reply', 'ana', now - 1000), ev('reply', 'bob', now - RECENT_MS - 1)];
  assert.equal(sendConflicts({ events: old, typing: {} }, 'ana', { now, since: now - 5000 }), null);
  // a colleague's reply after I began writing counts even if older than 2 minutes
  const c1 = sendConflicts({ events: old, typing: {} }, 'ana', { now, since: now - RECENT_MS - 60000, agents });
  assert.deepEqual(c1.replies.map((r) => r.name), ['Bob Builder']);
  // a recent resolution counts; the customer's messages do not
  const c2 = sendConflicts({ events: [ev('resolution', 'bob', now - 10), { kind: 'message', ts: now, author: { role: 'customer', id: 'c1' } }], typing: {} }, 'ana', { now, since: 0 });
  assert.equal(c2.replies.length, 1);
  // typing: agents only, not expired, each once
  const typing = {
    'agent:Bob': { role: 'agent', name: 'Bob', until: now + 1000 },
    'agent:Old': { role: 'agent', name: 'Old', until: now - 1 },
    customer: { role: 'customer', name: 'Carl', until: now + 1000 },
  };
  assert.deepEqual(sendConflicts({ events: [], typing }, 'ana', { now, since: now }).typing, ['Bob']);
});

test('deliveryView: a permanent failure has no Retry; one out of attempts has', () => {
  const p = deliveryView({ status: 'failed', error: '131047', permanent: true });
  assert.deepEqual([p.canRetry, p.permanent], [false, true]);
  const r = deliveryView({ status: 'failed', error: 'HTTP 503', permanent: false });
  assert.deepEqual([r.canRetry, r.permanent], [true, false]);
  assert.equal(deliveryView({ status: 'failed' }).canRetry, true, 'older records without the flag keep Retry');
  assert.equal(deliveryView({ status: 'sent', permanent: true }).permanent, false);
});
