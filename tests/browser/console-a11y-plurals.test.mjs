// Counts in words in the console are grammatical in both languages
// ("1 caso", not "1 casos"): queue, reports, admin and search, at 1 and at 2.
// Real Hilo + Redis, Debian's Chromium through playwright-core.
//
//   HILO_BIN=$PWD/build/hilo node --test --test-concurrency=1 tests/browser/console-a11y-plurals.test.mjs
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import {
  HILO_BIN, startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs,
} from '../lib/harness.mjs';
import { launchBrowser, newPage, signIn, queueItem, CHROMIUM, suiteTimeout } from './lib/console-helpers.mjs';

// scripts/setup --test installs both: a missing one is a broken setup, and
// that must fail, never skip (a skipped test cannot fail)
if (!existsSync(HILO_BIN)) throw new Error(`no hilo binary at ${HILO_BIN}`);
if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}`);
const skip = false;
const norm = (x) => x.replace(/\s+/g, ' ').trim();

let seq = 0;
async function newTicket(hilo, text, name) {
  const cu = await customer(hilo, { locale: 'en', name });
  const id = `pl-${++seq}`;
  cu.send({ type: 'message', client_id: id, text });
  const ack = await cu.next((f) => f.type === 'ack' && f.client_id === id);
  return ack.ticket;
}

describe('console plurals', { skip, timeout: suiteTimeout(120000) }, () => {
  let redis; let hilo; let browser; let pw; const refs = [];

  before(async () => {
    redis = await startRedis();
    hilo = await startHilo({ redisUrl: redis.url, args: ['--session-ttl', '3600'] });
    pw = await addAgent(hilo, 'root', { display: 'Rosa Admin', admin: true });
    refs.push(await newTicket(hilo, 'One kettle please', 'Kettle Buyer'));
    const a = await agent(hilo, 'root', pw);
    a.send({ type: 'reply', ticket: refs[0], client_id: 'pl-r1', text: 'On its way.' });
    await a.next('ack');
    await a.close();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await cleanup();
  });

  // What the console shows for one ticket, one agent, one answered ticket.
  async function texts(page) {
    const out = {};
    await queueItem(page, refs[refs.length - 1]).waitFor();
    out.queue = norm(await page.locator('.queue .pane-head .muted').textContent());
    await page.locator('[data-nav="reports"]').click();
    await page.locator('[data-stat="tickets"] .big-num').waitFor();
    out.status = norm(await page.locator('[data-stat="tickets"] .stat-sub').textContent());
    out.over = norm(await page.locator('[data-stat="first-response"] .stat-sub .muted').textContent());
    out.switches = norm(await page.locator('[data-stat="switches"] .stat-sub').textContent());
    await page.locator('[data-nav="admin"]').click();
    await page.locator('.admin tr[data-agent="root"]').waitFor();
    out.admin = norm(await page.locator('.admin .screen-head .muted').textContent());
    await page.locator('#search-q').fill('kettle');
    await page.locator('#search-q').press('Enter');
    await page.locator('[data-search-status]', { hasText: /\d/ }).waitFor();
    out.search = norm(await page.locator('[data-search-status]').textContent());
    await page.locator('[data-nav="queue"]').click();
    return out;
  }

  test('one of each: singular in English and Spanish', withLogs(async () => {
    for (const [locale, want] of [
      ['en-US', {
        queue: '1 ticket', status: 'Status now: 1 open · 0 pending · 0 resolved · 0 closed', over: '· over 1 ticket',
        switches: '0 switches · 0 tickets · 0 per ticket', admin: '1 agent', search: '1 ticket for “kettle”',
      }],
      ['es-ES', {
        queue: '1 caso', status: 'Estado actual: 1 abierto · 0 pendientes · 0 resueltos · 0 cerrados', over: '· sobre 1 caso',
        switches: '0 cambios · 0 casos · 0 por caso', admin: '1 agente', search: '1 caso para «kettle»',
      }],
    ]) {
      const { context, page } = await newPage(browser, { locale });
      await signIn(page, hilo.url, 'root', pw);
      assert.deepEqual(await texts(page), want);
      await context.close();
    }
  }));

  test('two of each: plural in English and Spanish', withLogs(async () => {
    refs.push(await newTicket(hilo, 'A second kettle', 'Kettle Fan'));
    await addAgent(hilo, 'bea', { display: 'Bea' });
    const a = await agent(hilo, 'root', pw);
    a.send({ type: 'reply', ticket: refs[1], client_id: 'pl-r2', text: 'Sure.' });
    await a.next('ack');
    await a.close();
    for (const [locale, want] of [
      ['en-US', { queue: '2 tickets', status: 'Status now: 2 open · 0 pending · 0 resolved · 0 closed', over: '· over 2 tickets', admin: '2 agents', search: '2 tickets for “kettle”' }],
      ['es-ES', { queue: '2 casos', status: 'Estado actual: 2 abiertos · 0 pendientes · 0 resueltos · 0 cerrados', over: '· sobre 2 casos', admin: '2 agentes', search: '2 casos para «kettle»' }],
    ]) {
      const { context, page } = await newPage(browser, { locale });
      await signIn(page, hilo.url, 'root', pw);
      const got = await texts(page);
      delete got.switches;
      assert.deepEqual(got, want);
      await context.close();
    }
  }));
});
