// Issue #13: business hours in the chat widget. After the welcome Hilo
// sends {"type":"hours"} with whether the team that would answer is open,
// when that changes and the status line in the customer's language (the
// acknowledgement's words); {"type":"hours"} asks again. The team is the
// current ticket's (its stored SLA settings over the default team's), else
// the default team (the options, the stored "default" over them). Schedules
// are chosen to be open or closed whatever the wall-clock hour.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startHilo, addAgent, customer, agent, advanceClock, cleanup, withLogs, httpGet,
} from '../lib/harness.mjs';
import { loginCookie } from '../lib/fake-provider.mjs';

const DAY = 86400000;
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const EN = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const ES = ['domingo', 'lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado'];
// Open only on the weekday three days from now (UTC), 09:00-10:00.
const wd = (new Date().getUTCDay() + 3) % 7;
const midnightUTC = (ms) => Math.floor(ms / DAY) * DAY;

let redis, hilo, adminCookie, anaPw;
before(async () => {
  redis = await startRedis();
  hilo = await startHilo({ redisUrl: redis.url, args: ['--sla-timezone', 'UTC', '--sla-hours', `${DAYS[wd]} 09:00-10:00`] });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  const rootPw = await addAgent(hilo, 'root', { display: 'Root', admin: true });
  adminCookie = await loginCookie(hilo, 'root', rootPw);
});
after(cleanup);

const put = (path, body) => httpGet(hilo.url + path, {
  method: 'PUT', headers: { cookie: adminCookie, 'content-type': 'application/json' }, body: JSON.stringify(body),
});
const del = (path) => httpGet(hilo.url + path, { method: 'DELETE', headers: { cookie: adminCookie } });
const hoursOf = async (c) => (await c.next('hours')).hours;

test('closed: the hours after the welcome name the next opening, in English and Spanish', withLogs(async () => {
  const t0 = Date.now();
  const c = await customer(hilo, { locale: 'en' });
  const h = await hoursOf(c);
  // the opening: the first 09:00 UTC on weekday wd after now (3 days ahead)
  const open = midnightUTC(t0) + 3 * DAY + 9 * 3600000;
  assert.equal(new Date(open).getUTCDay(), wd);
  assert.equal(h.open, false);
  assert.equal(h.always, false);
  assert.equal(h.next_open, open);
  assert.equal(h.next_close, open + 3600000);
  assert.equal(h.tz, 'UTC');
  assert.equal(h.team, 'default');
  assert.equal(h.eta_minutes, 15);
  assert.ok(h.now >= t0 - 1000 && h.now <= Date.now() + 1000, 'now is Hilo\'s clock');
  // "Monday" becomes "tomorrow" at midnight: the widget asks again then
  assert.equal(h.refresh_at, midnightUTC(h.now) + DAY);
  assert.equal(h.text, `We're closed now; we'll answer ${EN[wd]} from 9:00.`);

  // the acknowledgement says the same
  c.send({ type: 'message', client_id: 'm-1', text: 'Where is my parcel?' });
  await c.next('ack');
  const ack = (await c.next((f) => f.type === 'event' && f.event.kind === 'ack')).event;
  assert.ok(ack.text.includes(h.text.replace(/\.$/, '')), `${ack.text} / ${h.text}`);

  // asked again: the same, with req echoed
  const again = await c.request({ type: 'hours' });
  assert.equal(again.type, 'hours');
  assert.equal(again.hours.next_open, open);
  await c.close();

  const es = await customer(hilo, { locale: 'es-MX' });
  const he = await hoursOf(es);
  assert.equal(he.text, `Ahora estamos cerrados; te responderemos el ${ES[wd]} a partir de las 9:00.`);
  await es.close();
}));

test('the hours frame needs a hello first', withLogs(async () => {
  const { connect } = await import('../lib/harness.mjs');
  const c = await connect(hilo.wsUrl, 'hilo.customer.v1');
  const r = await c.request({ type: 'hours' });
  assert.equal(r.type, 'error');
  assert.equal(r.code, 'hello_required');
  await c.close();
}));

test('the ticket\'s team: its stored hours override the options', withLogs(async () => {
  let r = await put('/api/v1/sla/teams/billing', { hours: '24x7' });
  assert.equal(r.status, 200, r.body);
  const c = await customer(hilo, { locale: 'en' });
  assert.equal((await hoursOf(c)).open, false, 'no ticket yet: the default team, closed');
  c.send({ type: 'message', client_id: 'm-1', text: 'Invoice question' });
  const ref = (await c.next('ack')).ticket;
  const a = await agent(hilo, 'ana', anaPw);
  const as = await a.request({ type: 'assign', ticket: ref, agent: 'ana', team: 'billing' });
  assert.notEqual(as.type, 'error', JSON.stringify(as));
  // the open widget follows the move at once, not at its refresh_at
  const moved = await c.next((f) => f.type === 'hours' && !f.req);
  assert.equal(moved.hours.team, 'billing');
  assert.equal(moved.hours.open, true);
  const h = await c.request({ type: 'hours' });
  assert.equal(h.hours.team, 'billing');
  assert.equal(h.hours.open, true);
  assert.equal(h.hours.always, true);
  assert.equal(h.hours.next_close, null);
  assert.equal(h.hours.refresh_at, null, '24x7: nothing to wait for');
  assert.equal(h.hours.text, 'We usually reply within about 15 minutes.');
  await c.close();
  // the same customer coming back gets it with the welcome
  const back = await customer(hilo, { locale: 'es', token: c.token });
  const hb = await hoursOf(back);
  assert.equal(hb.team, 'billing');
  assert.equal(hb.text, 'Solemos responder en unos 15 minutos.');
  await back.close();
  await a.close();
  r = await del('/api/v1/sla/teams/billing');
  assert.ok(r.status === 200 || r.status === 204, r.body);
}));

