// Issue #10: with --survey 1, after a resolution the widget shows "How did we
// do?" with buttons 1-5; a tap records the score (csat) without reopening,
// and the card thanks the customer. Debian's Chromium via playwright-core
// against a real hilo.
//
//   HILO_BIN=$PWD/build/hilo node --test --test-concurrency=1 tests/browser/widget-survey.test.mjs

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

before(async () => {
  redis = await startRedis();
  const webRoot = await tmpDir('hilo-widget-survey-web-');
  await buildWidget(webRoot);
  site = await startHostSite({ root: FIXTURES });
  hilo = await startHilo({ redisUrl: redis.url, webRoot, args: ['--widget-origins', site.origin, '--survey', '1'] });
  agentPw = await addAgent(hilo, 'ana', { display: 'Ana' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await site?.close();
  await cleanup();
});

test('the survey card after a resolution: a tap on 4 is the score; the ticket stays resolved', withLogs(async () => {
  const ctx = await browser.newContext({ locale: 'es-ES', viewport: { width: 1100, height: 760 } });
  const page = await ctx.newPage();
  page.errors = collectConsole(page);
  const url = site.page('/survey.html', {
    file: 'page.html',
    vars: { CSS: 'plain.css', RAW_WIDGET: `<script src="${hilo.url}/widget.js" data-server="${hilo.url}/" data-lang="es"></script>` },
  });
  await page.goto(url);
  const host = page.locator('hilo-widget');
  await host.locator('.launcher').click();
  await host.locator('textarea').fill('La cafetera gotea');
  await host.locator('textarea').press('Enter');
  const ack = host.locator('[data-kind="ack"]').first();
  await ack.waitFor({ timeout: T });
  const ref = await ack.locator('[data-ref]').getAttribute('data-ref');

  const a = await agent(hilo, 'ana', agentPw);
  await a.request({ type: 'ticket.open', ticket: ref });
  a.send({ type: 'resolve', ticket: ref, client_id: 'r-1', text: 'Te enviamos una junta nueva' });
  await a.next('ack');

  const card = host.locator('[data-kind="survey"]');
  await card.waitFor({ timeout: T });
  assert.match(await card.innerText(), /Puntúanos del 1/);
  const buttons = card.locator('button[data-score]');
  assert.equal(await buttons.count(), 5);
  assert.equal(await buttons.nth(3).getAttribute('aria-label'), '4 de 5');
  await buttons.nth(3).click();
  await card.locator('[data-part="survey-thanks"]').waitFor({ timeout: T });
  assert.equal(await buttons.nth(3).getAttribute('aria-pressed'), 'true');
  assert.equal(await buttons.nth(0).isDisabled(), true, 'answered once');
  const scored = await a.next((f) => f.type === 'event' && f.event.csat === 4, T);
  assert.equal(scored.event.quiet, true);
  assert.equal(await redis.cli('HGET', `hilo:{t:${ref}}:tk`, 'csat'), '4');
  assert.equal(await redis.cli('HGET', `hilo:{t:${ref}}:tk`, 'status'), 'resolved');
  assert.deepEqual(page.errors.filter((e) => !/favicon/.test(e)), []);
  await a.close();
  await ctx.close();
}));
