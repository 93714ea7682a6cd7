// Issue #10: outside business hours a new ticket's acknowledgement quotes
// the next opening in the customer's language instead of "about 15 minutes".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, customer, cleanup, withLogs } from '../lib/harness.mjs';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const EN = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const ES = ['domingo', 'lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado'];
// Open only on the weekday three days from now (UTC): closed now whatever
// the hour, and the opening is named by its weekday.
const wd = (new Date().getUTCDay() + 3) % 7;

let redis, hilo;
before(async () => {
  redis = await startRedis();
  hilo = await startHilo({ redisUrl: redis.url, args: ['--sla-timezone', 'UTC', '--sla-hours', `${DAYS[wd]} 09:00-10:00`] });
});
after(cleanup);

const ackOf = async (locale, text) => {
  const c = await customer(hilo, { locale });
  c.send({ type: 'message', client_id: 'm-1', text });
  await c.next('ack');
  const ev = (await c.next((f) => f.type === 'event' && f.event.kind === 'ack')).event;
  await c.close();
  return ev.text;
};

test('closed: the acknowledgement quotes the next opening, in English and Spanish', withLogs(async () => {
  const en = await ackOf('en', 'Where is my parcel?');
  assert.match(en, new RegExp(`We're closed now; we'll answer ${EN[wd]} from 9:00`));
  assert.doesNotMatch(en, /minutes/);
  const es = await ackOf('es', '¿Dónde está mi pedido?');
  assert.match(es, new RegExp(`Ahora estamos cerrados; te responderemos el ${ES[wd]} a partir de las 9:00`));
}));

test('open (24x7): the usual estimate', withLogs(async () => {
  const h2 = await startHilo({ redisUrl: redis.url, args: ['--sla-hours', '24x7'] });
  const c = await customer(h2, { locale: 'en' });
  c.send({ type: 'message', client_id: 'm-1', text: 'hi' });
  await c.next('ack');
  const ev = (await c.next((f) => f.type === 'event' && f.event.kind === 'ack')).event;
  assert.match(ev.text, /within about 15 minutes/);
  await c.close();
}));