test('a stored default team over the options; its holidays close the day', withLogs(async () => {
  const today = new Date().toISOString().slice(0, 10);
  let r = await put('/api/v1/sla/teams/default', { hours: '24x7', holidays: [today] });
  assert.equal(r.status, 200, r.body);
  const c = await customer(hilo, { locale: 'en' });
  const h = await hoursOf(c);
  assert.equal(h.open, false, 'a holiday: closed all day, even 24x7');
  const tomorrow = midnightUTC(h.now) + DAY;
  assert.equal(h.next_open, tomorrow);
  assert.equal(h.next_close, null, '24x7 after the holiday: no closing within the days looked at');
  assert.equal(h.text, "We're closed now; we'll answer tomorrow from 0:00.");
  // the acknowledgement agrees (the stored default team and its holidays)
  c.send({ type: 'message', client_id: 'm-1', text: 'Anyone there?' });
  await c.next('ack');
  const ack = (await c.next((f) => f.type === 'event' && f.event.kind === 'ack')).event;
  assert.match(ack.text, /We're closed now; we'll answer tomorrow from 0:00/);
  await c.close();
  r = await put('/api/v1/sla/teams/default', { hours: '24x7', holidays: [] });
  assert.equal(r.status, 200, r.body);
  const c2 = await customer(hilo, { locale: 'en' });
  const h2 = await hoursOf(c2);
  assert.equal(h2.open, true, 'an admin\'s change shows in the next widget');
  assert.equal(h2.always, true);
  await c2.close();
  r = await del('/api/v1/sla/teams/default');
  assert.ok(r.status === 200 || r.status === 204, r.body);
}));

test('an admin\'s change of the hours reaches open widgets on every instance at once', withLogs(async () => {
  // a second instance on the same Redis, configured alike; the widget is on it
  const other = await startHilo({ redisUrl: redis.url, args: ['--sla-timezone', 'UTC', '--sla-hours', `${DAYS[wd]} 09:00-10:00`] });
  const c = await customer(other, { locale: 'en' });
  assert.equal((await hoursOf(c)).open, false);
  // another team's change is not this widget's (the default team's hours)...
  let r = await put('/api/v1/sla/teams/sales', { hours: '24x7' });
  assert.equal(r.status, 200, r.body);
  // ...the default team's is: every team inherits it
  r = await put('/api/v1/sla/teams/default', { hours: '24x7' });
  assert.equal(r.status, 200, r.body);
  const now = await c.next((f) => f.type === 'hours' && !f.req);
  assert.equal(now.hours.team, 'default');
  assert.equal(now.hours.open, true, 'the first pushed frame is the default team\'s change, not sales\'');
  assert.equal(now.hours.text, 'We usually reply within about 15 minutes.');
  // deleting the stored default puts the options' hours back, at once too
  r = await del('/api/v1/sla/teams/default');
  assert.equal(r.status, 204, r.body);
  const back = await c.next((f) => f.type === 'hours' && !f.req);
  assert.equal(back.hours.open, false);
  assert.equal(back.hours.text, `We're closed now; we'll answer ${EN[wd]} from 9:00.`);
  await c.close();
  r = await del('/api/v1/sla/teams/sales');
  assert.equal(r.status, 204, r.body);
}));

test('24x7 (the default): open, never a closed text', withLogs(async () => {
  const h2 = await startHilo({ redisUrl: redis.url, prefix: 'h24' });
  const c = await customer(h2, { locale: 'es' });
  const h = await hoursOf(c);
  assert.deepEqual({ open: h.open, always: h.always, next_open: h.next_open, next_close: h.next_close, refresh_at: h.refresh_at },
    { open: true, always: true, next_open: null, next_close: null, refresh_at: null });
  assert.equal(h.text, 'Solemos responder en unos 15 minutos.');
  await c.close();
}));

test('open now, then closed at the boundary Hilo announced (fake clock)', withLogs(async () => {
  // every day but weekday wd, all day: open now, closed all of day wd
  const days = DAYS.filter((_, i) => i !== wd).join(',');
  const h3 = await startHilo({
    redisUrl: redis.url, prefix: 'hclk',
    args: ['--test-clock', '1', '--sla-timezone', 'UTC', '--sla-hours', `${days} 00:00-24:00`],
  });
  const c = await customer(h3, { locale: 'en' });
  const h = await hoursOf(c);
  const close = midnightUTC(h.now) + 3 * DAY;
  assert.equal(h.open, true);
  assert.equal(h.always, false);
  assert.equal(h.next_close, close, 'the stretch runs to the start of day wd');
  assert.equal(h.next_open, close + DAY);
  assert.equal(h.refresh_at, close);
  assert.equal(h.text, 'We usually reply within about 15 minutes.');
  await advanceClock(h3, h.refresh_at - h.now + 1000);
  const after = (await c.request({ type: 'hours' })).hours;
  assert.equal(after.open, false);
  assert.equal(after.next_open, close + DAY);
  assert.equal(after.text, "We're closed now; we'll answer tomorrow from 0:00.");
  assert.equal(after.refresh_at, close + DAY, 'the next local midnight is also the opening');
  await c.close();
}));
