// Issue #13, team work on the queue: close without a reply (spam,
// duplicates: nothing reaches the customer, the thread says why), views of
// resolved and closed tickets (REST, updated live), and bulk actions on
// picked rows (assign to me, set pending, close without a reply). Real Hilo +
// Redis, Debian Chromium; axe-core on the queue with the bulk bar.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { HILO_BIN, startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs } from '../lib/harness.mjs';
import { launchBrowser, newPage, signIn, queueItem, CHROMIUM, suiteTimeout, waitUntil } from './lib/console-helpers.mjs';

if (!existsSync(HILO_BIN)) throw new Error(`no hilo binary at ${HILO_BIN}`);
if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}`);
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let seq = 0;
async function newTicket(hilo, name, text) {
  const cu = await customer(hilo, { locale: 'en', name });
  const id = `qa-${++seq}`;
  cu.send({ type: 'message', client_id: id, text });
  const ack = await cu.next((f) => f.type === 'ack' && f.client_id === id);
  return { cu, ref: ack.ticket };
}

describe('console: close without a reply, resolved/closed views, bulk actions (#13)', { timeout: suiteTimeout(150000) }, () => {
  let redis, hilo, browser;
  const pw = {};
  before(async () => {
    redis = await startRedis();
    hilo = await startHilo({ redisUrl: redis.url, args: ['--session-ttl', '3600'] });
    pw.ana = await addAgent(hilo, 'ana', { display: 'Ana' });
    pw.bob = await addAgent(hilo, 'bob', { display: 'Bob' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await cleanup();
  });
  const summary = async (ref) => {
    const [status, reason, assignee] = (await redis.cli('HMGET', `hilo:{t:${ref}}:tk`, 'status', 'close_reason', 'assignee')).split('\n');
    return { status, close_reason: reason, assignee };
  };

  test('close without a reply from the ticket; the Closed and Resolved views, live', withLogs(async () => {
    const dup = await newTicket(hilo, 'Dora Dup', 'same as my other ticket');
    const res = await newTicket(hilo, 'Rita Resolved', 'thanks for the help');
    const { context, page } = await newPage(browser);
    await signIn(page, hilo.url, 'ana', pw.ana);
    await queueItem(page, dup.ref).click();
    await page.locator('.thread [data-kind="message"]', { hasText: 'same as my other ticket' }).waitFor();
    await page.locator('[data-action="more"]').click(); // behind "More ▾" (#13)
    await page.locator('[data-action="close-quiet"]').click();
    const dlg = page.getByRole('dialog', { name: /Close without a reply/ });
    await dlg.waitFor();
    assert.match(await dlg.textContent(), /The customer gets no message/);
    await dlg.getByLabel('Duplicate').check();
    await dlg.locator('[data-action="close-quiet-go"]').click();
    await dlg.waitFor({ state: 'detached' });
    await page.locator('.thread .ev-sys', { hasText: 'Ana closed it without a reply: Duplicate' }).waitFor();
    await queueItem(page, dup.ref).waitFor({ state: 'detached' });
    const s = await summary(dup.ref);
    assert.deepEqual([s.status, s.close_reason], ['closed', 'duplicate']);
    await dup.cu.none((f) => f.type === 'event' && ['reply', 'resolution', 'message'].includes(f.event.kind) && f.event.author?.role === 'agent', 300);
    await page.locator('[data-action="more"]').click();
    await page.locator('[data-action="transfer"]').waitFor();
    assert.equal(await page.locator('[data-action="close-quiet"]').count(), 0, 'a closed ticket has no close action');
    assert.equal(await page.locator('[data-action="reopen"]').count(), 0, 'nor a Reopen the server would refuse');
    await page.keyboard.press('Escape');
    await page.locator('.more-menu').waitFor({ state: 'detached' });

    // Closed view (REST), then Resolved, updated live
    const status = page.getByLabel('Status', { exact: true });
    await status.selectOption('closed');
    await queueItem(page, dup.ref).waitFor();
    assert.match(await queueItem(page, dup.ref).textContent(), /Closed \d/);
    assert.equal(await queueItem(page, res.ref).count(), 0);
    await status.selectOption('resolved');
    await page.locator('.qlist, .queue .empty').first().waitFor();
    assert.equal(await queueItem(page, res.ref).count(), 0);
    const bob = await agent(hilo, 'bob', pw.bob);
    bob.send({ type: 'resolve', ticket: res.ref, client_id: 'qa-res', text: 'Glad it works' });
    await queueItem(page, res.ref).waitFor(); // live: entered the view
    assert.match(await queueItem(page, res.ref).textContent(), /Resolved \d/);
    await bob.request({ type: 'status', ticket: res.ref, status: 'open' });
    await queueItem(page, res.ref).waitFor({ state: 'detached' }); // reopened: left it
    await status.selectOption('all');
    await queueItem(page, res.ref).waitFor();
    await bob.close();
    assert.deepEqual(await page.problems(), []);
    await context.close();
  }));

  test('bulk: pick rows, assign to me, set pending, close as spam; names and axe', withLogs(async () => {
    const ts = [];
    for (const n of ['Bulk One', 'Bulk Two', 'Bulk Three']) ts.push(await newTicket(hilo, n, `hello from ${n}`));
    const { context, page } = await newPage(browser);
    await signIn(page, hilo.url, 'ana', pw.ana);
    for (const x of ts) await queueItem(page, x.ref).waitFor();
    const pick = (ref) => page.locator(`[data-pick="${ref}"]`);
    assert.equal(await page.locator('[data-bulk]').count(), 0);
    await pick(ts[0].ref).check();
    await pick(ts[1].ref).check();
    const bar = page.getByRole('toolbar', { name: 'Bulk actions' });
    await bar.locator('text=2 selected').waitFor();
    assert.match(await pick(ts[0].ref).getAttribute('aria-label'), /^Select Bulk One \d{4} \d{4}/);
    // axe on the queue with the bulk bar
    await page.evaluate(AXE_SOURCE);
    const ax = await page.evaluate(() => window.axe.run(document.querySelector('.queue'), { resultTypes: ['violations'] }));
    assert.deepEqual(ax.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id), []);

    await bar.locator('[data-action="bulk-assign-me"]').click();
    await page.locator('.toast', { hasText: 'Done for 2 tickets.' }).waitFor();
    await waitUntil(async () => (await summary(ts[0].ref)).assignee === 'ana' && (await summary(ts[1].ref)).assignee === 'ana', 'both assigned');
    assert.equal((await summary(ts[2].ref)).assignee || '', '');
    await bar.waitFor({ state: 'detached' }); // done: nothing picked any more

    await page.locator('[data-pick-all]').check();
    await bar.locator(`text=${await page.locator('.qlist .qi').count()} selected`).waitFor();
    await bar.locator('[data-action="bulk-pending"]').click();
    await waitUntil(async () => {
      for (const x of ts) if ((await summary(x.ref)).status !== 'pending') return false;
      return true;
    }, 'all pending');

    await pick(ts[1].ref).check();
    await pick(ts[2].ref).check();
    await bar.locator('[data-action="bulk-close"]').click();
    const dlg = page.getByRole('dialog', { name: 'Close 2 tickets without a reply' });
    await dlg.waitFor();
    assert.equal(await dlg.getByLabel('Spam').isChecked(), true);
    await dlg.locator('[data-action="close-quiet-go"]').click();
    await dlg.waitFor({ state: 'detached' });
    for (const x of [ts[1], ts[2]]) {
      await queueItem(page, x.ref).waitFor({ state: 'detached' });
      const s = await summary(x.ref);
      assert.deepEqual([s.status, s.close_reason], ['closed', 'spam']);
    }
    assert.equal((await summary(ts[0].ref)).status, 'pending');
    for (const x of ts) await x.cu.none((f) => f.type === 'event' && ['reply', 'resolution', 'message'].includes(f.event.kind) && f.event.author?.role === 'agent', 200);
    assert.deepEqual(await page.problems(), []);
    await context.close();

    // Spanish
    const es = await newPage(browser, { locale: 'es-ES' });
    await signIn(es.page, hilo.url, 'ana', pw.ana);
    await queueItem(es.page, ts[0].ref).waitFor();
    await es.page.locator(`[data-pick="${ts[0].ref}"]`).check();
    const barEs = es.page.getByRole('toolbar', { name: 'Acciones en bloque' });
    await barEs.locator('text=1 seleccionado').waitFor();
    await barEs.getByRole('button', { name: 'Cerrar sin responder…' }).click();
    await es.page.getByRole('dialog', { name: 'Cerrar 1 caso sin responder' }).waitFor();
    await es.page.keyboard.press('Escape');
    await es.context.close();
  }));
});
