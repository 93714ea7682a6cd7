// Browser tests of the customer chat widget (web/widget/src) and the demo
// shop (web/index.html): Debian's Chromium via playwright-core against a real
// hilo and redis-server. The agent side is driven over WebSocket with the
// harness. Screenshots and metrics go to test-artifacts/widget/.
//
//   node --test --test-reporter=tap tests/browser/
//   env HILO_BIN (default build/hilo), CHROMIUM (default /usr/bin/chromium)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  startRedis, startHilo, addAgent, agent, tmpDir, cleanup, withLogs, sleep, cmpId,
} from '../lib/harness.mjs';
import {
  launchBrowser, artifactDir, buildWidget, startHostSite, startProxy, esc,
} from './lib/browser.mjs';
import {
  FIXTURES, T, widgetPages, send, refOf,
} from './lib/widget-page.mjs';

const SECRET = 'widget-test-secret';
const ART = artifactDir('widget');

let redis; let hilo; let hiloOpts; let proxy; let site; let otherSite; let browser; let agentPw;
const metrics = {};

// ------------------------------------------------------------------ helpers

// A <script> tag embedding the widget: widget.js from hilo, WebSocket through
// the proxy (data-server) so tests can cut the connection.
function widgetTag(attrs = {}) {
  const all = { server: `${proxy.url}/`, ...attrs };
  const data = Object.entries(all).filter(([, v]) => v != null)
    .map(([k, v]) => ` data-${k}="${esc(typeof v === 'object' ? JSON.stringify(v) : v)}"`).join('');
  return `<script src="${hilo.url}/widget.js"${data}></script>`;
}

let pageSeq = 0;
// Registers a host-site page with the widget; attrs may be a function
// (evaluated per request, e.g. for a fresh signed identity).
function hostPage({ css = 'plain.css', attrs = {}, on = site, widget = true } = {}) {
  return on.page(`/p${++pageSeq}.html`, {
    file: 'page.html',
    vars: () => ({ CSS: css, RAW_WIDGET: widget ? widgetTag(typeof attrs === 'function' ? attrs() : attrs) : '' }),
  });
}

function sign({ user_id, name = '', email = '', ts = Math.floor(Date.now() / 1000) }, secret = SECRET) {
  const sig = crypto.createHmac('sha256', secret).update(`${user_id}\n${email}\n${name}\n${ts}`).digest('hex');
  return { user_id, name, email, ts, sig };
}

// New pages and widget locators (inside the open shadow root of <hilo-widget>).
const { newPage, W, openWidget } = widgetPages({ get browser() { return browser; } }, {
  locators: {
    status: '[data-part="status"]',
    typing: '[data-part="typing"]',
    badge: '[data-part="badge"]',
    mine: '[data-kind="message"] .bubble',
    replies: '[data-kind="reply"] .bubble',
    pending: '[data-kind="pending"]',
    resolution: '[data-kind="resolution"]',
    log: '.log',
  },
});

// Waits until the widget shows exactly these customer texts (in this order).
async function expectMine(w, texts, timeout = T) {
  const deadline = Date.now() + timeout;
  let got;
  while (Date.now() < deadline) {
    got = await w.mine.allTextContents();
    if (JSON.stringify(got) === JSON.stringify(texts) && await w.pending.count() === 0) return;
    await sleep(50);
  }
  assert.deepEqual({ shown: got, pending: await w.pending.allTextContents() }, { shown: texts, pending: [] });
}

async function newAgent() {
  const a = await agent(hilo, 'ana', agentPw);
  return a;
}

// The customer-visible messages of a ticket as the agent sees them.
async function agentThread(a, ref) {
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.type, 'thread', JSON.stringify(th));
  return th;
}

async function restartHilo() {
  await hilo.stop();
  hilo = await startHilo(hiloOpts);
  proxy.retarget(hilo.port);
}

