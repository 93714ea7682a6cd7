// Issue #10: SLA timers. Each ticket gets first-response and resolution due
// times in its team's business hours; agents are warned before a breach and
// the breach is recorded (event, field, /metrics); the first reply stops the
// first-response clock; pending pauses the clocks and resuming shifts the
// due times; per-team settings (hours, holidays) edited by admins over REST
// change the due times. Driven by the fake clock (--test-clock 1).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startHilo, addAgent, customer, agent, advanceClock, cleanup, withLogs, httpGet, sleep,
} from '../lib/harness.mjs';
import { loginCookie } from '../lib/fake-provider.mjs';

const MIN = 60000;
let redis, hilo, pw, adminPw, cookie, adminCookie;

before(async () => {
  redis = await startRedis();
  hilo = await startHilo({
    redisUrl: redis.url,
    args: ['--test-clock', '1', '--sla-first-response-minutes', '60', '--sla-resolution-minutes', '240',
      '--sla-warning-minutes', '10'],
  });
  pw = await addAgent(hilo, 'ana', { display: 'Ana' });
  adminPw = await addAgent(hilo, 'root', { display: 'Root', admin: true });
  cookie = await loginCookie(hilo, 'ana', pw);
  adminCookie = await loginCookie(hilo, 'root', adminPw);
});
after(cleanup);

const isEvent = (kind, extra = () => true) => (f) => f.type === 'event' && f.event.kind === kind && extra(f.event);
const field = async (ref, f) => Number(await redis.cli('HGET', `hilo:{t:${ref}}:tk`, f) || 0);
async function until(what, fn, ms = 10000) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
async function api(method, path, { ck = cookie, body } = {}) {
  const headers = { cookie: ck };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return httpGet(hilo.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function newTicket(text = 'My order has not arrived') {
  const c = await customer(hilo, { locale: 'en' });
  c.send({ type: 'message', client_id: 'm-1', text });
  const ref = (await c.next('ack')).ticket;
  await until(`due times of ${ref}`, async () => (await field(ref, 'sla_fr_due')) > 0);
  return { c, ref };
}

test('a warning reaches agents before the due time; the breach is recorded and counted', withLogs(async () => {
  const a = await agent(hilo, 'ana', pw);
  const { c, ref } = await newTicket();
  const start = await field(ref, 'sla_start');
  const due = await field(ref, 'sla_fr_due');
  assert.equal(due, start + 60 * MIN, '24x7: the due time is start + 60 min');
  assert.equal(await field(ref, 'sla_res_due'), start + 240 * MIN);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.ticket.sla_fr_due, due, 'agents see the due time on the ticket');

  let now = await advanceClock(hilo, 45 * MIN);
  await a.none(isEvent('sla'), 1500);
  now = await advanceClock(hilo, 6 * MIN); // 9 minutes before the due time
  const warn = (await a.next(isEvent('sla'), 10000)).event;
  assert.equal(warn.sla, 'warning');
  assert.equal(warn.target, 'first_response');
  assert.equal(warn.due, due);
  assert.ok(now < due, 'warned before the due time');
  assert.equal(warn.author.role, 'system');
  await c.none(isEvent('sla'), 300); // internal: customers never see it

  await advanceClock(hilo, 10 * MIN);
  const br = (await a.next(isEvent('sla', (e) => e.sla === 'breach'), 10000)).event;
  assert.equal(br.target, 'first_response');
  assert.ok((await field(ref, 'sla_fr_breached_at')) >= due, 'the breach is on the ticket');
  const t = await api('GET', `/api/v1/tickets/${ref}`);
  assert.equal(t.status, 200, t.body);
  const summary = t.json.ticket ?? t.json;
  assert.ok(summary.sla_fr_breached_at >= due, `ticket JSON shows the breach: ${t.body.slice(0, 400)}`);
  const m = await httpGet(hilo.url + '/metrics');
  assert.match(m.body, /hilo_sla_events_total\{kind="breach"\} 1\b/);
  assert.match(m.body, /hilo_sla_events_total\{kind="warning"\} 1\b/);
  // the resolution clock still runs: no breach of it yet
  assert.equal(await field(ref, 'sla_res_breached_at'), 0);
  await Promise.all([a.close(), c.close()]);
}));

test('the first reply stops the first-response clock; resolving stops the resolution clock', withLogs(async () => {
  const a = await agent(hilo, 'ana', pw);
  const { c, ref } = await newTicket();
  await a.request({ type: 'ticket.open', ticket: ref });
  a.send({ type: 'reply', ticket: ref, client_id: 'r-1', text: 'Looking into it' });
  await a.next('ack');
  await advanceClock(hilo, 70 * MIN);
  await a.none(isEvent('sla', (e) => e.target === 'first_response'), 1500);
  assert.equal(await field(ref, 'sla_fr_breached_at'), 0);
  a.send({ type: 'resolve', ticket: ref, client_id: 'r-2', text: 'Sent again' });
  await a.next('ack');
  await advanceClock(hilo, 300 * MIN);
  await a.none(isEvent('sla'), 1500);
  assert.equal(await field(ref, 'sla_res_breached_at'), 0);
  await Promise.all([a.close(), c.close()]);
}));

test('pending pauses the clocks; resuming shifts the due times', withLogs(async () => {
  const a = await agent(hilo, 'ana', pw);
  const { c, ref } = await newTicket();
  await a.request({ type: 'ticket.open', ticket: ref });
  const due = await field(ref, 'sla_fr_due');
  const resDue = await field(ref, 'sla_res_due');
  await advanceClock(hilo, 20 * MIN);
  await a.request({ type: 'status', ticket: ref, status: 'pending' });
  await until('paused', async () => (await field(ref, 'sla_paused_at')) > 0 && (await field(ref, 'sla_fr_left')) > 0);
  const left = await field(ref, 'sla_fr_left');
  assert.ok(Math.abs(left - 40 * MIN) < 5000, `40 minutes were left, got ${left}`);
  await advanceClock(hilo, 120 * MIN); // well past the original due time
  await a.none(isEvent('sla'), 1500);
  assert.equal(await field(ref, 'sla_fr_breached_at'), 0, 'no breach while waiting on the customer');
  await a.request({ type: 'status', ticket: ref, status: 'open' });
  await until('resumed', async () => (await field(ref, 'sla_paused_at')) === 0);
  const due2 = await field(ref, 'sla_fr_due');
  assert.ok(Math.abs(due2 - (due + 120 * MIN)) < 5000, `due shifted by the pause: ${due} -> ${due2}`);
  assert.ok(Math.abs((await field(ref, 'sla_res_due')) - (resDue + 120 * MIN)) < 5000);
  await advanceClock(hilo, 41 * MIN);
  const br = (await a.next(isEvent('sla', (e) => e.sla === 'breach'), 10000)).event;
  assert.equal(br.due, due2);
  await Promise.all([a.close(), c.close()]);
}));

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const ymd = (d) => d.toISOString().slice(0, 10);

test('per-team hours and holidays, edited by admins over REST, set the due time', withLogs(async () => {
  // open one hour on the weekday two days from now (UTC)
  const d1 = new Date(Date.now() + 2 * 86400000);
  const day = DAYS[d1.getUTCDay()];
  const at10 = (d) => Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 10, 0, 0);
  const settings = { timezone: 'UTC', hours: `${day} 09:00-10:00`, first_response_minutes: 60 };

  // bad input: stable error code, nothing stored; agents may not edit
  let r = await api('PUT', '/api/v1/sla/teams/billing', { ck: adminCookie, body: { ...settings, hours: 'whenever' } });
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json.error.code, 'bad_frame');
  r = await api('PUT', '/api/v1/sla/teams/billing', { ck: adminCookie, body: { timezone: 'Mars/Olympus' } });
  assert.equal(r.status, 400, r.body);
  r = await api('PUT', '/api/v1/sla/teams/billing', { body: settings });
  assert.equal(r.status, 403, r.body);
  r = await api('GET', '/api/v1/sla/teams/billing');
  assert.equal(r.status, 404, r.body);

  r = await api('PUT', '/api/v1/sla/teams/billing', { ck: adminCookie, body: settings });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.hours, settings.hours);
  assert.equal(r.json.resolution_minutes, 240, 'left out: the default team\'s');
  r = await api('PUT', '/api/v1/sla/teams/billing-hol', { ck: adminCookie, body: { ...settings, holidays: [ymd(d1)] } });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json.holidays, [ymd(d1)]);
  r = await api('GET', '/api/v1/sla/teams');
  assert.deepEqual(r.json.teams.map((t) => t.team).sort(), ['billing', 'billing-hol', 'default']);
  assert.equal(r.json.teams.find((t) => t.team === 'default').first_response_minutes, 60);

  const a = await agent(hilo, 'ana', pw);
  const one = await newTicket('Invoice is wrong');
  const two = await newTicket('Invoice is wrong again');
  await a.request({ type: 'assign', ticket: one.ref, agent: 'ana', team: 'billing' });
  await a.request({ type: 'assign', ticket: two.ref, agent: 'ana', team: 'billing-hol' });
  await until('billing due time', async () => (await field(one.ref, 'sla_fr_due')) === at10(d1));
  await until('holiday: a week later', async () => (await field(two.ref, 'sla_fr_due')) === at10(d1) + 7 * 86400000);
  r = await api('DELETE', '/api/v1/sla/teams/billing-hol', { ck: adminCookie });
  assert.equal(r.status, 204, r.body);
  await Promise.all([a.close(), one.c.close(), two.c.close()]);
}));

