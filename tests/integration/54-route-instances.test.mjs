// Routing at send time across instances (docs/continuity.md): the widget
// connected to instance 1 is seen by the agent's instance 2, so the reply
// goes to the web; once the widget is closed the next reply goes to the
// customer's proven email (proven by a genuinely signed Mailgun message and
// a merge), and each event says why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, agent, customer, cleanup, withLogs, httpGet, sleep } from '../lib/harness.mjs';
import { startFakeProvider, channelArgs, mgPost, mgEmail, loginCookie, isTicket, isEv, isDelivery } from '../lib/fake-provider.mjs';

let redis, fake, h1, h2, pw, cookie;

before(async () => {
  redis = await startRedis();
  fake = await startFakeProvider();
  [h1, h2] = await Promise.all([
    startHilo({ redisUrl: redis.url, args: channelArgs(fake) }),
    startHilo({ redisUrl: redis.url, args: channelArgs(fake) }),
  ]);
  pw = await addAgent(h1, 'ana', { display: 'Ana' });
  cookie = await loginCookie(h2, 'ana', pw);
});
after(async () => { await cleanup(); await fake?.close(); });

const mailTo = (addr) => (m) => m.envelope.rcptTo.includes(addr);

test('the widget on another instance is a route; closed, the proven email is', withLogs(async () => {
  const a = await agent(h2, 'ana', pw);
  await a.request({ type: 'queue.watch' });
  const addr = `lu.${Date.now().toString(36)}@example.org`;
  const mail = mgEmail({ from: `Lu <${addr}>`, subject: 'Pedido 77', text: 'correo de Lu' });
  assert.equal((await mgPost(h1, mail.fields)).status, 200);
  const et = (await a.next(isTicket((t) => t.last_text === 'correo de Lu'))).ticket;
  await fake.waitFor(fake.mails, mailTo(addr));

  const c = await customer(h1, { locale: 'es' });
  c.send({ type: 'message', client_id: 'w1', text: 'web de Lu' });
  const ref = (await c.next('ack')).ticket;
  const web = (await a.next(isTicket((t) => t.ref === ref))).ticket;
  const m = await httpGet(h2.url + `/api/v1/customers/${et.customer}/merge`, {
    method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ into: web.customer }),
  });
  assert.equal(m.status, 200, m.body);
  await a.request({ type: 'ticket.open', ticket: ref });

  a.send({ type: 'reply', ticket: ref, client_id: 'r-web', text: 'Te contesto aquí' });
  const e1 = (await a.next((f) => f.type === 'event' && f.event.client_id === 'r-web')).event;
  assert.deepEqual([e1.channel, e1.route.code, e1.route.reason], ['web', 'widget_open', 'widget open']);
  await c.next(isEv('reply', (e) => e.id === e1.id));

  await c.close();
  for (let i = 0; i < 100 && Number(await redis.cli('ZCARD', `hilo:{t:${ref}}:on`)) > 0; i++) await sleep(50);
  a.send({ type: 'reply', ticket: ref, client_id: 'r-mail', text: 'Y por correo' });
  const e2 = (await a.next((f) => f.type === 'event' && f.event.client_id === 'r-mail')).event;
  assert.equal(e2.channel, 'email');
  assert.equal(e2.route.code, 'email');
  assert.equal(e2.route.reason, 'widget closed, no whatsapp number, no proven phone');
  const [sent] = await fake.waitFor(fake.mails, (x) => mailTo(addr)(x) && /Y por correo/.test(x.parsed.text));
  assert.match(sent.parsed.subject, new RegExp(ref));
  const d = await a.next(isDelivery(e2.id, 'sent'), 8000);
  assert.equal(d.to, addr);
  await a.close();
}));
