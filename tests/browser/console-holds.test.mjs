// Browser test of held joins where people work (docs/continuity.md): the
// widget shows the code of a held join (web/widget/src/ui.js Verify); the
// code typed on WhatsApp joins the number. The console's context card lists
// the case's held joins with Approve / Reject (web/console/src/holds.js) and
// each identity of the customer with its evidence (customer-merge.js).
// Each step is checked in Redis, not only on the page. Signed WhatsApp
// webhooks (Meta HMAC) against a real Hilo.
//
//   HILO_BIN=$PWD/build/hilo node --test --test-concurrency=1 tests/browser/console-holds.test.mjs
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { HILO_BIN, startRedis, startHilo, addAgent, cleanup, withLogs } from '../lib/harness.mjs';
import { startFakeProvider, channelArgs } from '../lib/fake-provider.mjs';
import { waText, identOf, waitFor } from '../lib/holds.mjs';
import { launchBrowser, newPage, signIn, queueItem, CHROMIUM, suiteTimeout } from './lib/console-helpers.mjs';

if (!existsSync(HILO_BIN)) throw new Error(`no hilo binary at ${HILO_BIN}`);
if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}`);

const T = 15000;

describe('held joins: widget code, console approve / reject, evidence', { timeout: suiteTimeout(150000) }, () => {
  let redis, fake, hilo, browser, pw;
  before(async () => {
    redis = await startRedis();
    fake = await startFakeProvider();
    hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake, { only: ['whatsapp'] }) });
    pw = await addAgent(hilo, 'ana', { display: 'Ana' });
    browser = await launchBrowser();
  });
  after(async () => { await browser?.close().catch(() => {}); await cleanup(); await fake?.close(); });

  test('the widget shows the code; the console approves one held join and rejects another; identities show their evidence', withLogs(async () => {
    // the customer on the demo shop's widget
    const { page: shop } = await newPage(browser);
    await shop.goto(`${hilo.url}/`);
    const w = shop.locator('hilo-widget');
    await w.locator('.launcher').waitFor({ state: 'visible', timeout: T });
    if (!await w.locator('.panel').isVisible()) await w.locator('.launcher').click();
    await w.locator('textarea').fill('My espresso machine leaks water');
    await w.locator('textarea').press('Enter');
    const ack = w.locator('[data-kind="ack"]').first();
    await ack.waitFor({ timeout: T });
    const ref = await ack.locator('[data-ref]').getAttribute('data-ref');
    const cid = await redis.cli('HGET', `hilo:{t:${ref}}:tk`, 'customer');
    assert.ok(cid, 'no customer for the widget ticket');

    // 1. WhatsApp quotes the case: the open widget shows the code, the customer types it on WhatsApp
    const n1 = '16505554101';
    await waText(hilo, n1, `It's me on WhatsApp, case ${ref}`);
    const verify = w.locator('[data-part="verify"]');
    await verify.waitFor({ timeout: T });
    assert.equal(await verify.getAttribute('role'), 'alert');
    assert.match(await verify.textContent(), /WhatsApp \*\*\*4101/);
    const code = (await w.locator('[data-part="verify-code"]').textContent()).trim();
    assert.match(code, /^\d{6}$/);
    assert.equal(await identOf(redis, `phone:+${n1}`), '', 'linked before the code came back');
    await waText(hilo, n1, code);
    await waitFor(async () => (await identOf(redis, `phone:+${n1}`)) === cid, 'the number joined with the code');
    await w.locator('.log').getByText(`It's me on WhatsApp, case ${ref}`).waitFor({ timeout: T });
    await verify.locator('.verify-dismiss').click();
    await verify.waitFor({ state: 'detached', timeout: T });

    // 2. the agent's console: two more numbers ask to join; one approved, one rejected
    const { page } = await newPage(browser);
    await signIn(page, hilo.url, 'ana', pw);
    await queueItem(page, ref).click();
    const held = page.locator(`.held-joins[data-ref="${ref}"]`);
    await held.waitFor({ timeout: T });
    const n2 = '16505554102', n3 = '16505554103';
    await waText(hilo, n2, 'Soy el marido, caso ' + ref, { name: 'Pablo' });
    await waText(hilo, n3, 'let me in to ' + ref, { name: 'Mallory' });
    const li2 = held.locator(`li[data-identity="phone:+${n2}"]`);
    const li3 = held.locator(`li[data-identity="phone:+${n3}"]`);
    await li2.waitFor({ timeout: T });
    await li3.waitFor({ timeout: T });
    assert.match(await li2.textContent(), /Soy el marido/);
    assert.match(await li2.textContent(), /whatsapp/);
    await held.locator('.hj-attempts').waitFor({ timeout: T });
    await li2.locator('.hj-approve').click();
    await li2.waitFor({ state: 'detached', timeout: T });
    await waitFor(async () => (await identOf(redis, `phone:+${n2}`)) === cid, 'approved number linked');
    await li3.locator('.hj-reject').click();
    await li3.waitFor({ state: 'detached', timeout: T });
    const h3 = (await redis.cli('GET', `hilo:holdby:phone:+${n3}`)).trim();
    assert.equal(h3, '', 'the rejected hold is still pending');
    assert.equal(await identOf(redis, `phone:+${n3}`), '', 'a rejected number was linked');

    // the case keeps the decided ones: two joined (code, agent), one rejected
    await held.locator('.hj-decided li[data-status="rejected"]').waitFor({ timeout: T });
    assert.equal(await held.locator('.hj-decided li[data-status="joined"]').count(), 2);
    assert.match(await held.locator('.hj-decided').textContent(), /code confirmed/);

    // 3. each identity with its evidence
    const ids = page.locator(`.customer-merge[data-customer="${cid}"] .cm-ids`);
    const how = (ident) => ids.locator(`li[data-identity="${ident}"] .cm-how`);
    await how(`phone:+${n1}`).waitFor({ timeout: T });
    assert.equal(await how(`phone:+${n1}`).getAttribute('data-how'), 'code');
    await how(`phone:+${n2}`).waitFor({ timeout: T });
    assert.equal(await how(`phone:+${n2}`).getAttribute('data-how'), 'agent');
    assert.match(await how(`phone:+${n2}`).textContent(), /approved by an agent · ana/);
    const web = (await redis.cli('SMEMBERS', `hilo:{c:${cid}}:ids`)).split('\n').find((i) => i.startsWith('web:'));
    assert.equal(await how(web).getAttribute('data-how'), 'token');
    assert.equal(await ids.locator(`li[data-identity="phone:+${n3}"]`).count(), 0);
    assert.deepEqual(await page.problems(), [], 'no page errors or CSP violations (console)');
    assert.deepEqual(await shop.problems(), [], 'no page errors or CSP violations (widget)');
  }));
});
