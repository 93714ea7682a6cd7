// WhatsApp's window closed after all (docs/continuity.md "Routing at send
// time"): Hilo believed the customer wrote within 24 hours and sent a reply
// free-form, but WhatsApp answers 131047 (re-engagement): the customer wrote
// to another of the business's numbers, or the clocks disagree at the edge.
// With wa_closed_policy "template" the reply goes out at once as the
// category's template, whether WhatsApp refuses it outright or reports the
// failure later in a status webhook; the agents see the route, no
// undelivered event, and a repeated status never sends it twice. Without a
// template the failure is reported as before (75-async-failures).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs, httpGet, sleep } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, waStatuses, newWamid, isTicket, isDelivery,
} from '../lib/fake-provider.mjs';

let redis, fake, hilo, pw;
let seq = 0;
const newPhone = () => `1650555${String(1000 + (++seq)).padStart(4, '0')}`;
const toNum = (r) => String(r.body.to ?? '').replace(/^\+?/, '');

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({
    redisUrl: redis.url,
    args: [...channelArgs(fake), '--wa-template-update', 'case_update:es:text', '--wa-template-resolution', 'case_resolved:es:ref,text'],
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

async function reply(a, ref, text) {
  const cid = `r-${++seq}`;
  a.send({ type: 'reply', ticket: ref, client_id: cid, text });
  return (await a.next((f) => f.type === 'ack' && f.client_id === cid)).event_id;
}

const templatesTo = (num) => fake.whatsapp.filter((r) => toNum(r) === num && r.body.type === 'template');
const metric = async () => Number(/^hilo_whatsapp_templates_total\{category="update"\} (\d+)$/m.exec((await httpGet(hilo.url + '/metrics')).body)?.[1] ?? NaN);
const delivery = async (ref, E) => JSON.parse(await redis.cli('HGET', `hilo:{t:${ref}}:dl`, E));

test('refused at once with 131047: the reply goes out as the update template, with its text; no undelivered event', withLogs(async () => {
  const a = await agent(hilo, 'tere', pw);
  await a.request({ type: 'queue.watch' });
  const { num, ref } = await waTicket(a, 'hola, ¿y mi pedido? (late 1)');
  const m0 = await metric();
  fake.windowClosed(1);
  const E = await reply(a, ref, 'Sale mañana por la mañana');
  const sent = await a.next(isDelivery(E, 'sent'), 10000);
  assert.match(sent.provider_id, /^wamid\./);
  const [tpl] = await fake.waitFor(fake.whatsapp, (r) => toNum(r) === num && r.body.type === 'template');
  assert.equal(tpl.body.template.name, 'case_update');
  assert.deepEqual(tpl.body.template.components, [{ type: 'body', parameters: [{ type: 'text', text: 'Sale mañana por la mañana' }] }]);
  const d = await delivery(ref, E);
  assert.equal(d.status, 'sent');
  assert.equal(d.route.code, 'wa_template_late');
  assert.equal(d.route.template, 'case_update');
  assert.equal(await metric(), m0 + 1);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.ok(!th.events.some((e) => e.kind === 'undelivered'), 'no undelivered event');
  assert.equal(th.ticket.waiting_since, 0, 'answered');
  await a.close();
}));

test('reported later in a status webhook: sent again as the template once, however often the status comes', withLogs(async () => {
  const a = await agent(hilo, 'tere', pw);
  await a.request({ type: 'queue.watch' });
  const { num, ref } = await waTicket(a, 'hola, ¿y mi pedido? (late 2)');
  const E = await reply(a, ref, 'Lo revisamos y te escribimos');
  const first = await a.next(isDelivery(E, 'sent'), 10000);
  const failed = waEnvelope([waStatuses([{
    id: first.provider_id, status: 'failed', recipient_id: num,
    errors: [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message' }],
  }])]);
  assert.equal((await waPost(hilo, failed)).status, 200);
  await fake.waitFor(fake.whatsapp, (r) => toNum(r) === num && r.body.type === 'template');
  const again = await a.next((f) => isDelivery(E, 'sent')(f) && f.provider_id !== first.provider_id, 10000);
  assert.match(again.provider_id, /^wamid\./);
  // the same status again (WhatsApp repeats them): nothing more is sent
  assert.equal((await waPost(hilo, failed)).status, 200);
  await sleep(500);
  assert.equal(templatesTo(num).length, 1);
  const d = await delivery(ref, E);
  assert.equal(d.status, 'sent');
  assert.equal(d.provider_id, again.provider_id);
  assert.equal(d.route.code, 'wa_template_late');
  // a late status of the refused send says nothing about the template
  assert.equal((await waPost(hilo, waEnvelope([waStatuses([{ id: first.provider_id, status: 'delivered', recipient_id: num }])]))).status, 200);
  await sleep(300);
  const d2 = await delivery(ref, E);
  assert.equal(d2.status, 'sent', 'the refused send\'s "delivered" is not the template\'s');
  assert.equal(d2.provider_id, again.provider_id);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.ok(!th.events.some((e) => e.kind === 'undelivered'), 'no undelivered event');
  // a failure of the template itself is reported as any failure
  const tfail = waEnvelope([waStatuses([{
    id: again.provider_id, status: 'failed', recipient_id: num,
    errors: [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message' }],
  }])]);
  assert.equal((await waPost(hilo, tfail)).status, 200);
  await a.next(isDelivery(E, 'failed'), 10000);
  await a.next((f) => f.type === 'event' && f.event.kind === 'undelivered' && f.event.event_id === E, 10000);
  assert.equal(templatesTo(num).length, 1);
  await a.close();
}));
