// Issue #13 "Team settings on the server": an admin edits a team's canned
// response and waiting-time thresholds on the admin page; an agent of that
// team, in another browser context (nothing shared but the server), gets the
// canned response in the composer and queue colours that follow the
// thresholds. Neither is kept in the browser's localStorage any more.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { HILO_BIN, startRedis, startHilo, addAgent, customer, cleanup, withLogs, httpGet } from '../lib/harness.mjs';
import { loginCookie } from '../lib/fake-provider.mjs';
import { launchBrowser, newPage, signIn, queueItem, suiteTimeout, unnamedControls, CHROMIUM } from './lib/console-helpers.mjs';

if (!existsSync(HILO_BIN)) throw new Error(`no hilo binary at ${HILO_BIN}`);
if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}`);

const fmtRef = (ref) => String(ref).replace(/(\d{4})(?=\d)/g, '$1 ');

describe('team settings in the console', { timeout: suiteTimeout(120000) }, () => {
  let redis, hilo, browser;
  const pw = {};

  before(async () => {
    redis = await startRedis();
    hilo = await startHilo({ redisUrl: redis.url, args: ['--session-ttl', '3600'] });
    pw.root = await addAgent(hilo, 'root', { display: 'Root', admin: true });
    pw.ana = await addAgent(hilo, 'ana', { display: 'Ana' });
    const ck = await loginCookie(hilo, 'root', pw.root);
    const r = await httpGet(`${hilo.url}/api/v1/agents/ana`, {
      method: 'PATCH', headers: { cookie: ck, 'content-type': 'application/json' }, body: JSON.stringify({ team: 'billing' }),
    });
    assert.equal(r.status, 200, r.body);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await cleanup();
  });

  test('an admin edits canned responses and thresholds; an agent of the team sees them', withLogs(async () => {
    // the admin, in one browser context
    const adm = await newPage(browser);
    await signIn(adm.page, hilo.url, 'root', pw.root);
    await adm.page.locator('[data-nav="admin"]').click();
    const section = adm.page.locator('section.team-settings');
    await section.getByLabel('Team', { exact: true }).selectOption('billing');
    const form = section.locator('form[data-team-settings="billing"]');
    await form.waitFor();
    assert.equal(await form.getByLabel('Amber after (minutes)').inputValue(), '5', 'the defaults first');
    // the marks come with the team's own settings (GET /team-settings/billing): wait for them
    await form.locator('[data-inherited]').nth(2).waitFor({ timeout: 15000 });
    assert.equal(await form.locator('[data-inherited]').count(), 3, 'every section says it comes from the default team');
    await form.getByLabel('Amber after (minutes)').fill('2');
    await form.getByLabel('Red after (minutes)').fill('4');
    await form.getByLabel('Title 1', { exact: true }).fill('Refund policy');
    await form.getByLabel('Text 1', { exact: true }).fill('Hi {{name}}, refunds for {{ref}} take five days.');
    assert.deepEqual(await unnamedControls(adm.page), [], 'every control on the admin page has an accessible name');
    await form.getByRole('button', { name: 'Save team settings' }).click();
    await adm.page.getByText('Settings of billing saved').waitFor();
    const saved = JSON.parse(await redis.cli('HGET', 'hilo:team:settings', 'billing'));
    assert.deepEqual(saved.thresholds, { amber_minutes: 2, red_minutes: 4 });
    assert.equal(saved.canned[0].title, 'Refund policy');
    assert.equal(saved.templates, undefined, 'templates the team inherits and the admin left alone are not copied as its own');
    await form.locator('[data-inherited="canned"]').waitFor({ state: 'detached' });
    assert.deepEqual(await form.locator('[data-inherited]').evaluateAll((els) => els.map((e) => e.dataset.inherited)), ['templates']);
    assert.deepEqual(await adm.page.problems(), []);

    // a customer writes; the agent of the team, in another browser context
    const cu = await customer(hilo, { name: 'Marta', locale: 'en' });
    cu.send({ type: 'message', client_id: 'ts-1', text: 'Where is my refund?' });
    const ref = (await cu.next('ack')).ticket;
    const ag = await newPage(browser);
    const { page } = ag;
    await page.clock.install();
    await signIn(page, hilo.url, 'ana', pw.ana);
    const item = queueItem(page, ref);
    await item.waitFor();
    assert.match(await item.getAttribute('class'), /wait-ok/);
    await page.clock.fastForward('02:30');
    await page.locator(`.qi.wait-amber[data-ref="${ref}"]`).waitFor();
    await page.clock.fastForward('02:00');
    await page.locator(`.qi.wait-red[data-ref="${ref}"]`).waitFor();

    await item.click();
    const picker = page.getByLabel('Canned response');
    await picker.waitFor();
    const titles = await picker.locator('option').allTextContents();
    assert.ok(titles.includes('Refund policy'), `the team's canned response is offered: ${titles}`);
    await picker.selectOption({ label: 'Refund policy' });
    assert.equal(await page.locator('#composer-text').inputValue(), `Hi Marta, refunds for ${fmtRef(ref)} take five days.`);

    // nothing of it in the browser: the personal settings only
    const local = await page.evaluate(() => localStorage.getItem('hilo.console.v1'));
    for (const k of ['canned', 'amberMin', 'redMin']) assert.ok(!(local || '').includes(`"${k}"`), `${k} not in localStorage: ${local}`);
    assert.deepEqual(await page.problems(), []);
    await adm.context.close();
    await ag.context.close();
  }));
});