async function shot(page, name) {
  const file = path.join(ART, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

// ------------------------------------------------------------------ setup

before(async () => {
  redis = await startRedis();
  const webRoot = await tmpDir('hilo-widget-web-');
  await buildWidget(webRoot);
  site = await startHostSite({
    root: FIXTURES,
    // As strict as a careful host site: no inline script or style at all.
    csp: () => "default-src 'self'; script-src 'self' http://127.0.0.1:*; style-src 'self'; "
      + "connect-src 'self' ws://127.0.0.1:*; img-src 'self' data:",
  });
  otherSite = await startHostSite({ root: FIXTURES });
  hiloOpts = {
    redisUrl: redis.url, webRoot,
    args: ['--widget-origins', site.origin, '--identity-secret', SECRET, '--identity-max-age', '300'],
  };
  hilo = await startHilo(hiloOpts);
  proxy = await startProxy(hilo.port);
  agentPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  browser = await launchBrowser();
});

after(async () => {
  writeFileSync(path.join(ART, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  await browser?.close().catch(() => {});
  await proxy?.close();
  await site?.close();
  await otherSite?.close();
  await cleanup();
});

// ------------------------------------------------------------------ tests

test('demo shop: widget on the root page, console link, size and load time', withLogs(async (t) => {
  const page = await newPage();
  const sizes = {};
  page.on('requestfinished', async (req) => {
    if (req.url().endsWith('/widget.js')) {
      const s = await req.sizes();
      sizes.transfer = s.responseBodySize + s.responseHeadersSize;
      sizes.body = s.responseBodySize;
    }
  });
  // Cold load, no cache.
  const res = await page.goto(`${hilo.url}/`);
  assert.equal(res.status(), 200);
  const w = W(page);
  await w.launcher.waitFor({ state: 'visible', timeout: T });
  assert.equal(await page.locator('a[href="/console/"]').first().isVisible(), true, 'link to the agent console');
  const perf = await page.evaluate(() => {
    const r = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/widget.js'));
    const ready = performance.getEntriesByName('hilo-widget-ready')[0];
    const start = performance.getEntriesByName('hilo-widget-start')[0];
    return {
      transferSize: r.transferSize, encodedBodySize: r.encodedBodySize, decodedBodySize: r.decodedBodySize,
      fetchMs: Math.round(r.responseEnd - r.startTime), readyMs: Math.round(ready.startTime),
      bootMs: Math.round(ready.startTime - start.startTime),
      domContentLoadedMs: Math.round(performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd),
    };
  });
  await sleep(100);
  metrics.demo = { ...perf, cdpTransfer: sizes.transfer, cdpBody: sizes.body, contentEncoding: res.headers()['content-encoding'] || null };
  t.diagnostic(`widget.js: transferred ${perf.transferSize} B (body ${perf.encodedBodySize} B encoded, ${perf.decodedBodySize} B decoded), fetched in ${perf.fetchMs} ms, script run to widget rendered ${perf.bootMs} ms, ready ${perf.readyMs} ms after navigation start`);
  assert.ok(perf.decodedBodySize < 80 * 1024, `widget.js is ${perf.decodedBodySize} bytes`);
  // (how fast is printed above, never asserted: these machines are shared)
  // Hilo's own page: same origin, allowed by default; CSP must not complain.
  await w.launcher.click();
  await send(w, 'Hello from the demo shop');
  await w.ack.waitFor({ timeout: T });
  await w.panel.locator('[data-alt="whatsapp"]').waitFor({ timeout: T });
  assert.deepEqual(page.errors.filter((e) => !/favicon/.test(e)), []);
  await w.launcher.click(); // close again for the screenshot of the launcher
  await w.panel.waitFor({ state: 'hidden' });
  await shot(page, 'demo-launcher-closed');
  await page.context().close();
}));

test('hostile host CSS cannot break the widget, and the widget does not touch the host page', withLogs(async () => {
  const styleOf = (page) => page.evaluate(() => {
    const pick = (el) => { const s = getComputedStyle(el); return ['font-family', 'font-size', 'color', 'background-color', 'display', 'width', 'height', 'padding-top', 'direction'].map((k) => s.getPropertyValue(k)).join('|'); };
    return ['#host-title', '#host-btn', '#host-panel', '#host-intro', '#host-textarea', 'body'].map((q) => pick(document.querySelector(q)));
  });
  const without = await newPage();
  await without.goto(hostPage({ css: 'hostile.css', widget: false }));
  const before_ = await styleOf(without);
  const globalsBefore = await without.evaluate(() => Object.keys(window).sort());
  await without.context().close();

  const page = await newPage();
  await page.goto(hostPage({ css: 'hostile.css', attrs: { title: 'Acme Support', color: '#0e7490' } }));
  const w = W(page);
  await w.launcher.waitFor({ state: 'visible', timeout: T });
  // The launcher keeps its own size, place and colour.
  const box = await w.launcher.boundingBox();
  assert.ok(Math.abs(box.width - 58) <= 1 && Math.abs(box.height - 58) <= 1, JSON.stringify(box));
  assert.ok(box.x + box.width > 1100 - 40 && box.y + box.height > 760 - 40, `bottom right: ${JSON.stringify(box)}`);
  const lc = await w.launcher.evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(lc, 'rgb(14, 116, 144)');
  // Nothing of the host page changed, and the only new global is HiloWidget.
  assert.deepEqual(await styleOf(page), before_);
  const globalsAfter = await page.evaluate(() => Object.keys(window).sort());
  assert.deepEqual(globalsAfter.filter((k) => !globalsBefore.includes(k)), ['HiloWidget']);
  assert.equal(await page.evaluate(() => document.querySelectorAll('style').length), 0, 'no <style> added to the host page');
  assert.equal(await page.evaluate(() => document.body.lastElementChild.tagName), 'HILO-WIDGET');
  // The panel opens at its own size, readable, in its own font size.
  await shot(page, 'hostile-launcher-closed');
  await w.launcher.click();
  await w.panel.waitFor({ state: 'visible' });
  const pb = await w.panel.boundingBox();
  assert.ok(Math.abs(pb.width - 370) <= 1, `panel width ${pb.width}`);
  const fs = await w.input.evaluate((el) => getComputedStyle(el).fontSize);
  assert.equal(fs, '14px');
  await send(w, 'Works on a hostile page?');
  await w.ack.waitFor({ timeout: T });
  assert.equal(await w.host.locator('.title').textContent(), 'Acme Support');
  await shot(page, 'hostile-panel-open');
  // Strict CSP (no inline script or style): nothing refused.
  assert.deepEqual(page.errors, []);
  await page.context().close();
}));

test('first message: acknowledgement with reference and expected reply time at once', withLogs(async (t) => {
  const a = await newAgent();
  await a.request({ type: 'queue.watch' });
  const page = await newPage();
  const w = await openWidget(page, hostPage({ attrs: { lang: 'en' } }));
  // Pre-chat fields are there but optional: write without filling them.
  assert.equal(await w.host.locator('[data-part="prechat"] input').count(), 2);
  const t0 = Date.now();
  await send(w, 'Hi, my order #1042 has not arrived');
  await w.ack.waitFor({ timeout: T });
  metrics.firstAckMs = Date.now() - t0;
  t.diagnostic(`first message to acknowledgement on screen: ${metrics.firstAckMs} ms`);
  const ref = await refOf(w);
  assert.match(ref, /^\d{8,9}$/);
  const ackText = await w.ack.textContent();
  assert.match(ackText, /Expected reply: about \d+ min/);
  assert.ok(ackText.replace(/\s/g, '').includes(ref), `ack shows the reference: ${ackText}`);
  await expectMine(w, ['Hi, my order #1042 has not arrived']);
  assert.equal(await w.host.locator('[data-part="prechat"]').count(), 0, 'pre-chat fields gone after the first message');
  // The agent's queue got it.
  const tk = await a.next((f) => f.type === 'ticket' && f.ticket.ref === ref);
  assert.equal(tk.ticket.status, 'open');
  await a.close();
  await page.context().close();
}));

test('optional pre-chat name and email reach the agent', withLogs(async () => {
  const page = await newPage();
  const w = await openWidget(page, hostPage({ attrs: { lang: 'en' } }));
  await w.host.locator('input[name="name"]').fill('Lucía Pérez');
  await w.host.locator('input[name="email"]').fill('lucia@example.com');
  await send(w, 'Hola, with my name this time');
  const ref = await refOf(w);
  const a = await newAgent();
  const th = await agentThread(a, ref);
  assert.equal(th.customer.name, 'Lucía Pérez');
  assert.equal(th.customer.email, 'lucia@example.com');
  // No "continue elsewhere" links when the site configured no other channel.
  assert.equal(await w.host.locator('[data-part="alternatives"]').count(), 0);
  await a.close();
  await page.context().close();
}));

test('agent typing and reply arrive live; unread badge while closed; other channels marked', withLogs(async (t) => {
  const page = await newPage();
  const w = await openWidget(page, hostPage({ attrs: { lang: 'en', title: 'Acme Support', whatsapp: '34600111222', phone: '+34 900 123 456', email: 'help@acme.example' } }));
  await send(w, 'Where is my parcel?');
  const ref = await refOf(w);
  const a = await newAgent();
  await agentThread(a, ref);
  a.send({ type: 'typing', ticket: ref, state: true });
  await w.typing.waitFor({ timeout: T });
  assert.match(await w.typing.textContent(), /Ana is typing/);
  const t0 = Date.now();
  a.send({ type: 'reply', ticket: ref, client_id: 'a-1', text: 'Hi! It left our warehouse yesterday 📦' });
  await w.replies.first().waitFor({ timeout: T });
  t.diagnostic(`agent reply on screen after ${Date.now() - t0} ms`);
  assert.equal(await w.replies.first().textContent(), 'Hi! It left our warehouse yesterday 📦');
  assert.equal(await w.typing.count(), 0, 'typing indicator cleared by the reply');
  // The customer's typing reaches the agent.
  await w.input.type('Thanks');
  const ty = await a.next((f) => f.type === 'typing' && f.role === 'customer', T);
  assert.equal(ty.state, true);
  await send(w, 'Thanks! Can I change the address?');
  // Closed panel: unread badge for a new reply.
  await w.launcher.click();
  await w.panel.waitFor({ state: 'hidden' });
  a.send({ type: 'reply', ticket: ref, client_id: 'a-2', text: 'Yes, tell me the new one.' });
  await w.badge.waitFor({ timeout: T });
  assert.equal(await w.badge.textContent(), '1');
  await w.launcher.click();
  await w.badge.waitFor({ state: 'detached', timeout: T });
  // Messages exchanged on other channels (the WhatsApp and email channels
  // land later; their events are written as those channels will write them).
  const cust = (await agentThread(a, ref)).ticket.customer;
  const key = `hilo:{t:${ref}}:ev`;
  await redis.cli('XADD', key, '*', 'k', 'message', 'ch', 'whatsapp', 'ar', 'customer', 'ai', cust, 'an', '', 'tx', 'Sent you a photo of the label on WhatsApp');
  await redis.cli('XADD', key, '*', 'k', 'reply', 'ch', 'email', 'ar', 'agent', 'ai', 'ana', 'an', 'Ana', 'tx', 'Got it by email, thanks.');
  await page.reload();
  await W(page).panel.waitFor({ state: 'visible', timeout: T }); // stays open across pages
  const w2 = W(page);
  await w2.host.locator('[data-channel="email"]').waitFor({ timeout: T });
  assert.equal(await w2.host.locator('[data-kind="message"] [data-channel="whatsapp"]').count(), 1);
  assert.equal(await w2.host.locator('[data-kind="reply"] [data-channel="email"]').count(), 1);
  assert.equal(await w2.host.locator('[data-kind="message"] .chan').count(), 1, 'web messages carry no badge');
  await expectMine(w2, ['Where is my parcel?', 'Thanks! Can I change the address?', 'Sent you a photo of the label on WhatsApp']);
  // Continue elsewhere, with the reference.
  const waHref = await w2.host.locator('[data-alt="whatsapp"]').getAttribute('href');
  assert.ok(waHref.startsWith('https://wa.me/34600111222?text='), waHref);
  assert.ok(decodeURIComponent(waHref).includes(ref), waHref);
  const mail = await w2.host.locator('[data-alt="email"]').getAttribute('href');
  assert.ok(mail.startsWith('mailto:help@acme.example?subject=') && decodeURIComponent(mail).includes(ref), mail);
  const phone = await w2.host.locator('[data-alt="phone"]');
  assert.equal(await phone.getAttribute('href'), 'tel:+34900123456');
  assert.ok((await phone.textContent()).replace(/\s/g, '').includes(ref));
  a.send({ type: 'typing', ticket: ref, state: true });
  await w2.typing.waitFor({ timeout: T });
  await shot(page, 'panel-mid-conversation');
  await a.close();
  await page.context().close();
}));

test('offline queue: cut connection, restart hilo, lost acks: every message once and in order', withLogs(async (t) => {
  const page = await newPage();
  const url = hostPage({ attrs: { lang: 'en' } });
  const w = await openWidget(page, url);
  await send(w, 'm1 before trouble');
  const ref = await refOf(w);
  const a = await newAgent();
  await agentThread(a, ref);

  // 1. The network goes away: a quiet status, messages queue up.
  proxy.cut();
  await w.status.waitFor({ timeout: T });
  assert.match(await w.status.textContent(), /Connection lost/);
  await send(w, 'm2 typed offline');
  await send(w, 'm3 typed offline 🚇');
  assert.equal(await w.pending.count(), 2);
  // The agent answers meanwhile.
  a.send({ type: 'reply', ticket: ref, client_id: 'a-off', text: 'Reply while you were offline' });
  await a.next((f) => f.type === 'ack' && f.client_id === 'a-off');
  // 2. A reload while still offline keeps the queued messages (localStorage).
  await page.reload();
  await W(page).pending.nth(1).waitFor({ timeout: T });
  assert.deepEqual(await W(page).pending.locator('.bubble').allTextContents(), ['m2 typed offline', 'm3 typed offline 🚇']);
  proxy.restore();
  await expectMine(w, ['m1 before trouble', 'm2 typed offline', 'm3 typed offline 🚇'], 20000);
  await w.host.locator('[data-kind="reply"]').first().waitFor({ timeout: T });
  await w.status.waitFor({ state: 'detached', timeout: T });

  // 3. Hilo restarts mid-conversation.
  await a.close();
  const tRestart = Date.now();
  await hilo.stop();
  await w.status.waitFor({ timeout: T });
  await send(w, 'm4 while hilo restarts');
  hilo = await startHilo(hiloOpts);
  proxy.retarget(hilo.port);
  await expectMine(w, ['m1 before trouble', 'm2 typed offline', 'm3 typed offline 🚇', 'm4 while hilo restarts'], 20000);
  t.diagnostic(`restart to queued message delivered: ${Date.now() - tRestart} ms`);

  // 4. The ack is lost on the way back: the re-send is stored only once.
  proxy.holdDownstream(true);
  await send(w, 'm5 ack lost');
  const a2 = await newAgent();
  const th = await agentThread(a2, ref);
  const seen = (evs) => evs.filter((e) => e.kind === 'message').map((e) => e.text);
  // Wait until m5 reached hilo (its ack was dropped by the proxy).
  const ev5 = th.events.find((e) => e.text === 'm5 ack lost') || (await a2.next((f) => f.type === 'event' && f.event.text === 'm5 ack lost', T)).event;
  assert.ok(ev5);
  proxy.cut();
  proxy.holdDownstream(false);
  proxy.restore();
  await expectMine(w, ['m1 before trouble', 'm2 typed offline', 'm3 typed offline 🚇', 'm4 while hilo restarts', 'm5 ack lost'], 20000);
  await a2.none((f) => f.type === 'event' && f.event.kind === 'message' && f.event.id !== ev5.id, 500);

  // Hilo stored each message exactly once, in order; the widget shows each
  // event once, in id order.
  const final = await agentThread(a2, ref);
  assert.deepEqual(seen(final.events), ['m1 before trouble', 'm2 typed offline', 'm3 typed offline 🚇', 'm4 while hilo restarts', 'm5 ack lost']);
  const ids = await w.host.locator('[data-id]').evaluateAll((els) => els.map((e) => e.dataset.id));
  assert.equal(new Set(ids).size, ids.length, 'no event shown twice');
  for (let i = 1; i < ids.length; i++) assert.ok(cmpId(ids[i - 1], ids[i]) < 0, `order: ${ids}`);
  assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.endsWith(':outbox')).map((k) => JSON.parse(localStorage[k]).length)[0]), 0, 'outbox empty');
  await a2.close();
  await page.context().close();
}));

test('history after a reload, and on another device through a signed identity', withLogs(async () => {
  const lucia = { user_id: 'u-42', name: 'Lucía Pérez', email: 'lucia@example.com' };
  const url = hostPage({ attrs: () => ({ lang: 'en', identity: sign(lucia) }) });
  // Device 1: anonymous first, then reload keeps the thread.
  const p1 = await newPage();
  const w1 = await openWidget(p1, url);
  assert.equal(await w1.host.locator('[data-part="prechat"]').count(), 0, 'no pre-chat fields for a signed-in customer');
  await send(w1, 'Logged-in question');
  const ref = await refOf(w1);
  await p1.reload();
  const w1b = W(p1);
  await expectMine(w1b, ['Logged-in question']);
  assert.equal(await refOf(w1b), ref);
  // A second tab of the same browser shows the thread and stays in sync.
  const tab = await p1.context().newPage();
  const wt = await openWidget(tab, url);
  await expectMine(wt, ['Logged-in question']);
  await send(wt, 'From another tab');
  await expectMine(w1b, ['Logged-in question', 'From another tab']);
  await tab.close();
  // Device 2: fresh browser context, same user.
  const p2 = await newPage();
  const w2 = await openWidget(p2, url);
  await expectMine(w2, ['Logged-in question', 'From another tab']);
  assert.equal(await refOf(w2), ref);
  await send(w2, 'Second device here');
  await expectMine(w1b, ['Logged-in question', 'From another tab', 'Second device here']); // live on device 1
  // Another user on device 2's browser: nothing of Lucía's is shown.
  const p3 = await newPage();
  const w3 = await openWidget(p3, hostPage({ attrs: () => ({ lang: 'en', identity: sign({ user_id: 'u-43', name: 'Bob', email: 'bob@example.com' }) }) }));
  await sleep(800);
  assert.equal(await w3.mine.count(), 0);
  // A forged signature is refused: the visitor continues anonymously, sees nothing of Lucía's.
  const p4 = await newPage();
  const w4 = await openWidget(p4, hostPage({ attrs: () => ({ lang: 'en', identity: sign(lucia, 'wrong-secret') }) }));
  await send(w4, 'Forged identity');
  await w4.ack.waitFor({ timeout: T });
  await expectMine(w4, ['Forged identity']);
  assert.notEqual(await refOf(w4), ref);
  // Anonymous visitor: reload returns the thread too.
  const p5 = await newPage();
  const anon = hostPage({ attrs: { lang: 'en' } });
  const w5 = await openWidget(p5, anon);
  await send(w5, 'Anonymous question');
  const ref5 = await refOf(w5);
  await p5.goto(anon);
  await expectMine(W(p5), ['Anonymous question']);
  assert.equal(await refOf(W(p5)), ref5);
  for (const p of [p1, p2, p3, p4, p5]) await p.context().close();
}));

test('Spanish and English strings: data-lang and the browser language', withLogs(async () => {
  // A Spanish browser: Spanish by default, data-lang wins.
  const es = await newPage({ locale: 'es-ES' });
  const we = await openWidget(es, hostPage({}));
  assert.equal(await we.input.getAttribute('placeholder'), 'Escribe un mensaje…');
  assert.equal(await we.launcher.getAttribute('aria-label'), 'Cerrar chat');
  assert.equal(await we.host.locator('.title').textContent(), 'Habla con nosotros');
  await send(we, 'Hola, ¿tenéis café descafeinado?');
  await we.ack.waitFor({ timeout: T });
  assert.match(await we.ack.textContent(), /Referencia: /);
  assert.match(await we.ack.textContent(), /Respuesta estimada: unos \d+ min/);
  assert.doesNotMatch(await we.ack.locator('.text').textContent(), /Thank|received/i, 'server ack in Spanish');
  const wn = await openWidget(es, hostPage({ attrs: { lang: 'en' } }));
  assert.equal(await wn.input.getAttribute('placeholder'), 'Write a message…');
  assert.match(await wn.ack.textContent(), /Reference: /);
  // An English browser: English by default, data-lang wins.
  const en = await newPage({ locale: 'en-GB' });
  const wn2 = await openWidget(en, hostPage({ attrs: { lang: 'es' } }));
  assert.equal(await wn2.input.getAttribute('placeholder'), 'Escribe un mensaje…');
  assert.match(await wn2.host.locator('[data-part="intro"]').textContent(), /Pregúntanos/);
  const wn3 = await openWidget(en, hostPage({}));
  assert.equal(await wn3.input.getAttribute('placeholder'), 'Write a message…');
  await send(wn3, 'Do you ship to Ireland?');
  await wn3.ack.waitFor({ timeout: T });
  assert.match(await wn3.ack.textContent(), /Reference: .*Expected reply: about \d+ min/);
  assert.doesNotMatch(await wn3.ack.locator('.text').textContent(), /Gracias|recibido/i, 'server ack in English');
  for (const p of [es, en]) await p.context().close();
}));

test('resolution is marked; writing again reopens the ticket', withLogs(async () => {
  const page = await newPage();
  const w = await openWidget(page, hostPage({ attrs: { lang: 'en', title: 'Acme Support', whatsapp: '34600111222', email: 'help@acme.example' } }));
  await send(w, 'Can I get an invoice for order 1042?');
  const ref = await refOf(w);
  const a = await newAgent();
  await agentThread(a, ref);
  a.send({ type: 'reply', ticket: ref, client_id: 'r-1', text: 'Sure, one moment.' });
  a.send({ type: 'resolve', ticket: ref, client_id: 'r-2', text: 'I sent the invoice to your email. Anything else, just write here!' });
  await w.resolution.waitFor({ timeout: T });
  assert.match(await w.resolution.textContent(), /Resolved/);
  assert.match(await w.resolution.textContent(), /I sent the invoice/);
  assert.match(await w.resolution.textContent(), /write again to reopen/i);
  assert.equal(await w.input.getAttribute('placeholder'), 'Write to reopen the conversation…');
  await shot(page, 'resolved-ticket');
  // On a phone the panel takes the whole screen.
  await page.setViewportSize({ width: 390, height: 780 });
  const mb = await w.panel.boundingBox();
  assert.deepEqual([mb.x, mb.y, mb.width, mb.height].map(Math.round), [0, 0, 390, 780]);
  assert.equal(await w.launcher.isVisible(), false, 'the header button closes it; no launcher over the composer');
  await shot(page, 'resolved-ticket-phone');
  await page.setViewportSize({ width: 1100, height: 760 });
  await send(w, 'Actually, the address on it is wrong');
  await w.host.locator('.note', { hasText: 'Conversation reopened' }).waitFor({ timeout: T });
  const st = await a.next((f) => f.type === 'event' && f.event.kind === 'status' && f.event.status === 'open', T);
  assert.equal(st.event.from, 'resolved');
  assert.equal(await w.ack.count(), 1, 'same ticket: no second acknowledgement');
  assert.equal(await w.input.getAttribute('placeholder'), 'Write a message…');
  // A closed ticket is final: writing again opens a new one, with its own reference.
  assert.equal((await a.request({ type: 'status', ticket: ref, status: 'closed' })).type, 'ok');
  await w.host.locator('.note', { hasText: 'This conversation was closed' }).waitFor({ timeout: T });
  await send(w, 'One more thing about another order');
  await w.ack.nth(1).waitFor({ timeout: T });
  const ref2 = await w.ack.nth(1).locator('[data-ref]').getAttribute('data-ref');
  assert.notEqual(ref2, ref);
  await w.host.locator('.note', { hasText: 'New conversation' }).waitFor({ timeout: T });
  const alt = await w.host.locator('[data-alt="whatsapp"]').getAttribute('href');
  assert.ok(decodeURIComponent(alt).includes(ref2), 'links carry the new reference');
  await page.reload();
  await W(page).ack.first().waitFor({ timeout: T });
  assert.equal(await refOf(W(page)), ref2, 'after a reload: the current ticket');
  await a.close();
  await page.context().close();
}));

test('emoji, long messages and right-to-left text keep the layout; text is never HTML', withLogs(async () => {
  const page = await newPage();
  const w = await openWidget(page, hostPage({ attrs: { lang: 'en' } }));
  const long = `${'Long message without spaces:'}${'x'.repeat(1500)} ${'and words '.repeat(250)}`.slice(0, 4000);
  const rtl = 'مرحبا، طلبي لم يصل بعد. رقم الطلب 1042';
  const xss = '<img src=x onerror="window.__pwned=1"><b>bold?</b>';
  const emoji = '👋🏽 Hola 👨‍👩‍👧‍👦 ✅';
  await send(w, emoji);
  await w.ack.waitFor({ timeout: T });
  await send(w, long);
  await send(w, rtl);
  await send(w, xss);
  await expectMine(w, [emoji, long, rtl, xss]);
  const a = await newAgent();
  const th = await agentThread(a, await refOf(w));
  assert.deepEqual(th.events.filter((e) => e.kind === 'message').map((e) => e.text), [emoji, long, rtl, xss]);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await w.host.locator('.log img').count(), 0);
  // No horizontal overflow anywhere in the log; RTL bubble laid out right to left.
  const geo = await w.log.evaluate((el) => ({ sw: el.scrollWidth, cw: el.clientWidth }));
  assert.ok(geo.sw <= geo.cw, `log overflows: ${JSON.stringify(geo)}`);
  // dir=auto: the Arabic bubble runs right to left, the panel stays as it is.
  assert.equal(await w.mine.nth(2).evaluate((el) => getComputedStyle(el).direction), 'rtl');
  assert.equal(await w.mine.nth(0).evaluate((el) => getComputedStyle(el).direction), 'ltr');
  assert.equal(await w.panel.evaluate((el) => getComputedStyle(el).direction), 'ltr');
  const pb = await w.panel.boundingBox();
  for (const b of await w.mine.all()) {
    const bb = await b.boundingBox();
    assert.ok(bb.x >= pb.x - 1 && bb.x + bb.width <= pb.x + pb.width + 1, 'bubble inside the panel');
  }
  // Over the limit: the composer says so and does not send.
  await w.input.fill('y'.repeat(4097));
  assert.equal(await w.host.locator('button[type="submit"]').isDisabled(), true);
  await w.host.locator('.counter').waitFor();
  await a.close();
  await page.context().close();
}));

test('a page whose origin is not allowed gets no chat, quietly', withLogs(async () => {
  const page = await newPage();
  const w = await openWidget(page, hostPage({ on: otherSite, attrs: { lang: 'en' } }));
  await send(w, 'Am I allowed?');
  await w.status.waitFor({ timeout: T });
  await sleep(1000);
  assert.equal(await w.ack.count(), 0);
  assert.equal(await w.pending.count(), 1, 'kept in the outbox, not lost');
  await page.context().close();
}));
