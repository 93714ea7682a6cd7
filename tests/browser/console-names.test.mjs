// Issue #13 (names and channels): customer ids never show as authors once a
// name is known; anonymous queue rows show the reference once; assignments
// show display names; notes carry no channel badge; "Channels in this
// thread" counts the customer's messages only. Real Hilo + Redis, Chromium.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { HILO_BIN, startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs } from '../lib/harness.mjs';
import { launchBrowser, newPage, signIn, queueItem, CHROMIUM, suiteTimeout } from './lib/console-helpers.mjs';

if (!existsSync(HILO_BIN)) throw new Error(`no hilo binary at ${HILO_BIN}`);
if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}`);

const fmtRef = (ref) => String(ref).replace(/(\d{4})(?=\d)/g, '$1 ');

describe('console names and channel badges (#13)', { timeout: suiteTimeout(120000) }, () => {
  let redis, hilo, browser;
  const pw = {};
  before(async () => {
    redis = await startRedis();
    hilo = await startHilo({ redisUrl: redis.url });
    pw.root = await addAgent(hilo, 'root', { display: 'Rosa Admin', admin: true });
    pw.ana = await addAgent(hilo, 'ana', { display: 'Ana López' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await cleanup();
  });

  test('authors by name, anonymous rows, display names, note badges, channel counts', withLogs(async () => {
    // a visitor writes before giving a name, then comes back named
    const cu = await customer(hilo, { locale: 'en' });
    cu.send({ type: 'message', client_id: 'm-1', text: 'first, anonymous' });
    const ref = (await cu.next((f) => f.type === 'ack' && f.client_id === 'm-1')).ticket;
    const custId = cu.welcome.customer;
    await cu.close();
    const named = await customer(hilo, { locale: 'en', token: cu.token, name: 'Lucía Pérez' });
    await named.close();
    // another visitor who never gives a name
    const anon = await customer(hilo, { locale: 'en' });
    anon.send({ type: 'message', client_id: 'm-1', text: 'nameless' });
    const anonRef = (await anon.next((f) => f.type === 'ack')).ticket;

    const root = await agent(hilo, 'root', pw.root);
    assert.equal((await root.request({ type: 'assign', ticket: ref, agent: 'ana' })).type, 'ok');
    await root.close();

    const { page } = await newPage(browser);
    await signIn(page, hilo.url, 'root', pw.root);

    // the anonymous row: a label, and the reference exactly once
    const arow = queueItem(page, anonRef);
    await arow.waitFor();
    const atext = await arow.innerText();
    assert.equal(atext.split(fmtRef(anonRef)).length - 1, 1, `reference shown once: ${atext}`);
    assert.match(await arow.locator('.qi-name').innerText(), /Anonymous visitor/);

    await queueItem(page, ref).click();
    await page.locator('.thread .ev-message').first().waitFor();
    const authors = await page.locator('.thread .ev-author').allInnerTexts();
    assert.ok(authors.length >= 1);
    for (const a of authors) assert.ok(!a.includes(custId), `raw id as author: ${a}`);
    assert.equal(await page.locator('.thread .ev-message .ev-author').first().innerText(), 'Lucía Pérez');
    // the name reaches the queue row once the thread is known
    await page.waitForFunction((r) => document.querySelector(`.qi[data-ref="${r}"] .qi-name`)?.textContent.includes('Lucía Pérez'), ref);

    // assignments by display name
    await page.waitForFunction(() => /Assigned to Ana López/.test(document.querySelector('.th-assignee')?.textContent || ''));
    assert.match(await page.locator('.thread .ev-sys[data-kind="assign"]').innerText(), /Ana López/);
    assert.doesNotMatch(await page.locator('.thread .ev-sys[data-kind="assign"]').innerText(), /\bana\b/);

    // a note: no channel badge; a web reply: a Web badge
    await page.locator('[data-mode="note"]').click();
    await page.locator('#composer-text').fill('internal only');
    await page.locator('[data-send="note"]').click();
    await page.locator('.thread .ev-note:not(.ev-pending)').waitFor();
    assert.equal(await page.locator('.thread .ev-note:not(.ev-pending) .badge.ch').count(), 0);
    await page.locator('[data-mode="reply"]').click();
    await page.locator('#composer-text').fill('hello from us');
    await page.locator('[data-send="reply"]').click();
    await page.locator('.thread .ev-reply:not(.ev-pending)').waitFor();
    assert.equal(await page.locator('.thread .ev-reply:not(.ev-pending) .badge.ch').innerText(), 'Web');

    // channels in this thread: the customer's one message, not our reply and note
    await page.waitForFunction(() => document.querySelector('.context')?.textContent.includes('×1'));
    assert.ok(!(await page.locator('.context').innerText()).includes('×2'));
    assert.deepEqual(await page.problems(), []);
    await anon.close();
  }));
});
