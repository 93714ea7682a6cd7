// Issue #13: labels on tickets in the console: edited in the ticket header,
// shown there and in the queue row (live, also when another agent changes
// them), an internal line in the thread, and a queue filter. Real Hilo +
// Redis, Debian Chromium.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { HILO_BIN, startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs } from '../lib/harness.mjs';
import { launchBrowser, newPage, signIn, queueItem, CHROMIUM, suiteTimeout } from './lib/console-helpers.mjs';
import { parseTags, tagsOf } from '../../web/console/src/tagutil.js';

if (!existsSync(HILO_BIN)) throw new Error(`no hilo binary at ${HILO_BIN}`);
if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}`);

test('parseTags splits on commas and spaces, lower-cases, keeps each once', () => {
  assert.deepEqual(parseTags(' VIP, refund  late,vip'), ['vip', 'refund', 'late']);
  assert.deepEqual(parseTags(''), []);
  assert.deepEqual(tagsOf({ tags: 'a,b' }), ['a', 'b']);
  assert.deepEqual(tagsOf({ tags: '' }), []);
  assert.deepEqual(tagsOf({}), []);
});

describe('console labels (#13)', { timeout: suiteTimeout(120000) }, () => {
  let redis, hilo, browser;
  const pw = {};
  before(async () => {
    redis = await startRedis();
    hilo = await startHilo({ redisUrl: redis.url });
    pw.ana = await addAgent(hilo, 'ana', { display: 'Ana' });
    pw.bob = await addAgent(hilo, 'bob', { display: 'Bob' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await cleanup();
  });

  async function newTicket(name, text, cid) {
    const cu = await customer(hilo, { locale: 'en', name });
    cu.send({ type: 'message', client_id: cid, text });
    return { cu, ref: (await cu.next((f) => f.type === 'ack' && f.client_id === cid)).ticket };
  }

  test('label a ticket, see it live, filter the queue by it', withLogs(async () => {
    const one = await newTicket('Vera Vip', 'refund for order 1', 'tg-1');
    const two = await newTicket('Otto Other', 'just a question', 'tg-2');
    const { context, page } = await newPage(browser);
    await signIn(page, hilo.url, 'ana', pw.ana);
    await queueItem(page, one.ref).click();
    await page.locator('.thread [data-kind="message"]').waitFor();
    await page.getByRole('button', { name: '+ Label' }).click();
    const input = page.getByLabel('Labels');
    // focus moves to the field once it is rendered
    await page.waitForFunction(() => document.activeElement?.id === 'tag-input', null, { timeout: 10000 });
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'tag-input');
    await input.fill('VIP, refund');
    await input.press('Enter');
    await page.locator('.ticket-head [data-tags="vip,refund"]').waitFor();
    await queueItem(page, one.ref).locator('[data-tags="vip,refund"]').waitFor();
    await page.locator('.thread .ev-sys', { hasText: 'Ana set the labels: vip, refund' }).waitFor();
    assert.equal(await redis.cli('HGET', `hilo:{t:${one.ref}}:tk`, 'tags'), 'vip,refund');
    await one.cu.none((f) => f.type === 'event' && f.event.kind === 'tags', 200);

    // Bob labels the other ticket: the row shows it at once
    const bob = await agent(hilo, 'bob', pw.bob);
    assert.equal((await bob.request({ type: 'tags', ticket: two.ref, tags: ['question'] })).type, 'ok');
    await queueItem(page, two.ref).locator('[data-tags="question"]').waitFor();
    // and changes ours while Ana has it open
    assert.equal((await bob.request({ type: 'tags', ticket: one.ref, tags: ['vip'] })).type, 'ok');
    await page.locator('.ticket-head [data-tags="vip"]').waitFor();
    await page.locator('.thread .ev-sys', { hasText: 'Bob set the labels: vip' }).waitFor();
    await bob.close();

    // filter by label
    const filter = page.getByLabel('Label', { exact: true });
    assert.deepEqual(await filter.locator('option').evaluateAll((els) => els.map((e) => e.value)), ['all', 'question', 'vip']);
    await filter.selectOption('question');
    await queueItem(page, one.ref).waitFor({ state: 'detached' });
    assert.equal(await page.locator('.qlist .qi').count(), 1);
    await filter.selectOption('all');
    await queueItem(page, one.ref).waitFor();

    // clear: Esc cancels, an empty list removes them
    await page.locator('[data-action="edit-tags"]').click();
    await input.press('Escape');
    await page.locator('#tag-input').waitFor({ state: 'detached' });
    await page.locator('[data-action="edit-tags"]').click();
    await input.fill('');
    await input.press('Enter');
    await page.locator('.thread .ev-sys', { hasText: 'Ana removed the labels' }).waitFor();
    await page.locator('.ticket-head [data-tags]').waitFor({ state: 'detached' });
    assert.deepEqual(await page.problems(), []);
    await context.close();

    const es = await newPage(browser, { locale: 'es-ES' });
    await signIn(es.page, hilo.url, 'ana', pw.ana);
    await queueItem(es.page, two.ref).click();
    await es.page.getByRole('button', { name: 'Editar etiquetas: question' }).waitFor();
    await es.page.getByLabel('Etiqueta', { exact: true }).waitFor();
    await es.context.close();
  }));
});
