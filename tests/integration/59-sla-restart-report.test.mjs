// Issue #10: SLA timers live in Redis and fire on another instance after the
// one that set them is gone; the reports show SLA attainment per team and
// channel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startHilo, addAgent, customer, agent, advanceClock, cleanup, withLogs, httpGet, sleep,
} from '../lib/harness.mjs';
import { loginCookie } from '../lib/fake-provider.mjs';

const MIN = 60000;
const ARGS = ['--test-clock', '1', '--sla-first-response-minutes', '60', '--sla-resolution-minutes', '600',
  '--sla-warning-minutes', '5'];
let redis, pw;

before(async () => {
  redis = await startRedis();
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

async function newTicket(hilo, text) {
  const c = await customer(hilo, { locale: 'en' });
  c.send({ type: 'message', client_id: 'm-1', text });
  const ref = (await c.next('ack')).ticket;
  await until(`due times of ${ref}`, async () => (await field(ref, 'sla_fr_due')) > 0);
  return { c, ref };
}

test('the timers fire on another instance after a restart; attainment per team and channel', withLogs(async () => {
  const h1 = await startHilo({ redisUrl: redis.url, args: ARGS });
  pw = await addAgent(h1, 'ana', { display: 'Ana' });
  const late = await newTicket(h1, 'Nobody answers');
  const quick = await newTicket(h1, 'Quick one');
  const team = await newTicket(h1, 'Billing question');
  const a1 = await agent(h1, 'ana', pw);
  await a1.request({ type: 'ticket.open', ticket: quick.ref });
  a1.send({ type: 'reply', ticket: quick.ref, client_id: 'r-1', text: 'Here you go' });
  await a1.next('ack');
  await a1.request({ type: 'assign', ticket: team.ref, agent: 'ana', team: 'billing' });
  await a1.request({ type: 'ticket.open', ticket: team.ref });
  a1.send({ type: 'resolve', ticket: team.ref, client_id: 'r-2', text: 'Fixed' });
  await a1.next('ack');
  await until('billing clocks', async () => (await redis.cli('HGET', `hilo:{t:${team.ref}}:tk`, 'sla_team')) === 'billing');
  const due = await field(late.ref, 'sla_fr_due');
  await h1.kill();

  // another instance, started later, with nothing in memory
  const h2 = await startHilo({ redisUrl: redis.url, args: ARGS });
  const a2 = await agent(h2, 'ana', pw);
  await a2.request({ type: 'ticket.open', ticket: late.ref });
  await advanceClock(h2, 56 * MIN);
  const warn = (await a2.next(isEvent('sla'), 15000)).event;
  assert.equal(warn.sla, 'warning');
  await advanceClock(h2, 5 * MIN);
  const br = (await a2.next(isEvent('sla', (e) => e.sla === 'breach'), 15000)).event;
  assert.equal(br.target, 'first_response');
  assert.equal(br.due, due);
  assert.ok((await field(late.ref, 'sla_fr_breached_at')) > 0);
  assert.equal(await field(quick.ref, 'sla_fr_breached_at'), 0);

  const cookie = await loginCookie(h2, 'ana', pw);
  const r = await httpGet(h2.url + '/api/v1/reports', { headers: { cookie } });
  assert.equal(r.status, 200, r.body);
  const sla = r.json.sla;
  assert.ok(sla, `reports carry sla: ${r.body.slice(0, 300)}`);
  assert.deepEqual(sla.first_response, { met: 2, missed: 1, running: 0, attainment: 2 / 3 });
  assert.deepEqual(sla.resolution, { met: 1, missed: 0, running: 2, attainment: 1 });
  assert.equal(sla.by_team.default.first_response.missed, 1);
  assert.equal(sla.by_team.default.first_response.met, 1);
  assert.equal(sla.by_team.billing.first_response.met, 1);
  assert.equal(sla.by_team.billing.resolution.attainment, 1);
  assert.equal(sla.by_channel.web.first_response.attainment, 2 / 3);
  await Promise.all([a1.close(), a2.close(), late.c.close(), quick.c.close(), team.c.close()]);
}));
