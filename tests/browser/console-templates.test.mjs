// Issue #13 "a WhatsApp template picker in the composer" and team settings
// completion. An agent signed in before anything is set up; an admin, in
// another browser context, adds an approved template on the admin page and
// the agent's composer offers it at once (frame team_settings, no new
// sign-in). The agent picks it on a WhatsApp ticket, fills the parameter,
// sees the preview, sends: the fake Graph API gets a template message and the
// thread shows the text. Then the admin deletes the team's settings (with
// confirmation) and the agent's picker has none again.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { HILO_BIN, startRedis, startHilo, addAgent, agent, cleanup, withLogs } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, newWamid, isTicket,
} from '../lib/fake-provider.mjs';
import { launchBrowser, newPage, signIn, queueItem, suiteTimeout, unnamedControls, screenshot, CHROMIUM } from './lib/console-helpers.mjs';

if (!existsSync(HILO_BIN)) throw new Error(`no hilo binary at ${HILO_BIN}`);
if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}`);

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
// Serious and critical axe violations inside selector (as in a11y.test.mjs).
async function seriousViolations(page, selector) {
  if (!await page.evaluate(() => !!window.axe)) await page.evaluate(AXE_SOURCE);
  const res = await page.evaluate((sel) => window.axe.run(document.querySelector(sel), { resultTypes: ['violations'] }), selector);
  return res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)).join(', ')}`);
}

