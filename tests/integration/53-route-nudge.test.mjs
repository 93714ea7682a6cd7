// The WhatsApp window nudge (docs/channels/whatsapp.md): wa_nudge_minutes
// before a number's 24-hour window closes, a ticket waiting on the customer
// (pending) gets the nudge template, recorded as an internal note with its
// route and counted in /metrics; an open ticket gets nothing. Fake clock,
// genuinely signed webhooks, the fake Graph API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs, advanceClock, httpGet, sleep } from '../lib/harness.mjs';
import { startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, newWamid, isTicket, isDelivery } from '../lib/fake-provider.mjs';

let redis, fake, hilo, pw;
let seq = 0;
const newPhone = () => `1650222${String(1000 + (++seq)).padStart(4, '0')}`;
const toNum = (r) => String(r.body.to ?? '').replace(/^\+?/, '');
const MIN = 60 * 1000;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({
    redisUrl: redis.url,
    args: [...channelArgs(fake), '--test-clock', '1', '--session-ttl', '604800',
      '--wa-nudge-minutes', '60', '--wa-template-nudge', 'still_there:es:ref'],
  });
  pw = await addAgent(hilo, 'tere', { display: 'Tere' });
});
after(async () => { await cleanup(); await fake?.close(); });

async function waTicket(a, text) {
  const num = newPhone();
  assert.equal((await waPost(hilo, waEnvelope([waMessages([{ from: num, id: newWamid(), text }])]))).status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === text))).ticket.ref;
  await a.request({ type: 'ticket.open', ticket: ref });
  await fake.waitFor(fake.whatsapp, (r) => toNum(r) === num && r.body.type === 'text');
  return { num, ref };
}
const timers = async () => (await redis.cli('ZRANGE', 'hilo:rtimers', '0', '-1')).split('\n').filter(Boolean);
async function until(fn, ms = 10000) {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await fn()) return; await sleep(50); }
  throw new Error('condition not met in time: ' + fn);
}

test('a pending ticket gets the nudge template before its window closes; an open one does not', withLogs(async () => {
  const a = await agent(hilo, 'tere', pw);
  await a.request({ type: 'queue.watch' });
  const p = await waTicket(a, 'espero vuestra respuesta (pendiente)');
  const o = await waTicket(a, 'sigo aquí (abierto)');
  assert.equal((await a.request({ type: 'status', ticket: p.ref, status: 'pending' })).type, 'ok');
  assert.ok((await timers()).includes(`nudge:+${p.num}`));

  await advanceClock(hilo, 22 * 60 * MIN);
  await sleep(1200); // two timer ticks: not due yet (23 h after the message)
  assert.equal(fake.whatsapp.filter((r) => r.body.type === 'template' && toNum(r) === p.num).length, 0);

  await advanceClock(hilo, 61 * MIN);
  const [sent] = await fake.waitFor(fake.whatsapp, (r) => r.body.type === 'template' && toNum(r) === p.num);
  assert.equal(sent.body.template.name, 'still_there');
  assert.deepEqual(sent.body.template.components[0].parameters.map((x) => x.text), [p.ref]);
  const note = (await a.next((f) => f.type === 'event' && f.event.ticket === p.ref && f.event.kind === 'note')).event;
  assert.equal(note.route.code, 'wa_nudge');
  assert.equal(note.route.template, 'still_there');
  await a.next(isDelivery(note.id, 'sent'), 8000);
  await until(async () => !(await timers()).includes(`nudge:+${o.num}`));
  await sleep(300);
  assert.equal(fake.whatsapp.filter((r) => r.body.type === 'template' && toNum(r) === o.num).length, 0, 'open: no nudge');
  const m = await httpGet(hilo.url + '/metrics');
  assert.match(m.body, /hilo_whatsapp_templates_total\{category="nudge"\} 1\n/);
  await a.close();
}));
