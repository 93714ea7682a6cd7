// Browser test of where the case stands (issue #10): the widget shows the
// case's state in the customer's language (received, in progress, waiting
// on you, resolved) and offers status updates elsewhere, refused for an
// address the customer has not proven. Debian's Chromium via
// playwright-core against a real hilo.
//
//   HILO_BIN=$PWD/build/hilo node --test --test-concurrency=1 tests/browser/status-widget.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  startRedis, startHilo, addAgent, agent, tmpDir, cleanup, withLogs,
} from '../lib/harness.mjs';
import { repoRoot, launchBrowser, buildWidget, startHostSite, collectConsole } from './lib/browser.mjs';

const FIXTURES = path.join(repoRoot, 'tests/browser/fixtures/widget');
const T = 15000;

let redis; let hilo; let site; let browser; let agentPw;

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

let pageSeq = 0;
function hostPage(attrs = {}) {
  const data = Object.entries({ server: `${hilo.url}/`, ...attrs })
    .map(([k, v]) => ` data-${k}="${esc(v)}"`).join('');
  return site.page(`/ux${++pageSeq}.html`, {
    file: 'page.html',
    vars: { CSS: 'plain.css', RAW_WIDGET: `<script src="${hilo.url}/widget.js"${data}></script>` },
  });
}

async function newPage(opts = {}) {
  const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1100, height: 760 }, ...opts });
  const page = await ctx.newPage();
  page.errors = collectConsole(page);
  return page;
}

const W = (page) => {
  const host = page.locator('hilo-widget');
  return {
    host,
    launcher: host.locator('.launcher'),
    panel: host.locator('.panel'),
    input: host.locator('textarea'),
    ack: host.locator('[data-kind="ack"]'),
    alt: host.locator('[data-part="alternatives"]'),
  };
};

async function openWidget(page, url) {
  await page.goto(url);
  const w = W(page);
  await w.launcher.waitFor({ state: 'visible', timeout: T });
  if (!await w.panel.isVisible()) await w.launcher.click();
  await w.panel.waitFor({ state: 'visible', timeout: T });
  return w;
}

async function send(w, text) {
  await w.input.fill(text);
  await w.input.press('Enter');
}

async function refOf(w) {
  await w.ack.first().waitFor({ timeout: T });
  return w.ack.first().locator('[data-ref]').getAttribute('data-ref');
}

before(async () => {
  redis = await startRedis();
  const webRoot = await tmpDir('hilo-widget-ux-web-');
  await buildWidget(webRoot);
  site = await startHostSite({ root: FIXTURES });
  hilo = await startHilo({ redisUrl: redis.url, webRoot, args: ['--widget-origins', site.origin] });
  agentPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await site?.close();
  await cleanup();
});

test('the case state follows the ticket, in Spanish; an unproven address for updates is refused', withLogs(async () => {
  const page = await newPage({ locale: 'es-ES' });
  const w = await openWidget(page, hostPage({ lang: 'es' }));
  await send(w, 'Hola, mi pedido no ha llegado');
  const ref = await refOf(w);
  const state = w.host.locator('[data-part="case-state"]');
  const text = w.host.locator('[data-part="case-text"]');
  await state.and(w.host.locator('[data-state="received"]')).waitFor({ timeout: T });
  assert.equal(await text.textContent(), 'Recibido, esperando a un agente');

  const a = await agent(hilo, 'ana', agentPw);
  await a.request({ type: 'ticket.open', ticket: ref });
  a.send({ type: 'reply', ticket: ref, client_id: 'r-1', text: 'Lo miro ahora mismo' });
  await w.host.locator('[data-state="in_progress"]').waitFor({ timeout: T });
  assert.equal(await text.textContent(), 'En curso');

  assert.equal((await a.request({ type: 'status', ticket: ref, status: 'pending' })).type, 'ok');
  await w.host.locator('[data-state="waiting"]').waitFor({ timeout: T });
  assert.equal(await text.textContent(), 'Esperando tu respuesta');
  await w.host.locator('[data-kind="status"]', { hasText: 'Estamos esperando tu respuesta' }).waitFor({ timeout: T });

  // no proven email: refused, said in Spanish
  await w.host.locator('[data-part="notify"]').selectOption('email');
  const said = w.host.locator('[data-part="notify-said"]');
  await said.waitFor({ timeout: T });
  assert.match(await said.textContent(), /Solo podemos escribirte a una dirección que nos hayas confirmado/);

  a.send({ type: 'resolve', ticket: ref, client_id: 'r-2', text: 'Enviado de nuevo' });
  await w.host.locator('[data-state="resolved"]').waitFor({ timeout: T });
  assert.equal(await text.textContent(), 'Resuelto');
  await a.close();
  await page.context().close();
}));
