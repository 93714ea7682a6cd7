// Issue #10 in the agent console: the queue row and the ticket header show
// the SLA due time; a warning shows a toast to agents on the queue (not only
// those on the ticket) and turns the row amber; a breach turns it red and
// shows in the thread; the reports page has the attainment table.
//
//   HILO_BIN=$PWD/build/hilo node --test --test-concurrency=1 tests/browser/console-sla.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startHilo, addAgent, customer, advanceClock, cleanup, withLogs,
} from '../lib/harness.mjs';
import { launchBrowser, newPage, signIn, queueItem, suiteTimeout } from './lib/console-helpers.mjs';

const MIN = 60000;
const T = 15000;
let redis; let hilo; let browser; let pw;

before(async () => {
  redis = await startRedis();
  hilo = await startHilo({
    redisUrl: redis.url,
    args: ['--test-clock', '1', '--session-ttl', '86400', '--sla-first-response-minutes', '60', '--sla-warning-minutes', '10'],
  });
  pw = await addAgent(hilo, 'ana', { display: 'Ana' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await cleanup();
});

test('due time in the queue and header; warning toast; breach in red and in the thread; attainment in reports',
  { timeout: suiteTimeout(120000) }, withLogs(async () => {
    const { page } = await newPage(browser);
    await signIn(page, hilo.url, 'ana', pw);
    const cu = await customer(hilo, { locale: 'en' });
    cu.send({ type: 'message', client_id: 'm-1', text: 'The grinder is stuck' });
    const ref = (await cu.next('ack')).ticket;

    const row = queueItem(page, ref);
    const sla = row.locator('.qi-sla');
    await sla.waitFor({ timeout: T });
    assert.equal(await sla.getAttribute('data-sla'), 'first_response');
    assert.match(await sla.innerText(), /First response due/);
    assert.doesNotMatch(await sla.getAttribute('class'), /warn|breach/);

    await advanceClock(hilo, 51 * MIN);
    await page.locator('.toast', { hasText: /SLA warning on/ }).waitFor({ timeout: T });
    await row.locator('.qi-sla.warn').waitFor({ timeout: T });

    await row.click();
    await page.locator('.ticket-head .sla-due').waitFor({ timeout: T });
    await advanceClock(hilo, 10 * MIN);
    await page.locator('.toast', { hasText: /SLA breached on/ }).waitFor({ timeout: T });
    await row.locator('.qi-sla.breach').waitFor({ timeout: T });
    await page.locator('.ev-sla[data-sla="breach"]').waitFor({ timeout: T });
    await page.locator('.ev-sla[data-sla="warning"]').waitFor({ timeout: T });

    await page.locator('[data-nav="reports"]').click();
    const table = page.locator('[data-report="sla"] .sla-table');
    await table.waitFor({ timeout: T });
    assert.match(await table.innerText(), /0 %|0%/);
    assert.deepEqual(await page.problems(), [], 'no page errors or CSP violations');
    await cu.close();
  }));
