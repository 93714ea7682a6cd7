// Issue #13 "a WhatsApp template picker in the composer": admins keep a
// list of approved templates per team in the team settings; an agent's
// reply may carry one of them ({"template":{"name","language","params"}}),
// which goes out as a real Cloud API template message (type template, body
// parameters) even 25 h after the customer's last message; the thread shows
// the template's body with the parameters and records the template. A
// template not on the team's list, or with the wrong parameters, is refused:
// nothing sent, nothing appended.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startHilo, addAgent, agent, cleanup, withLogs, httpGet, advanceClock,
} from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, newWamid, isTicket, isDelivery, loginCookie,
} from '../lib/fake-provider.mjs';

const H = 3600 * 1000;
let redis, fake, hilo, adminCookie, anaPw;
let seq = 0;
const newPhone = () => `1650888${String(1000 + (++seq)).padStart(4, '0')}`;

const UPDATE = { name: 'case_update', language: 'es', body: 'Hola {{1}}, novedades de tu caso {{2}}.', params: 2 };
const SHIPPED = { name: 'order_shipped', language: 'en', body: 'Your order {{1}} has shipped.', params: 1 };
const BILLING = { name: 'refund_sent', language: 'es', body: 'Reembolso de {{1}} enviado.', params: 1 };

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  // the templates "approved at Meta": the fake refuses any other, or another count
  fake.waTemplates = { 'case_update:es': 2, 'order_shipped:en': 1, 'refund_sent:es': 1, 'not_ours:es': 1 };
  hilo = await startHilo({
    redisUrl: redis.url, args: [...channelArgs(fake, { only: ['whatsapp'] }), '--test-clock', '1', '--session-ttl', '604800'],
  });
  const rootPw = await addAgent(hilo, 'root', { display: 'Root', admin: true });
  anaPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  adminCookie = await loginCookie(hilo, 'root', rootPw);
});
after(async () => { await cleanup(); await fake?.close(); });

