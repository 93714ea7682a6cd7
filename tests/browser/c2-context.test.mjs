// Issue #13, customer context: the widget sends the page (without query or
// fragment) and a short browser name with each message; the console's
// customer card shows them, counts the customer's messages instead of
// repeating the thread (with a jump to the last one), and "Channels in this
// thread" counts customer messages only. Real Hilo + Redis, Debian Chromium.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { HILO_BIN, startRedis, startHilo, addAgent, agent, cleanup, withLogs } from '../lib/harness.mjs';
import { repoRoot, startHostSite, collectConsole } from './lib/browser.mjs';
import { launchBrowser, newPage, signIn, queueItem, CHROMIUM, suiteTimeout } from './lib/console-helpers.mjs';
import { pageOf, browserOf } from '../../web/widget/src/where.js';

if (!existsSync(HILO_BIN)) throw new Error(`no hilo binary at ${HILO_BIN}`);
if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}`);

test('pageOf keeps scheme, host and path only; browserOf names browser and system', () => {
  assert.equal(pageOf({ href: 'https://shop.example.com/cart?token=s3cret#pay' }), 'https://shop.example.com/cart');
  assert.equal(pageOf({ href: 'http://localhost:8080/a/b' }), 'http://localhost:8080/a/b');
  assert.equal(pageOf({ href: 'file:///home/x.html' }), '');
  assert.equal(pageOf({ href: 'not a url' }), '');
  assert.equal(pageOf({ href: `https://x.example/${'a'.repeat(2000)}` }).length, 1000);
  const ua = {
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36': 'Chrome 120 · Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91': 'Edge 120 · Windows',
    'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0': 'Firefox 128 · Linux',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1': 'Safari 17 · iOS',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15': 'Safari 17 · macOS',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Mobile Safari/537.36': 'Chrome 121 · Android',
  };
  for (const [s, want] of Object.entries(ua)) assert.equal(browserOf(s), want, s);
  assert.equal(browserOf(''), '');
});

describe('customer card: where the customer wrote from (#13)', { timeout: suiteTimeout(120000) }, () => {
  let redis, hilo, site, browser, pw;
  before(async () => {
    redis = await startRedis();
    site = await startHostSite({ root: path.join(repoRoot, 'tests/browser/fixtures/widget') });
    hilo = await startHilo({ redisUrl: redis.url, args: ['--widget-origins', site.origin] });
    pw = await addAgent(hilo, 'ana', { display: 'Ana' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await site?.close();
    await cleanup();
  });

  test('the widget\'s page (no query) and browser reach the card; the card counts, the thread shows', withLogs(async () => {
    site.page('/shop/checkout.html', {
      file: 'page.html',
      vars: { CSS: 'plain.css', RAW_WIDGET: `<script src="${hilo.url}/widget.js" data-server="${hilo.url}/" data-lang="en"></script>` },
    });
    const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1100, height: 760 } });
    const wp = await ctx.newPage();
    const errors = collectConsole(wp);
    await wp.goto(`${site.url}/shop/checkout.html?order=5521&token=s3cret#pay`);
    const host = wp.locator('hilo-widget');
    await host.locator('.launcher').click();
    const box = host.locator('textarea');
    await box.fill('The pay button does nothing');
    await box.press('Enter');
    const ref = await host.locator('[data-kind="ack"] [data-ref]').first().getAttribute('data-ref', { timeout: 15000 });
    await box.fill('Still stuck');
    await box.press('Enter');

    const bob = await agent(hilo, 'ana', pw);
    const th = await bob.request({ type: 'ticket.open', ticket: ref });
    await bob.close();
    const sentPage = th.events.find((e) => e.kind === 'message')?.page;
    assert.equal(sentPage, `${site.url}/shop/checkout.html`, 'no query or fragment leaves the browser');

    const { context, page } = await newPage(browser);
    await signIn(page, hilo.url, 'ana', pw);
    await queueItem(page, ref).click();
    await page.locator('.thread [data-kind="message"]', { hasText: 'Still stuck' }).waitFor();
    const card = page.locator('.context');
    const link = card.locator('[data-page] a');
    assert.equal(await link.getAttribute('href'), `${site.url}/shop/checkout.html`);
    assert.equal(await link.textContent(), `${site.url.replace(/^http:\/\//, '')}/shop/checkout.html`);
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer nofollow');
    assert.match(await card.locator('[data-browser]').textContent(), /^Chrome \d+ · Linux$/);
    assert.match(await card.textContent(), /Wrote from/);
    // counted, not repeated: the texts are in the thread only
    await card.locator('[data-words="2"]', { hasText: '2 messages' }).waitFor();
    assert.doesNotMatch(await card.textContent(), /pay button/);
    // a web reply does not count as a channel the customer used
    await page.locator('#composer-text').fill('Looking into it');
    await page.locator('#composer-text').press('Control+Enter');
    await page.locator('.thread [data-kind="reply"]', { hasText: 'Looking into it' }).waitFor();
    assert.match(await card.locator('.chips').last().textContent(), /Web\s*×2/);
    await card.locator('[data-action="jump-last"]').click();
    const focused = await page.evaluate(() => document.activeElement?.closest('.thread li')?.textContent || '');
    assert.match(focused, /Still stuck/);
    await card.locator('[data-words="2"]').waitFor();
    assert.deepEqual(await page.problems(), []);
    assert.deepEqual(errors.filter((e) => !/favicon/.test(e)), []);
    await context.close();
    await ctx.close();

    // Spanish labels
    const es = await newPage(browser, { locale: 'es-ES' });
    await signIn(es.page, hilo.url, 'ana', pw);
    await queueItem(es.page, ref).click();
    await es.page.locator('.context [data-page]').waitFor();
    const text = await es.page.locator('.context').textContent();
    assert.match(text, /Escribió desde/);
    assert.match(text, /Navegador/);
    assert.match(text, /2 mensajes/);
    await es.context.close();
  }));
});
