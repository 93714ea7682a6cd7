// Customer side: hello/welcome, the first message of a ticket, the `ack`
// frame and the `ack` event with a Damm-checked reference in the customer's
// language.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, customer, cleanup, withLogs, cmpId } from '../lib/harness.mjs';

const DAMM = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2], [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
  [4, 2, 0, 6, 8, 7, 1, 3, 5, 9], [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
  [6, 1, 2, 3, 0, 4, 5, 9, 7, 8], [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4], [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
  [9, 4, 3, 8, 6, 1, 7, 2, 0, 5], [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];
const dammValid = (digits) => [...digits].reduce((i, d) => DAMM[i][Number(d)], 0) === 0;

const ETA = 7; // not the default (15), so the option is exercised too
let redis, hilo;

before(async () => {
  redis = await startRedis();
  hilo = await startHilo({ redisUrl: redis.url, args: ['--ack-eta-minutes', String(ETA)] });
});
after(cleanup);

const SPANISH = /gracias|caso|responderemos|minutos/i;
const ENGLISH = /thank|reference|case|minutes/i;

// Sends the first message of a new ticket and returns {ack, msgEvent, ackEvent}.
async function firstMessage(c, clientId, text) {
  c.send({ type: 'message', client_id: clientId, text });
  const ack = await c.next('ack');
  const msgFrame = await c.next((f) => f.type === 'event' && f.event.kind === 'message' && f.event.client_id === clientId);
  const ackFrame = await c.next((f) => f.type === 'event' && f.event.kind === 'ack');
  return { ack, msgFrame, ackFrame, msgEvent: msgFrame.event, ackEvent: ackFrame.event };
}

test('sanity: the Damm check used below catches a typo and a swap', () => {
  assert.equal(dammValid('5724'), true); // textbook example: 572 -> check digit 4
  assert.equal(dammValid('5734'), false);
  assert.equal(dammValid('7524'), false);
});

test('Spanish customer: welcome, ack frame, message event, Spanish ack event with a valid reference', withLogs(async () => {
  const c = await customer(hilo, { locale: 'es-ES', name: 'Lucía' });
  const w = c.welcome;
  assert.equal(w.type, 'welcome');
  assert.equal(typeof w.token, 'string');
  assert.ok(w.token.length > 0, 'welcome.token is empty');
  assert.equal(typeof w.customer, 'string');
  assert.ok(w.customer.length > 0);
  assert.equal(w.locale, 'es');
  assert.equal(w.ticket, null);

  const before = Date.now();
  const text = 'Hola, mi pedido no ha llegado';
  const { ack, msgFrame, ackFrame, msgEvent, ackEvent } = await firstMessage(c, 'm-1', text);

  assert.match(ack.ticket, /^\d{8,9}$/);
  assert.ok(dammValid(ack.ticket), `reference ${ack.ticket} fails the Damm check`);
  assert.match(ack.event_id, /^\d+-\d+$/);
  assert.deepEqual(ack, { type: 'ack', client_id: 'm-1', ticket: ack.ticket, event_id: ack.event_id, duplicate: false });

  assert.deepEqual(Object.keys(msgFrame).sort(), ['event', 'type']);
  assert.equal(msgEvent.id, ack.event_id);
  assert.equal(msgEvent.ticket, ack.ticket);
  assert.equal(msgEvent.kind, 'message');
  assert.equal(msgEvent.channel, 'web');
  assert.equal(msgEvent.author.role, 'customer');
  assert.equal(msgEvent.author.id, w.customer);
  assert.equal(msgEvent.author.name, 'Lucía');
  assert.equal(msgEvent.text, text);
  assert.equal(msgEvent.client_id, 'm-1');
  assert.equal(typeof msgEvent.ts, 'number');
  assert.ok(msgEvent.ts >= before - 5000 && msgEvent.ts <= Date.now() + 5000, `ts ${msgEvent.ts} is not now`);

  assert.deepEqual(Object.keys(ackFrame).sort(), ['event', 'type']);
  assert.equal(ackEvent.ticket, ack.ticket);
  assert.equal(ackEvent.channel, 'system');
  assert.deepEqual(ackEvent.author, { role: 'system', id: '', name: 'Hilo' });
  assert.equal(ackEvent.eta_minutes, ETA);
  assert.equal(typeof ackEvent.ts, 'number');
  assert.equal(ackEvent.client_id, undefined);
  assert.ok(cmpId(ackEvent.id, msgEvent.id) > 0, `ack event ${ackEvent.id} not after message ${msgEvent.id}`);
  assert.ok(ackEvent.text.replace(/\D/g, '').includes(ack.ticket), `ack text lacks the reference ${ack.ticket}: ${ackEvent.text}`);
  assert.ok(ackEvent.text.includes(String(ETA)), `ack text lacks the ETA ${ETA}: ${ackEvent.text}`);
  assert.match(ackEvent.text, SPANISH, `ack text is not Spanish: ${ackEvent.text}`);
  assert.doesNotMatch(ackEvent.text, /thank/i);
  // no provider channel is set up on this hilo: the ack promises none
  assert.doesNotMatch(ackEvent.text, /WhatsApp|SMS|teléfono|correo/, `ack promises channels that are not set up: ${ackEvent.text}`);

  // Order on the wire: the message event before the ack event.
  const evs = c.frames.filter((f) => f.type === 'event').map((f) => f.event.kind);
  assert.deepEqual(evs, ['message', 'ack']);

  // A second message on the same ticket: no new ack event.
  c.send({ type: 'message', client_id: 'm-2', text: 'Es el pedido 123' });
  const ack2 = await c.next('ack');
  assert.deepEqual(ack2, { type: 'ack', client_id: 'm-2', ticket: ack.ticket, event_id: ack2.event_id, duplicate: false });
  assert.ok(cmpId(ack2.event_id, ackEvent.id) > 0);
  await c.next((f) => f.type === 'event' && f.event.client_id === 'm-2');
  await c.none((f) => f.type === 'event' && f.event.kind === 'ack', 300);
  await c.close();

  // The same token gets the same customer and its current ticket back.
  const c2 = await customer(hilo, { token: w.token, locale: 'es-ES' });
  assert.equal(c2.welcome.customer, w.customer);
  assert.equal(c2.welcome.locale, 'es');
  const t = c2.welcome.ticket;
  assert.ok(t, 'welcome.ticket is null for a returning customer');
  assert.equal(t.ref, ack.ticket);
  assert.equal(t.status, 'open');
  assert.equal(t.customer, w.customer);
  assert.equal(t.locale, 'es');
  assert.equal(t.channel, 'web');
  assert.equal(t.messages, 2);
  assert.equal(t.last_text, 'Es el pedido 123');
  assert.equal(t.last_role, 'customer');
  assert.equal(t.assignee, '');
  assert.ok(t.created_at > 0 && t.waiting_since > 0);
  assert.equal(t.first_response_at, 0);
  assert.equal(t.resolved_at, 0);
  // Without `after`, nothing is replayed.
  await c2.none('event', 300);
}));

for (const [label, locale] of [['en-GB', 'en-GB'], ['no locale', undefined], ['fr-FR (not Spanish)', 'fr-FR']]) {
  test(`English ack event (${label})`, withLogs(async () => {
    const c = await customer(hilo, locale ? { locale } : {});
    assert.equal(c.welcome.locale, 'en');
    assert.equal(c.welcome.ticket, null);
    const { ack, ackEvent } = await firstMessage(c, 'x-1', 'Hello, my order has not arrived');
    assert.match(ack.ticket, /^\d{8,9}$/);
    assert.ok(dammValid(ack.ticket), `reference ${ack.ticket} fails the Damm check`);
    assert.ok(ackEvent.text.replace(/\D/g, '').includes(ack.ticket), `ack text lacks the reference: ${ackEvent.text}`);
    assert.match(ackEvent.text, ENGLISH, `ack text is not English: ${ackEvent.text}`);
    assert.doesNotMatch(ackEvent.text, /gracias|responderemos/i);
    assert.equal(ackEvent.eta_minutes, ETA);
    await c.close();
  }));
}

test('Spanish tags of any region map to es (es-MX, es)', withLogs(async () => {
  for (const locale of ['es-MX', 'es']) {
    const c = await customer(hilo, { locale });
    assert.equal(c.welcome.locale, 'es', `locale ${locale}`);
    await c.close();
  }
}));

test('different customers get different tickets and references', withLogs(async () => {
  const refs = new Set();
  for (let i = 0; i < 3; i++) {
    const c = await customer(hilo, { locale: 'en' });
    const { ack } = await firstMessage(c, 'm-1', `hi ${i}`);
    assert.ok(dammValid(ack.ticket));
    refs.add(ack.ticket);
    await c.close();
  }
  assert.equal(refs.size, 3);
}));

test('ping answers pong with the server time', withLogs(async () => {
  const c = await customer(hilo, {});
  const t0 = Date.now();
  const pong = await c.request({ type: 'ping' });
  assert.equal(pong.type, 'pong');
  assert.equal(typeof pong.ts, 'number');
  assert.ok(Math.abs(pong.ts - t0) < 5000);
  await c.close();
}));
