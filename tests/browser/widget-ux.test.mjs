// Browser tests of the widget's small usability and accessibility promises
// (issue #13): copy button for the reference, Esc back to the launcher,
// unread count in the launcher's name, "You" for screen readers, 16 px
// message box on phones, one banner landmark, collapsible "continue
// elsewhere". Debian's Chromium via playwright-core against a real hilo.
//
//   HILO_BIN=$PWD/build/hilo node --test --test-concurrency=1 tests/browser/widget-ux.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { agent, withLogs } from '../lib/harness.mjs';
import { T, startWidgetEnv, stopWidgetEnv, widgetPages, send, refOf } from './lib/widget-page.mjs';

const env = {};
let hilo; let site; let agentPw;

const { hostPage, newPage, openWidget } = widgetPages(env, {
  prefix: 'ux', locators: { alt: '[data-part="alternatives"]' },
});

// Waits until the launcher has the focus (inside the widget's shadow root).
const launcherFocused = (page) => page.waitForFunction(() => {
  const el = document.querySelector('hilo-widget').shadowRoot.activeElement;
  return !!el && el.classList.contains('launcher');
}, null, { timeout: T });

before(async () => {
  ({ hilo, site, agentPw } = await startWidgetEnv(env, { webPrefix: 'hilo-widget-ux-web-' }));
});

after(() => stopWidgetEnv(env));

test('copy button copies the formatted reference and says so politely', withLogs(async () => {
  const page = await newPage();
  const w = await openWidget(page, hostPage({ lang: 'en' }));
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.origin });
  await send(w, 'Copy my reference please');
  const ref = await refOf(w);
  const btn = w.ack.locator('[data-part="copy-ref"]');
  assert.equal(await btn.getAttribute('type'), 'button');
  assert.match(await btn.getAttribute('aria-label'), /^Copy reference/);
  const live = w.host.locator('[data-part="announce"]');
  assert.equal(await live.getAttribute('aria-live'), 'polite');
  await btn.click();
  await live.filter({ hasText: 'Copied' }).waitFor({ timeout: T });
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied.replace(/\s/g, ''), ref);
  assert.match(copied, /^\d{4} \d{4}/, 'formatted in groups of four, as shown');
  await page.context().close();
}));

test('Esc closes the panel and gives focus back to the launcher', withLogs(async () => {
  const page = await newPage();
  const w = await openWidget(page, hostPage({ lang: 'en' }));
  await w.input.focus();
  await page.keyboard.press('Escape');
  await w.panel.waitFor({ state: 'hidden', timeout: T });
  await launcherFocused(page);
  // The header's close button too.
  await page.keyboard.press('Enter');
  await w.panel.waitFor({ state: 'visible', timeout: T });
  await w.host.locator('.head .icon-btn').click();
  await w.panel.waitFor({ state: 'hidden', timeout: T });
  await launcherFocused(page);
  await page.context().close();
}));

test('the launcher names the unread count, in English and Spanish', withLogs(async () => {
  for (const [lang, want] of [['en', 'Chat with us, 2 unread'], ['es', 'Habla con nosotros, 2 sin leer']]) {
    const page = await newPage();
    const w = await openWidget(page, hostPage({ lang }));
    await send(w, `Hello (${lang})`);
    const ref = await refOf(w);
    await w.launcher.click();
    await w.panel.waitFor({ state: 'hidden', timeout: T });
    const a = await agent(hilo, 'ana', agentPw);
    assert.equal((await a.request({ type: 'ticket.open', ticket: ref })).type, 'thread');
    a.send({ type: 'reply', ticket: ref, client_id: `u1-${lang}`, text: 'First' });
    a.send({ type: 'reply', ticket: ref, client_id: `u2-${lang}`, text: 'Second' });
    await w.host.locator('[data-part="badge"]', { hasText: '2' }).waitFor({ timeout: T });
    assert.equal(await w.launcher.getAttribute('aria-label'), want);
    assert.equal(await page.getByRole('button', { name: want }).count(), 1, 'the badge is not read twice');
    await a.close();
    await page.context().close();
  }
}));

test('customer messages are labelled "You" / "Tú" for screen readers', withLogs(async () => {
  for (const [lang, you] of [['en', 'You'], ['es', 'Tú']]) {
    const page = await newPage();
    const w = await openWidget(page, hostPage({ lang }));
    await send(w, 'Who wrote this?');
    await w.ack.waitFor({ timeout: T });
    const row = w.host.locator('[data-kind="message"]').first();
    const label = row.locator('.who');
    assert.equal(await label.textContent(), you);
    const box = await label.boundingBox();
    assert.ok(!box || (box.width <= 1 && box.height <= 1), 'visually hidden');
    assert.equal(await label.getAttribute('aria-hidden'), null);
    assert.equal(await row.locator('.bubble').textContent(), 'Who wrote this?', 'bubble text unchanged');
    await page.context().close();
  }
}));

test('on a phone the message box is 16 px (no iOS zoom) and "continue elsewhere" starts collapsed', withLogs(async () => {
  const attrs = { lang: 'en', whatsapp: '34600111222', email: 'help@acme.example', phone: '+34 900 123 456' };
  const phone = await newPage({ viewport: { width: 390, height: 780 }, isMobile: true, hasTouch: true });
  const w = await openWidget(phone, hostPage(attrs));
  assert.equal(await w.input.evaluate((el) => getComputedStyle(el).fontSize), '16px');
  await send(w, 'On my phone');
  await w.ack.waitFor({ timeout: T });
  await w.alt.waitFor({ timeout: T });
  const wa = w.alt.locator('[data-alt="whatsapp"]');
  assert.equal(await wa.isVisible(), false, 'collapsed on a narrow screen');
  const toggle = w.alt.locator('summary');
  assert.equal(await toggle.textContent(), 'Continue elsewhere');
  const altBox = await w.alt.boundingBox();
  assert.ok(altBox.height < 60, `collapsed block is one line, not ${altBox.height} px`);
  await toggle.click();
  await wa.waitFor({ state: 'visible', timeout: T });
  await toggle.click();
  await wa.waitFor({ state: 'hidden', timeout: T });
  await phone.context().close();
  // A desktop keeps it open and the 14 px text.
  const desk = await newPage();
  const d = await openWidget(desk, hostPage(attrs));
  assert.equal(await d.input.evaluate((el) => getComputedStyle(el).fontSize), '14px');
  await send(d, 'On my desk');
  await d.ack.waitFor({ timeout: T });
  await d.alt.locator('[data-alt="whatsapp"]').waitFor({ state: 'visible', timeout: T });
  await desk.context().close();
}));

test('the widget adds no second banner landmark; its panel is a labelled dialog', withLogs(async () => {
  const page = await newPage();
  await openWidget(page, hostPage({ lang: 'en', title: 'Acme Support' }));
  assert.equal(await page.getByRole('banner').count(), 1, 'only the host page header');
  assert.equal(await page.getByRole('dialog', { name: 'Acme Support' }).count(), 1);
  await page.context().close();
}));