describe('WhatsApp templates in the console', { timeout: suiteTimeout(150000) }, () => {
  let redis, hilo, fake, browser;
  const pw = {};

  before(async () => {
    redis = await startRedis();
    fake = await startFakeProvider();
    fake.waTemplates = { 'order_shipped:en': 1 }; // approved at Meta
    hilo = await startHilo({ redisUrl: redis.url, args: [...channelArgs(fake, { only: ['whatsapp'] }), '--session-ttl', '604800'] });
    pw.root = await addAgent(hilo, 'root', { display: 'Root', admin: true });
    pw.ana = await addAgent(hilo, 'ana', { display: 'Ana' });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await cleanup();
    await fake?.close();
  });

  test('an admin adds a template; a signed-in agent picks it, fills it, sends it; the admin deletes the settings', withLogs(async () => {
    // a WhatsApp customer writes
    const watcher = await agent(hilo, 'root', pw.root);
    await watcher.request({ type: 'queue.watch' });
    const num = '16505557701';
    assert.equal((await waPost(hilo, waEnvelope([waMessages([{ from: num, id: newWamid(), text: 'where is my parcel?' }])]))).status, 200);
    const ref = (await watcher.next(isTicket((t) => t.last_text === 'where is my parcel?'), 8000)).ticket.ref;
    await fake.waitFor(fake.whatsapp, (r) => r.body.to === `+${num}` && r.body.type === 'text'); // the ack
    await watcher.close();

    // the agent signs in first and opens the ticket: no templates yet
    const ag = await newPage(browser);
    const { page } = ag;
    await page.clock.install();
    await signIn(page, hilo.url, 'ana', pw.ana);
    await queueItem(page, ref).click();
    await page.locator('.thread [data-kind="message"]', { hasText: 'where is my parcel?' }).waitFor();
    const open = page.getByRole('button', { name: 'Send an approved WhatsApp template' });
    await open.click();
    await page.getByText('No approved templates yet').waitFor();

    // the admin adds one on the admin page (default team)
    const adm = await newPage(browser);
    await signIn(adm.page, hilo.url, 'root', pw.root);
    await adm.page.locator('[data-nav="admin"]').click();
    const form = adm.page.locator('section.team-settings form[data-team-settings="default"]');
    await form.waitFor();
    await form.getByRole('button', { name: 'Add template' }).click();
    await form.getByLabel('Name 1', { exact: true }).fill('order_shipped');
    await form.getByLabel('Language 1', { exact: true }).fill('en');
    await form.getByLabel('Parameters 1', { exact: true }).fill('1');
    await form.getByLabel('Body 1', { exact: true }).fill('Your order {{1}} has shipped.');
    assert.deepEqual(await unnamedControls(adm.page), [], 'every control on the admin page has an accessible name');
    assert.deepEqual(await seriousViolations(adm.page, 'section.team-settings'), [], 'axe: team settings with a template');
    await form.getByRole('button', { name: 'Save team settings' }).click();
    await adm.page.getByText('Settings of default saved').waitFor();
    await screenshot(adm.page, 'templates-admin.png');
    const saved = JSON.parse(await redis.cli('HGET', 'hilo:team:settings', 'default'));
    assert.deepEqual(saved.templates, [{ name: 'order_shipped', language: 'en', body: 'Your order {{1}} has shipped.', params: 1 }]);

    // the agent's open picker offers it without signing in again
    const pick = page.getByLabel('Template', { exact: true });
    await pick.waitFor({ timeout: 10000 });
    // the window closes 24 h after the customer's message: the composer says
    // only a template reaches the customer there
    await page.clock.fastForward(25 * 3600 * 1000);
    await page.locator('[data-tpl-hint]').waitFor();
    await pick.selectOption({ label: 'order_shipped (en)' });
    const preview = page.locator('[data-tpl-preview]');
    assert.equal(await preview.textContent(), 'Your order {{1}} has shipped.');
    // sending with an empty parameter is refused in the browser
    await page.getByRole('button', { name: 'Send template' }).click();
    await page.getByText('Fill every parameter').waitFor();
    await page.getByLabel('Parameter 1', { exact: true }).fill('A-1234');
    assert.equal(await preview.textContent(), 'Your order A-1234 has shipped.');
    assert.deepEqual(await unnamedControls(page), [], 'every control of the picker has an accessible name');
    assert.deepEqual(await seriousViolations(page, 'form.composer'), [], 'axe: the composer with the picker open');
    await screenshot(page, 'templates-picker.png');
    await page.getByRole('button', { name: 'Send template' }).click();

    // in the thread, and at the provider as a template message
    await page.locator('.thread [data-kind="reply"]:not(.ev-pending)', { hasText: 'Your order A-1234 has shipped.' }).waitFor({ timeout: 10000 });
    const [sent] = await fake.waitFor(fake.whatsapp, (r) => r.body.to === `+${num}` && r.body.type === 'template');
    assert.deepEqual(sent.body.template, {
      name: 'order_shipped', language: { code: 'en' },
      components: [{ type: 'body', parameters: [{ type: 'text', text: 'A-1234' }] }],
    });
    await page.locator('.thread [data-kind="reply"] [data-route]', { hasText: 'order_shipped' }).waitFor();
    assert.equal(await page.locator('#tpl-panel').count(), 0, 'the picker closes after sending');

    // the admin deletes the default team's settings, after confirming
    await form.getByRole('button', { name: 'Delete team settings' }).click();
    const confirm = adm.page.locator('[data-confirm="teamset-delete"]');
    await confirm.waitFor();
    assert.match(await confirm.textContent(), /Delete the settings of Default team\?/);
    assert.equal(await redis.cli('HEXISTS', 'hilo:team:settings', 'default'), '1', 'nothing deleted before confirming');
    await confirm.getByRole('button', { name: 'Delete team settings' }).click();
    await adm.page.getByText('Settings of default deleted').waitFor();
    assert.equal(await redis.cli('HEXISTS', 'hilo:team:settings', 'default'), '0');
    // the agent's console follows: no templates to pick any more
    await open.click();
    await page.getByText('No approved templates yet').waitFor({ timeout: 10000 });
    // and in Spanish
    await page.getByRole('button', { name: 'ES', exact: true }).click();
    await page.getByRole('button', { name: 'Enviar una plantilla de WhatsApp aprobada' }).waitFor();
    await page.getByText('Aún no hay plantillas aprobadas').waitFor();
    await page.getByText('La ventana de WhatsApp está cerrada').waitFor();

    assert.deepEqual(await adm.page.problems(), []);
    assert.deepEqual(await page.problems(), []);
    await adm.context.close();
    await ag.context.close();
  }));
});
