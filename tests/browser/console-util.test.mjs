// Unit tests of the console's pure helpers (no browser, no server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cmpId, formatRef, fillPlaceholders, waitLevel, formatDuration, queueOrder,
} from '../../web/console/src/util.js';

test('cmpId compares stream ids as two integers', () => {
  assert.equal(cmpId('1763850000123-0', '1763850000123-0'), 0);
  assert.ok(cmpId('1763850000123-9', '1763850000123-10') < 0); // not as strings
  assert.ok(cmpId('999-5', '1000-0') < 0);
  assert.ok(cmpId('1763850000124-0', '1763850000123-99') > 0);
  assert.ok(cmpId('0', '1-0') < 0);
});

test('formatRef groups digits by four', () => {
  assert.equal(formatRef('40718263'), '4071 8263');
  assert.equal(formatRef('407182635'), '4071 8263 5');
  assert.equal(formatRef('4071-8263'), '4071 8263');
});

test('fillPlaceholders fills {{name}} and {{ref}} and leaves others', () => {
  assert.equal(fillPlaceholders('Hi {{name}}, case {{ ref }}.', { name: 'Lucía', ref: '4071 8263' }), 'Hi Lucía, case 4071 8263.');
  assert.equal(fillPlaceholders('{{NAME}} {{other}}', { name: 'Ana' }), 'Ana {{other}}');
  assert.equal(fillPlaceholders('Hi {{name}}, thanks', { name: '' }), 'Hi, thanks');
  assert.equal(fillPlaceholders('{{name}}, could you', { name: '' }), 'could you');
  // the value is inserted as is (it is rendered as text later, never as HTML)
  assert.equal(fillPlaceholders('{{name}}', { name: '<b>x</b> {{ref}}', ref: '1' }), '<b>x</b> {{ref}}');
});

test('waiting levels and durations', () => {
  const now = 10_000_000;
  const tk = (mins) => ({ waiting_since: now - mins * 60000 });
  assert.equal(waitLevel({ waiting_since: 0 }, now, 5, 15), 'none');
  assert.equal(waitLevel(tk(4.9), now, 5, 15), 'ok');
  assert.equal(waitLevel(tk(5), now, 5, 15), 'amber');
  assert.equal(waitLevel(tk(15), now, 5, 15), 'red');
  assert.equal(formatDuration(42_000), '42 s');
  assert.equal(formatDuration(12 * 60000), '12 min');
  assert.equal(formatDuration(185 * 60000), '3 h 05');
  assert.equal(formatDuration(52 * 3600000), '2 d 4 h');
});

test('queue order: longest-waiting first, answered tickets last', () => {
  const list = [
    { ref: 'a', waiting_since: 0, updated_at: 5 },
    { ref: 'b', waiting_since: 300 },
    { ref: 'c', waiting_since: 100 },
    { ref: 'd', waiting_since: 0, updated_at: 1 },
  ];
  assert.deepEqual(list.sort(queueOrder).map((t) => t.ref), ['c', 'b', 'd', 'a']);
});
