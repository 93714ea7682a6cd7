// axe-core (npm) on the agent console: the queue, an open ticket, reports and
// admin, in English and Spanish. Fails on any serious or critical violation.
// Real Hilo + Redis, Debian's Chromium through playwright-core.
//
//   HILO_BIN=$PWD/build/hilo node --test --test-concurrency=1 tests/browser/a11y.test.mjs
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  HILO_BIN, startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs,
} from '../lib/harness.mjs';
import { launchBrowser, newPage, signIn, queueItem, CHROMIUM, suiteTimeout } from './lib/console-helpers.mjs';

// scripts/setup --test installs both: a missing one is a broken setup, and
// that must fail, never skip (a skipped test cannot fail)
if (!existsSync(HILO_BIN)) throw new Error(`no hilo binary at ${HILO_BIN}`);
if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}`);
const skip = false;

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// Serious and critical axe violations in the page, one readable line each.
async function seriousViolations(page, context = null) {
  // Evaluated through the DevTools protocol: the console's CSP (no inline
  // script) does not apply, and the page gets no <script> added.
  if (!await page.evaluate(() => !!window.axe)) await page.evaluate(AXE_SOURCE);
  const res = await page.evaluate((ctx) => window.axe.run(ctx || document, { resultTypes: ['violations'] }), context);
  return res.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 4).map((n) => JSON.stringify(n.target)).join(', ')}`
      + `${v.nodes[0]?.failureSummary ? `\n    ${v.nodes[0].failureSummary.replace(/\n/g, ' ')}` : ''}`);
}

let seq = 0;
const cid = () => `a11y-${Date.now()}-${++seq}`;

async function newTicket(hilo, { text, ...hello }) {
  const cu = await customer(hilo, { locale: 'en', ...hello });
  const id = cid();
  cu.send({ type: 'message', client_id: id, text });
  const ack = await cu.next((f) => f.type === 'ack' && f.client_id === id);
  return { cu, ref: ack.ticket };
}

describe('console accessibility (axe-core)', { skip, timeout: suiteTimeout(120000) }, () => {
  let redis; let hilo; let browser; let pw; const refs = {};

  before(async () => {
    redis = await startRedis();
    hilo = await startHilo({ redisUrl: redis.url, args: ['--session-ttl', '3600'] });
    pw = await addAgent(hilo, 'root', { display: 'Rosa Admin', admin: true });
    // A busy-looking queue: an anonymous ticket, a named one that was
    // answered, and one pending (its badge must be readable).
    refs.anon = (await newTicket(hilo, { text: 'Hello, anyone there?' })).ref;
    refs.named = (await newTicket(hilo, { name: 'Lucía Pérez', email: 'lucia@example.com', text: 'My parcel is late' })).ref;
    refs.pending = (await newTicket(hilo, { name: 'Omar', text: 'Waiting for the courier' })).ref;
    const a = await agent(hilo, 'root', pw);
    for (const ref of [refs.named, refs.pending]) {
      a.send({ type: 'reply', ticket: ref, client_id: cid(), text: 'We are on it.' });
      await a.next('ack');
    }
    assert.equal((await a.request({ type: 'status', ticket: refs.pending, status: 'pending' })).type, 'ok');
    await a.close();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await cleanup();
  });

  for (const locale of ['en-US', 'es-ES']) {
    test(`queue, open ticket, reports and admin have no serious or critical violations (${locale})`, withLogs(async () => {
      const { context, page } = await newPage(browser, { locale });
      await signIn(page, hilo.url, 'root', pw);
      await queueItem(page, refs.pending).waitFor();
      const found = {};
      found.queue = await seriousViolations(page);
      await queueItem(page, refs.named).click();
      await page.locator('.thread .events > li[data-id]').first().waitFor();
      found.ticket = await seriousViolations(page);
      await page.locator('[data-nav="reports"]').click();
      await page.locator('[data-stat="tickets"] .big-num').waitFor();
      found.reports = await seriousViolations(page);
      await page.locator('[data-nav="admin"]').click();
      await page.locator('#main').getByText('Rosa Admin').first().waitFor();
      found.admin = await seriousViolations(page);
      assert.deepEqual(found, { queue: [], ticket: [], reports: [], admin: [] });
      assert.deepEqual(await page.problems(), []);
      await context.close();
    }));
  }

  test('the page has one h1 naming the console', withLogs(async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, hilo.url, 'root', pw);
    await queueItem(page, refs.anon).waitFor();
    assert.equal(await page.getByRole('heading', { level: 1 }).count(), 1);
    await context.close();
  }));

  test('queue rows: the accessible name contains all the visible text', withLogs(async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, hilo.url, 'root', pw);
    const norm = (x) => x.replace(/\s+/g, ' ').trim();
    for (const ref of [refs.anon, refs.named, refs.pending]) {
      const row = queueItem(page, ref);
      await row.waitFor();
      // The name as the accessibility tree has it: `- button "…"`.
      const snap = await row.ariaSnapshot();
      const name = norm(JSON.parse(/^- button ("(?:[^"\\]|\\.)*")/.exec(snap)[1]));
      const visible = norm(await row.evaluate((el) => el.innerText));
      assert.ok(name.includes(visible), `name "${name}" includes the visible "${visible}"`);
    }
    await context.close();
  }));

  test('the customer panel can be focused and is named', withLogs(async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, hilo.url, 'root', pw);
    await queueItem(page, refs.named).click();
    const panel = page.locator('.context');
    await panel.waitFor();
    assert.equal(await panel.getAttribute('tabindex'), '0');
    assert.ok(await panel.evaluate((el) => !!(el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'))));
    await panel.focus();
    assert.equal(await page.evaluate(() => document.activeElement.classList.contains('context')), true);
    await context.close();
  }));
});
