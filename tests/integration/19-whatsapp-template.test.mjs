// WhatsApp template replies (docs/delivery.md): what reaches a customer
// outside the 24-hour window. Only templates on the team's approved list
// (team settings, docs/channels/whatsapp.md "Templates agents pick").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs, httpGet } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, newWamid, isTicket, isDelivery, loginCookie,
} from '../lib/fake-provider.mjs';

let redis, fake, hilo, pw;
before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake) });
  pw = await addAgent(hilo, 'tere', { display: 'Tere' });
  const rootPw = await addAgent(hilo, 'root', { display: 'Root', admin: true });
  const ck = await loginCookie(hilo, 'root', rootPw);
  const r = await httpGet(hilo.url + '/api/v1/team-settings/default', {
    method: 'PUT', headers: { cookie: ck, 'content-type': 'application/json' },
    body: JSON.stringify({ templates: [
      { name: 'ticket_update', language: 'es', body: 'Tu caso {{1}}: {{2}}', params: 2 },
      { name: 'ticket_update', language: 'en', body: 'Your case has news.', params: 0 },
    ] }),
  });
  assert.equal(r.status, 200, r.body);
});
after(async () => { await cleanup(); await fake?.close(); });

test('a reply with a template goes out as a Graph API template message', withLogs(async () => {
  const a = await agent(hilo, 'tere', pw);
  await a.request({ type: 'queue.watch' });
  const num = '16505559001';
  const res = await waPost(hilo, waEnvelope([waMessages([{ from: num, id: newWamid(), text: 'hola, ¿y mi pedido?' }])]));
  assert.equal(res.status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === 'hola, ¿y mi pedido?'))).ticket.ref;
  await a.request({ type: 'ticket.open', ticket: ref });
  // the acknowledgement (free-form text) went out first
  await fake.waitFor(fake.whatsapp, (r) => r.body.type === 'text' && r.body.to.endsWith(num));
  const before = fake.whatsapp.length;
  const ack = await a.request({
    type: 'reply', ticket: ref, client_id: 'tpl-1', text: 'Plantilla: actualización del caso',
    template: { name: 'ticket_update', language: 'es', params: ['4071 8263', 'enviado'] },
  });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  const [sent] = await fake.waitFor(fake.whatsapp, (r) => r.body.type === 'template' && r.body.to.endsWith(num));
  assert.equal(sent.body.template.name, 'ticket_update');
  assert.equal(sent.body.template.language.code, 'es');
  const params = JSON.stringify(sent.body.template.components ?? []);
  assert.match(params, /4071 8263/);
  assert.match(params, /enviado/);
  assert.equal(fake.whatsapp.filter((r, i) => i >= before && r.body.type === 'text' && r.body.to.endsWith(num)).length, 0,
    'no free-form text was sent for the template reply');
  const d = await a.next(isDelivery(ack.event_id, 'sent'));
  assert.ok(d.provider_id);
  await a.close();
}));

test('a template for a customer who is not on WhatsApp is refused with bad_state; bad templates with bad_frame', withLogs(async () => {
  const c = await customer(hilo, { locale: 'en' });
  c.send({ type: 'message', client_id: 'w1', text: 'web only' });
  const ref = (await c.next('ack')).ticket;
  const a = await agent(hilo, 'tere', pw);
  const e1 = await a.request({ type: 'reply', ticket: ref, client_id: 't2', text: 'x', template: { name: 'ticket_update', language: 'en' } });
  assert.equal(e1.type, 'error');
  assert.equal(e1.code, 'bad_state');
  const e2 = await a.request({ type: 'reply', ticket: ref, client_id: 't3', text: 'x', template: { name: '', language: 'en' } });
  assert.equal(e2.code, 'bad_frame');
  const e3 = await a.request({ type: 'note', ticket: ref, client_id: 't4', text: 'x', template: { name: 'n', language: 'en' } });
  assert.equal(e3.code, 'bad_frame');
  await a.close();
  await c.close();
}));
