// axe-core (npm) on the chat widget, open, with a conversation (customer
// message, acknowledgement, agent reply, "continue elsewhere"), on a desktop
// and on a phone, in English and Spanish. Fails on serious or critical
// violations inside the widget. Debian's Chromium via playwright-core.
//
//   HILO_BIN=$PWD/build/hilo node --test --test-concurrency=1 tests/browser/widget-a11y.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  startRedis, startHilo, addAgent, agent, tmpDir, cleanup, withLogs,
} from '../lib/harness.mjs';
import { repoRoot, launchBrowser, buildWidget, startHostSite } from './lib/browser.mjs';

const FIXTURES = path.join(repoRoot, 'tests/browser/fixtures/widget');
const T = 15000;
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// Serious and critical axe violations inside <hilo-widget> (its open shadow
// root included), one readable line each.
async function seriousViolations(page) {
  if (!await page.evaluate(() => !!window.axe)) await page.evaluate(AXE_SOURCE);
  const res = await page.evaluate(() => window.axe.run({ include: [['hilo-widget']] }, { resultTypes: ['violations'] }));
  return res.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 4).map((n) => JSON.stringify(n.target)).join(', ')}`
      + `${v.nodes[0]?.failureSummary ? `\n    ${v.nodes[0].failureSummary.replace(/\n/g, ' ')}` : ''}`);
}

let redis; let hilo; let site; let browser; let agentPw;
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
let pageSeq = 0;
function hostPage(attrs = {}) {
  const data = Object.entries({ server: `${hilo.url}/`, ...attrs }).map(([k, v]) => ` data-${k}="${esc(v)}"`).join('');
  return site.page(`/a11y${++pageSeq}.html`, {
    file: 'page.html',
    vars: { CSS: 'plain.css', RAW_WIDGET: `<script src="${hilo.url}/widget.js"${data}></script>` },
  });
}

before(async () => {
  redis = await startRedis();
  const webRoot = await tmpDir('hilo-widget-a11y-web-');
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

const cases = [
  ['en', { width: 1100, height: 760 }], ['es', { width: 1100, height: 760 }], ['en', { width: 390, height: 780 }],
];
for (const [lang, viewport] of cases) {
  test(`open widget with a conversation: no serious or critical violations (${lang}, ${viewport.width} px)`, withLogs(async () => {
    const ctx = await browser.newContext({ locale: 'en-US', viewport });
    const page = await ctx.newPage();
    await page.goto(hostPage({ lang, title: 'Acme Support', whatsapp: '34600111222', email: 'help@acme.example', phone: '+34 900 123 456' }));
    const host = page.locator('hilo-widget');
    await host.locator('.launcher').click();
    await host.locator('.panel').waitFor({ state: 'visible', timeout: T });
    const empty = await seriousViolations(page); // the intro and pre-chat fields
    await host.locator('textarea').fill('Where is my parcel?');
    await host.locator('textarea').press('Enter');
    const ack = host.locator('[data-kind="ack"]');
    await ack.waitFor({ timeout: T });
    const ref = await ack.locator('[data-ref]').getAttribute('data-ref');
    const a = await agent(hilo, 'ana', agentPw);
    assert.equal((await a.request({ type: 'ticket.open', ticket: ref })).type, 'thread');
    a.send({ type: 'reply', ticket: ref, client_id: `r-${lang}-${viewport.width}`, text: 'It left yesterday.' });
    a.send({ type: 'typing', ticket: ref, state: true });
    await host.locator('[data-kind="reply"]').waitFor({ timeout: T });
    await host.locator('[data-part="alternatives"]').waitFor({ timeout: T });
    const busy = await seriousViolations(page);
    assert.deepEqual({ empty, busy }, { empty: [], busy: [] });
    await a.close();
    await ctx.close();
  }));
}
