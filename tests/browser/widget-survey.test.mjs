// Issue #10: with --survey 1, after a resolution the widget shows "How did we
// do?" with buttons 1-5; a tap records the score (csat) without reopening,
// and the card thanks the customer. Debian's Chromium via playwright-core
// against a real hilo.
//
//   HILO_BIN=$PWD/build/hilo node --test --test-concurrency=1 tests/browser/widget-survey.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { agent, withLogs } from '../lib/harness.mjs';
import { T, startWidgetEnv, stopWidgetEnv, widgetPages } from './lib/widget-page.mjs';

const env = {};
let redis; let hilo; let agentPw;
const { hostPage, newPage } = widgetPages(env, { prefix: 'survey' });

before(async () => {
  ({ redis, hilo, agentPw } = await startWidgetEnv(env, { webPrefix: 'hilo-widget-survey-web-', hiloArgs: ['--survey', '1'] }));
});

after(() => stopWidgetEnv(env));

test('the survey card after a resolution: a tap on 4 is the score; the ticket stays resolved', withLogs(async () => {
  const page = await newPage({ locale: 'es-ES' });
  await page.goto(hostPage({ lang: 'es' }));
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
  await page.context().close();
}));
