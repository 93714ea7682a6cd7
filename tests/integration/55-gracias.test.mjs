// Issue #10: a customer's short acknowledgement after a resolution
// ("gracias", a score, an emoji) within --thanks-window-minutes lands in the
// thread without reopening the ticket or putting it back in the queue; a
// real question reopens, and so does a "gracias" after the window.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, customer, agent, advanceClock, cleanup, withLogs } from '../lib/harness.mjs';

let redis, hilo, pw;

before(async () => {
  redis = await startRedis();
  hilo = await startHilo({ redisUrl: redis.url, args: ['--test-clock', '1', '--thanks-window-minutes', '10'] });
  pw = await addAgent(hilo, 'ana', { display: 'Ana' });
});
after(cleanup);

const isEvent = (kind, extra = () => true) => (f) => f.type === 'event' && f.event.kind === kind && extra(f.event);
const inQueue = async (ref) => (await redis.cli('ZSCORE', 'hilo:idx:active', ref)) !== '';
const status = (ref) => redis.cli('HGET', `hilo:{t:${ref}}:tk`, 'status');

async function resolvedTicket(a) {
  const c = await customer(hilo, { locale: 'es' });
  c.send({ type: 'message', client_id: 'm-1', text: 'Mi pedido no llega' });
  const ref = (await c.next('ack')).ticket;
  await a.request({ type: 'ticket.open', ticket: ref });
  a.send({ type: 'resolve', ticket: ref, client_id: 'r-1', text: 'Reenviado hoy' });
  await a.next('ack');
  await c.next(isEvent('status', (e) => e.status === 'resolved'));
  assert.equal(await status(ref), 'resolved');
  assert.equal(await inQueue(ref), false);
  return { c, ref };
}

test('"¡Muchas gracias! 🙏" and a score after resolution do not reopen; a question does', withLogs(async () => {
  const a = await agent(hilo, 'ana', pw);
  const { c, ref } = await resolvedTicket(a);

  c.send({ type: 'message', client_id: 'm-2', text: '¡Muchas GRACIAS! 🙏' });
  const ack = await c.next('ack');
  assert.equal(ack.ticket, ref);
  const thanks = (await a.next(isEvent('message', (e) => e.text === '¡Muchas GRACIAS! 🙏'))).event;
  assert.equal(thanks.quiet, true);
  assert.equal(thanks.author.role, 'customer');
  assert.equal(await status(ref), 'resolved');
  assert.equal(await inQueue(ref), false, 'not back in the queue');
  await c.none(isEvent('status'), 200);

  c.send({ type: 'message', client_id: 'm-3', text: '5' });
  await c.next('ack');
  const score = (await a.next(isEvent('message', (e) => e.text === '5'))).event;
  assert.equal(score.quiet, true);
  assert.equal(score.csat, 5);
  assert.equal(await redis.cli('HGET', `hilo:{t:${ref}}:tk`, 'csat'), '5');
  assert.equal(await status(ref), 'resolved');

  c.send({ type: 'message', client_id: 'm-4', text: 'Gracias, pero ¿cuándo llega?' });
  await c.next('ack');
  const st = (await c.next(isEvent('status'))).event;
  assert.equal(st.from, 'resolved');
  assert.equal(st.status, 'open');
  assert.equal(await status(ref), 'open');
  assert.equal(await inQueue(ref), true);
  await Promise.all([a.close(), c.close()]);
}));

test('"thanks" after the window reopens as any message', withLogs(async () => {
  const a = await agent(hilo, 'ana', pw);
  const { c, ref } = await resolvedTicket(a);
  await advanceClock(hilo, 11 * 60 * 1000);
  c.send({ type: 'message', client_id: 'm-2', text: 'thanks' });
  await c.next('ack');
  const st = (await c.next(isEvent('status'))).event;
  assert.equal(st.status, 'open');
  assert.equal(await inQueue(ref), true);
  await Promise.all([a.close(), c.close()]);
}));