async function api(method, path, body, ck = adminCookie) {
  const headers = { cookie: ck };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return httpGet(hilo.url + path, {
    method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}
const stored = async () => redis.cli('HGETALL', 'hilo:team:settings');

test('approved templates are stored per team and validated strictly', withLogs(async () => {
  let r = await api('PUT', '/api/v1/team-settings/default', { templates: [UPDATE, SHIPPED] });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json, { team: 'default', templates: [UPDATE, SHIPPED] });
  const sid = { ...BILLING, content_sid: 'HX0123456789abcdef0123456789abcdef' };
  r = await api('PUT', '/api/v1/team-settings/billing', { templates: [sid] });
  assert.equal(r.status, 200, r.body);
  r = await api('GET', '/api/v1/team-settings/billing');
  assert.deepEqual(r.json.templates, [sid], 'own list over the default team\'s');
  r = await api('GET', '/api/v1/team-settings');
  assert.deepEqual(r.json.templates, [UPDATE, SHIPPED], 'no team: the default team\'s');

  const before = await stored();
  const bad = [
    { templates: 'case_update' },
    { templates: [{ ...UPDATE, name: 'Case_Update' }] },
    { templates: [{ ...UPDATE, name: '' }] },
    { templates: [{ ...UPDATE, name: 'x'.repeat(513) }] },
    { templates: [{ ...UPDATE, language: 'e' }] },
    { templates: [{ ...UPDATE, language: 'es-ES' }] },
    { templates: [{ ...UPDATE, body: '' }] },
    { templates: [{ ...UPDATE, body: 'x'.repeat(1025) }] },
    { templates: [{ ...UPDATE, body: 'Hola {{1}}' }] }, // {{2}} missing
    { templates: [{ ...UPDATE, body: 'Hola {{1}} {{2}} {{3}}' }] }, // {{3}} beyond params
    { templates: [{ ...UPDATE, body: 'Hola {{0}} {{1}} {{2}}' }] },
    { templates: [{ ...UPDATE, body: 'Hola {{ 1}} {{2}}' }] },
    { templates: [{ ...UPDATE, params: 11 }] },
    { templates: [{ ...UPDATE, params: -1 }] },
    { templates: [{ ...UPDATE, params: '2' }] },
    { templates: [{ ...UPDATE, params: 1.5 }] },
    { templates: [{ name: 'a', language: 'es', body: 'b' }] }, // params missing
    { templates: [{ ...UPDATE, extra: 1 }] },
    { templates: [{ ...UPDATE, content_sid: 'HX123' }] },
    { templates: [{ ...UPDATE, content_sid: 'MG0123456789abcdef0123456789abcdef' }] },
    { templates: [UPDATE, { ...UPDATE, body: 'Otra {{1}} {{2}}' }] }, // the same name and language twice
    { templates: Array.from({ length: 51 }, (_, i) => ({ name: `t${i}`, language: 'es', body: 'x', params: 0 })) },
  ];
  for (const body of bad) {
    r = await api('PUT', '/api/v1/team-settings/billing', body);
    assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 200)}: ${r.body}`);
    assert.equal(r.json?.error?.code, 'bad_frame', r.body);
  }
  assert.deepEqual(await stored(), before, 'nothing stored');
  // an empty list is a list: the team has none (not the default team's)
  r = await api('PUT', '/api/v1/team-settings/empty', { templates: [] });
  assert.equal(r.status, 200, r.body);
  r = await api('GET', '/api/v1/team-settings/empty');
  assert.deepEqual(r.json.templates, []);
}));

async function thread(a, ref) {
  const t = await a.request({ type: 'ticket.open', ticket: ref }, 8000);
  assert.equal(t.type, 'thread', JSON.stringify(t).slice(0, 300));
  return t.events;
}

// A WhatsApp customer's ticket, opened by the agent; the acknowledgement went out.
async function waTicket(a, text) {
  const num = newPhone();
  const res = await waPost(hilo, waEnvelope([waMessages([{ from: num, id: newWamid(), text }])]));
  assert.equal(res.status, 200);
  const ref = (await a.next(isTicket((t) => t.last_text === text), 8000)).ticket.ref;
  await a.request({ type: 'ticket.open', ticket: ref });
  await fake.waitFor(fake.whatsapp, (r) => r.body.to === `+${num}` && r.body.type === 'text');
  return { num, ref };
}

test('a picked template goes out as a Cloud API template message outside the window; the thread shows its text', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const { num, ref } = await waTicket(a, 'mi pedido sigue sin llegar');
  await advanceClock(hilo, 25 * H); // the 24-hour window is closed
  const n0 = fake.whatsapp.length;
  const ack = await a.request({
    type: 'reply', ticket: ref, client_id: 'pick-1', text: 'lo que el navegador mostró',
    template: { name: 'case_update', language: 'es', params: ['Sheena', ref] },
  });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  const [sent] = await fake.waitFor(fake.whatsapp, (r) => r.body.to === `+${num}` && r.body.type === 'template');
  // Hilo's delivery key, echoed back in status webhooks
  assert.equal(sent.body.biz_opaque_callback_data, `hilo:${ref}:${ack.event_id}`);
  assert.deepEqual({ ...sent.body, biz_opaque_callback_data: undefined }, {
    biz_opaque_callback_data: undefined, messaging_product: 'whatsapp', recipient_type: 'individual', to: `+${num}`, type: 'template',
    template: {
      name: 'case_update', language: { code: 'es' },
      components: [{ type: 'body', parameters: [{ type: 'text', text: 'Sheena' }, { type: 'text', text: ref }] }],
    },
  });
  assert.equal(fake.whatsapp.slice(n0).filter((r) => r.body.to === `+${num}`).length, 1, 'one message, the template');
  await a.next(isDelivery(ack.event_id, 'sent'), 8000);

  // the thread: the template's body with the parameters, the template and the route
  const ev = (await thread(a, ref)).find((e) => e.client_id === 'pick-1');
  assert.ok(ev, 'the reply is in the thread');
  assert.equal(ev.text, `Hola Sheena, novedades de tu caso ${ref}.`);
  assert.deepEqual(ev.template, { name: 'case_update', language: 'es', params: ['Sheena', ref] });
  assert.equal(ev.channel, 'whatsapp');
  assert.equal(ev.route.channel, 'whatsapp');
  assert.equal(ev.route.template, 'case_update');
  await a.close();
}));

test('a template not on the team\'s list, or with the wrong parameters, is refused: nothing sent, nothing appended', withLogs(async () => {
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'queue.watch' });
  const { num, ref } = await waTicket(a, 'necesito ayuda con mi cuenta');
  await advanceClock(hilo, 25 * H);
  const len0 = (await thread(a, ref)).length;
  const n0 = fake.whatsapp.length + fake.rejected.length;
  const tries = [
    [{ name: 'not_ours', language: 'es', params: ['x'] }, 'unknown_template'], // approved at Meta, not on the list
    [{ name: 'case_update', language: 'en', params: ['a', 'b'] }, 'unknown_template'], // another language
    [{ name: 'refund_sent', language: 'es', params: ['x'] }, 'unknown_template'], // billing's, ana has no team
    [{ name: 'case_update', language: 'es', params: ['only one'] }, 'bad_frame'],
    [{ name: 'case_update', language: 'es', params: ['a', 'b', 'c'] }, 'bad_frame'],
    [{ name: 'case_update', language: 'es' }, 'bad_frame'],
    [{ name: 'case_update', language: 'es', params: ['a', ''] }, 'bad_frame'],
    [{ name: 'case_update', language: 'es', params: ['a', 'two\nlines'] }, 'bad_frame'],
    [{ name: 'case_update', language: 'es', params: ['a', 'wide     gap'] }, 'bad_frame'],
    [{ name: 'case_update', language: 'es', params: ['a', 'x'.repeat(1025)] }, 'bad_frame'],
    [{ name: 'case_update', language: 'es', params: ['a', 7] }, 'bad_frame'],
  ];
  let i = 0;
  for (const [template, code] of tries) {
    const e = await a.request({ type: 'reply', ticket: ref, client_id: `bad-${++i}`, text: 'x', template });
    assert.equal(e.type, 'error', JSON.stringify(template));
    assert.equal(e.code, code, JSON.stringify(template));
  }
  // after all of them, the one that is fine goes: only it reached the provider
  const ok = await a.request({
    type: 'reply', ticket: ref, client_id: 'good', text: 'x', template: { name: 'order_shipped', language: 'en', params: ['A-17'] },
  });
  assert.equal(ok.type, 'ack', JSON.stringify(ok));
  const [sent] = await fake.waitFor(fake.whatsapp, (r) => r.body.to === `+${num}` && r.body.type === 'template');
  assert.equal(sent.body.template.name, 'order_shipped');
  assert.equal(fake.whatsapp.length + fake.rejected.length, n0 + 1, 'nothing else was sent');
  const after = await thread(a, ref);
  assert.equal(after.length, len0 + 1, 'only the good reply was appended');
  assert.equal(after.at(-1).client_id, 'good');
  assert.equal(after.at(-1).text, 'Your order A-17 has shipped.');
  await a.close();
}));