test('without targets in the options, settings stored over REST turn the clocks on', withLogs(async () => {
  const r2 = await startRedis();
  const h2 = await startHilo({ redisUrl: r2.url, args: ['--test-clock', '1'] });
  const rootPw = await addAgent(h2, 'root', { admin: true });
  const ck = await loginCookie(h2, 'root', rootPw);
  const f2 = async (ref, f) => Number(await r2.cli('HGET', `hilo:{t:${ref}}:tk`, f) || 0);
  const open = async (text) => {
    const c = await customer(h2, { locale: 'en' });
    c.send({ type: 'message', client_id: 'm-1', text });
    const ref = (await c.next('ack')).ticket;
    await c.close();
    return ref;
  };
  const before = await open('No SLA yet');
  await sleep(1500);
  assert.equal(await f2(before, 'sla_fr_due'), 0, 'no targets: no clocks');
  assert.equal(await r2.cli('ZCARD', 'hilo:timers'), '0', 'and no timers');
  const r = await httpGet(h2.url + '/api/v1/sla/teams/default', {
    method: 'PUT', headers: { cookie: ck, 'content-type': 'application/json' },
    body: JSON.stringify({ first_response_minutes: 30 }),
  });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.team, 'default');
  assert.equal(r.json.first_response_minutes, 30);
  const ref = await open('Now with an SLA');
  await until('due time from the stored default team', async () => (await f2(ref, 'sla_fr_due')) > 0);
  assert.equal((await f2(ref, 'sla_fr_due')) - (await f2(ref, 'sla_start')), 30 * MIN);
  await h2.stop();
}));
