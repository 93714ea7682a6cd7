// Browser test of the console's merge panel (web/console/src/customer-merge.js)
// against a real Hilo and Redis: a suggestion for two visitors who typed the
// same email is accepted (the merge runs), the merge is undone from the
// history, and an identity is blocked and unblocked. Each step is checked in
// Redis, not only on the page.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { HILO_BIN, startRedis, startHilo, addAgent, customer, cleanup, withLogs } from '../lib/harness.mjs';
import { launchBrowser, newPage, signIn, queueItem, CHROMIUM, suiteTimeout } from './lib/console-helpers.mjs';

if (!existsSync(HILO_BIN)) throw new Error(`no hilo binary at ${HILO_BIN}`);
if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}`);

let seq = 0;
const cid = () => `m-${Date.now()}-${++seq}`;

describe('console: merge, undo and blocking', { timeout: suiteTimeout(120000) }, () => {
  let redis, hilo, browser, pw;
  before(async () => {
    redis = await startRedis();
    hilo = await startHilo({ redisUrl: redis.url });
    pw = await addAgent(hilo, 'ana', { display: 'Ana' });
    browser = await launchBrowser();
  });
  after(async () => { await browser?.close().catch(() => {}); await cleanup(); });

  test('accept a suggestion, undo the merge, block and unblock an identity', withLogs(async () => {
    const email = `${cid()}@example.com`;
    const c1 = await customer(hilo, { email, name: 'Noa' });
    const c2 = await customer(hilo, { email, name: 'Noa' });
    const A = c1.welcome.customer, B = c2.welcome.customer;
    for (const c of [c1, c2]) {
      c.send({ type: 'message', client_id: cid(), text: `hello from ${c.welcome.customer}` });
      await c.next('ack');
    }
    const refB = await redis.cli('HGET', `hilo:{c:${B}}:cu`, 'cur');
    const { page } = await newPage(browser);
    await signIn(page, hilo.url, 'ana', pw);
    await queueItem(page, refB).click();
    const panel = page.locator(`.customer-merge[data-customer="${B}"]`);
    await panel.waitFor();

    // the suggestion names A; accepting merges A into B
    const sugg = panel.locator(`.cm-sugg li[data-other="${A}"]`);
    await sugg.waitFor();
    assert.equal(await redis.cli('HGET', `hilo:{c:${A}}:cu`, 'merged_into'), '', 'nothing merged by itself');
    await sugg.locator('.cm-accept').click();
    const row = panel.locator('.cm-history li').first();
    await row.locator('.cm-undo').waitFor();
    assert.equal(await redis.cli('HGET', `hilo:{c:${A}}:cu`, 'merged_into'), B);
    const mid = await row.getAttribute('data-merge');

    // undo from the history
    await row.locator('.cm-undo').click();
    await panel.locator(`.cm-history li[data-merge="${mid}"] .pill`).waitFor();
    assert.equal(await redis.cli('HGET', `hilo:{c:${A}}:cu`, 'merged_into'), '');
    assert.match(await redis.cli('HGET', 'hilo:merge:recs', mid), /"state":"undone"/);

    // block B's web identity, then unblock it
    const ident = (await redis.cli('SMEMBERS', `hilo:{c:${B}}:ids`)).split('\n').filter(Boolean)[0];
    const li = panel.locator(`.cm-ids li[data-identity="${ident}"]`);
    await li.locator('.cm-block').click();
    await li.locator('.cm-blocked').waitFor();
    assert.match(await redis.cli('HGET', 'hilo:blocked', ident), /"by":"ana"/);
    await li.locator('.cm-block').click();
    await li.locator('.cm-blocked').waitFor({ state: 'detached' });
    assert.equal(await redis.cli('HEXISTS', 'hilo:blocked', ident), '0');
    assert.deepEqual(await page.problems(), [], 'no page errors or CSP violations');
    c1.close(); c2.close();
  }));
});
