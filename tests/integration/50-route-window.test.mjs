// Routing at send time (docs/continuity.md "Routing at send time"), driven by
// genuinely signed WhatsApp webhooks, the fake Graph/Twilio APIs and the fake
// clock: inside the 24-hour window a resolution goes free-form; 25 hours
// after the customer's last message it goes as the configured template with
// the text as a parameter, and the event says so; a pinned channel is
// honoured; template sends are counted per category in /metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, cleanup, withLogs, advanceClock, httpGet } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, newWamid, isTicket, isDelivery,
} from '../lib/fake-provider.mjs';

let redis, fake, hilo, pw;
let seq = 0;
const newPhone = () => `1650444${String(1000 + (++seq)).padStart(4, '0')}`;
const toNum = (r) => String(r.body.to ?? r.body.To ?? '').replace(/^(whatsapp:)?\+?/, '');
const H = 3600 * 1000;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({
    redisUrl: redis.url,
    args: [...channelArgs(fake), '--test-clock', '1', '--session-ttl', '604800',
      '--wa-template-resolution', 'case_resolved:es:ref,text', '--wa-template-update', 'case_update:es'],
  });
  pw = await addAgent(hilo, 'tere', { display: 'Tere' });
});
after(async () => { await cleanup(); await fake?.close(); });

// A WhatsApp customer's ticket, opened by the agent; the acknowledgement went out.
async function waTicket(a, text) {
  const num = newPhone();
  const res = await waPost(hilo, waEnvelope([waMessages([{ from: num, id: newWamid(), text }])]));
  assert.equal(res.status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === text))).ticket.ref;
  await a.request({ type: 'ticket.open', ticket: ref });
  await fake.waitFor(fake.whatsapp, (r) => toNum(r) === num && r.body.type === 'text');
  return { num, ref };
}

const eventOf = async (a, cid) => (await a.next((f) => f.type === 'event' && f.event.client_id === cid, 8000)).event;

async function metric(name) {
  const r = await httpGet(hilo.url + '/metrics');
  assert.equal(r.status, 200);
  const line = r.body.split('\n').find((l) => l.startsWith(name + ' '));
  return line ? Number(line.split(' ')[1]) : NaN;
}

test('inside the window a resolution goes free-form; 25 h after the last message it goes as the template and the event says so', withLogs(async () => {
  const a = await agent(hilo, 'tere', pw);
  await a.request({ type: 'queue.watch' });

  // inside the window
  const w = await waTicket(a, 'mi pedido no llega (ventana)');
  a.send({ type: 'resolve', ticket: w.ref, client_id: 'res-in', text: 'Enviado hoy, llega mañana' });
  const ein = await eventOf(a, 'res-in');
  assert.equal(ein.channel, 'whatsapp');
  assert.equal(ein.route.channel, 'whatsapp');
  assert.equal(ein.route.code, 'wa_window_open');
  assert.match(ein.route.reason, /widget closed, whatsapp window open \(closes in 2[34] h\)/);
  const [free] = await fake.waitFor(fake.whatsapp, (r) => toNum(r) === w.num && r.body.text?.body === 'Enviado hoy, llega mañana');
  assert.equal(free.body.type, 'text');
  await a.next(isDelivery(ein.id, 'sent'), 8000);

  // 25 hours after the customer's last message
  const t = await waTicket(a, 'mi pedido no llega (tarde)');
  const tplBefore = await metric('hilo_whatsapp_templates_total{category="resolution"}');
  await advanceClock(hilo, 25 * H);
  a.send({ type: 'resolve', ticket: t.ref, client_id: 'res-late', text: 'Resuelto: reembolso hecho' });
  const elate = await eventOf(a, 'res-late');
  assert.equal(elate.channel, 'whatsapp');
  assert.deepEqual({ channel: elate.route.channel, code: elate.route.code, template: elate.route.template },
    { channel: 'whatsapp', code: 'wa_template', template: 'case_resolved' });
  assert.match(elate.route.reason, /whatsapp window closed 1 h ago/);
  const [sent] = await fake.waitFor(fake.whatsapp, (r) => toNum(r) === t.num && r.body.type === 'template');
  assert.equal(sent.body.template.name, 'case_resolved');
  assert.equal(sent.body.template.language.code, 'es');
  const params = sent.body.template.components[0].parameters.map((p) => p.text);
  assert.deepEqual(params, [t.ref, 'Resuelto: reembolso hecho'], 'ref and the text as parameters');
  assert.equal(fake.whatsapp.filter((r) => toNum(r) === t.num && r.body.text?.body === 'Resuelto: reembolso hecho').length, 0,
    'no free-form text outside the window');
  await a.next(isDelivery(elate.id, 'sent'), 8000);
  assert.equal(await metric('hilo_whatsapp_templates_total{category="resolution"}'), tplBefore + 1);
  // stored with the event; the ticket shows when the number's window closed
  const th = await a.request({ type: 'ticket.open', ticket: t.ref });
  assert.ok(th.ticket.wa_window_until > 0 && th.ticket.wa_window_until < Number(await advanceClock(hilo, 0)),
    `wa_window_until ${th.ticket.wa_window_until} is in the past`);
  assert.equal(th.events.find((e) => e.client_id === 'res-late').route.code, 'wa_template');
  await a.close();
}));

test('a pinned channel is honoured: SMS to the proven number, even with the window open', withLogs(async () => {
  const a = await agent(hilo, 'tere', pw);
  await a.request({ type: 'queue.watch' });
  const w = await waTicket(a, 'prefiero SMS');
  a.send({ type: 'reply', ticket: w.ref, client_id: 'pin-sms', text: 'Te escribimos por SMS', channel: 'sms' });
  const ev = await eventOf(a, 'pin-sms');
  assert.equal(ev.channel, 'sms');
  assert.equal(ev.route.code, 'pinned');
  const [sms] = await fake.waitFor(fake.twilio, (r) => r.body.Body === 'Te escribimos por SMS');
  assert.equal(sms.body.To, `+${w.num}`);
  assert.ok(!String(sms.body.From).startsWith('whatsapp:'), 'a text, not WhatsApp');
  assert.equal(fake.whatsapp.filter((r) => r.body.text?.body === 'Te escribimos por SMS').length, 0);
  // a pinned channel with no proven address is refused, nothing stored
  const e = await a.request({ type: 'reply', ticket: w.ref, client_id: 'pin-mail', text: 'x', channel: 'email' });
  assert.equal(e.code, 'bad_state');
  await a.close();
}));
