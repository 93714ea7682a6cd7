// Issue #13, widget: the customer's messages get ✓ (delivered: stored by
// Hilo) and ✓✓ (seen: an agent has answered since), with text for screen
// readers; agent replies show the agent's name with avatar initials. Both
// languages. Real Hilo + Redis, Debian Chromium.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { HILO_BIN, startRedis, startHilo, addAgent, agent, customer, cleanup, withLogs } from '../lib/harness.mjs';
import { repoRoot, startHostSite, collectConsole, launchBrowser } from './lib/browser.mjs';
import { CHROMIUM, suiteTimeout } from './lib/console-helpers.mjs';
import { loginCookie } from '../lib/fake-provider.mjs';

if (!existsSync(HILO_BIN)) throw new Error(`no hilo binary at ${HILO_BIN}`);
if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}`);

describe('widget: ticks and agent initials (#13)', { timeout: suiteTimeout(120000) }, () => {
  let redis, hilo, site, browser, pw;
  before(async () => {
    redis = await startRedis();
    site = await startHostSite({ root: path.join(repoRoot, 'tests/browser/fixtures/widget') });
    hilo = await startHilo({ redisUrl: redis.url, args: ['--widget-origins', site.origin] });
    pw = await addAgent(hilo, 'ana', { display: 'Ana López' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await site?.close();
    await cleanup();
  });

  for (const lang of ['en', 'es']) {
    test(`✓ delivered, ✓✓ seen after a reply; "AL" next to Ana López (${lang})`, withLogs(async () => {
      site.page(`/ticks-${lang}.html`, {
        file: 'page.html',
        vars: { CSS: 'plain.css', RAW_WIDGET: `<script src="${hilo.url}/widget.js" data-server="${hilo.url}/" data-lang="${lang}"></script>` },
      });
      const ctx = await browser.newContext({ locale: lang === 'es' ? 'es-ES' : 'en-US', viewport: { width: 1100, height: 760 } });
      const page = await ctx.newPage();
      const errors = collectConsole(page);
      await page.goto(`${site.url}/ticks-${lang}.html`);
      const host = page.locator('hilo-widget');
      await host.locator('.launcher').click();
      const box = host.locator('textarea');
      await box.fill('first question');
      await box.press('Enter');
      const ref = await host.locator('[data-kind="ack"] [data-ref]').first().getAttribute('data-ref', { timeout: 15000 });
      const first = host.locator('[data-kind="message"]', { hasText: 'first question' });
      await first.locator('[data-tick="delivered"]').waitFor();
      assert.equal(await first.locator('[data-tick] .sr').textContent(), lang === 'es' ? 'Entregado' : 'Delivered');
      assert.equal(await first.locator('[data-tick] [aria-hidden="true"]').textContent(), '✓');

      const a = await agent(hilo, 'ana', pw);
      await a.request({ type: 'ticket.open', ticket: ref });
      a.send({ type: 'reply', ticket: ref, client_id: `tk-${lang}`, text: 'Here is the answer' });
      await a.next('ack');
      const reply = host.locator('[data-kind="reply"]', { hasText: 'Here is the answer' });
      await reply.waitFor();
      assert.equal(await reply.locator('.avatar').textContent(), 'AL');
      assert.equal(await reply.locator('.avatar').getAttribute('aria-hidden'), 'true');
      assert.match(await reply.locator('.who').textContent(), /Ana López$/);
      await first.locator('[data-tick="seen"]').waitFor();
      assert.equal(await first.locator('[data-tick] .sr').textContent(), lang === 'es' ? 'Visto por el equipo' : 'Seen by the team');
      // a newer message is only delivered until the next answer
      await box.fill('follow-up question');
      await box.press('Enter');
      const second = host.locator('[data-kind="message"]', { hasText: 'follow-up question' });
      await second.locator('[data-tick="delivered"]').waitFor();
      assert.equal(await first.locator('[data-tick]').getAttribute('data-tick'), 'seen');
      await a.close();
      assert.deepEqual(errors.filter((e) => !/favicon/.test(e)), []);
      await ctx.close();
    }));
  }

  test('a blocked visitor: the widget says the chat is not available and stops, also after a reload', withLogs(async () => {
    site.page('/blocked.html', {
      file: 'page.html',
      vars: { CSS: 'plain.css', RAW_WIDGET: `<script src="${hilo.url}/widget.js" data-server="${hilo.url}/" data-lang="en"></script>` },
    });
    const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1100, height: 760 } });
    const page = await ctx.newPage();
    await page.goto(`${site.url}/blocked.html`);
    const host = page.locator('hilo-widget');
    await host.locator('.launcher').click();
    const box = host.locator('textarea');
    await box.fill('spam spam spam');
    await box.press('Enter');
    const ref = await host.locator('[data-kind="ack"] [data-ref]').first().getAttribute('data-ref', { timeout: 15000 });
    const a = await agent(hilo, 'ana', pw);
    const cid = (await a.request({ type: 'ticket.open', ticket: ref })).ticket.customer;
    await a.close();
    const cookie = await loginCookie(hilo, 'ana', pw);
    const ids = await (await fetch(`${hilo.url}/api/v1/customers/${cid}/identities`, { headers: { cookie } })).json();
    const web = ids.identities.find((i) => i.identity.startsWith('web:'));
    const res = await fetch(`${hilo.url}/api/v1/customers/${cid}/identities/block`, {
      method: 'POST', headers: { cookie, origin: hilo.url, 'content-type': 'application/json' }, body: JSON.stringify({ identity: web.identity }),
    });
    assert.equal(res.status, 200, await res.text());
    const blockedShown = () => page.waitForFunction(() => {
      const root = document.querySelector('hilo-widget')?.shadowRoot;
      const st = root?.querySelector('[data-part="status"]');
      return st?.textContent === 'This chat is not available.' && st.getBoundingClientRect().height > 0 &&
        root.querySelector('textarea')?.disabled === true;
    }, null, { timeout: 15000 });
    await blockedShown();
    await page.reload();
    // the panel's open state is remembered across the reload
    await host.locator('.launcher').waitFor();
    if (await host.locator('.panel').evaluate((p) => p.hidden)) await host.locator('.launcher').click();
    await blockedShown();
    await ctx.close();
  }));

  test('a merge undone: the widget that was shown the other customer\'s thread shows its own again and forgets the other', withLogs(async () => {
    site.page('/undo.html', {
      file: 'page.html',
      vars: { CSS: 'plain.css', RAW_WIDGET: `<script src="${hilo.url}/widget.js" data-server="${hilo.url}/" data-lang="en"></script>` },
    });
    const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1100, height: 760 } });
    const page = await ctx.newPage();
    await page.goto(`${site.url}/undo.html`);
    const host = page.locator('hilo-widget');
    await host.locator('.launcher').click();
    const box = host.locator('textarea');
    await box.fill('this is Bea on her laptop');
    await box.press('Enter');
    const refB = await host.locator('[data-kind="ack"] [data-ref]').first().getAttribute('data-ref', { timeout: 15000 });
    // another visitor (A) writes later: after the merge A's thread is B's current one
    const va = await customer(hilo, { locale: 'en', name: 'Other' });
    va.send({ type: 'message', client_id: 'a-1', text: 'words only A should see' });
    const refA = (await va.next('ack')).ticket;
    const a = await agent(hilo, 'ana', pw);
    const B = (await a.request({ type: 'ticket.open', ticket: refB })).ticket.customer;
    await a.close();
    const A = va.welcome.customer;
    const cookie = await loginCookie(hilo, 'ana', pw);
    const api = (method, url, body) => fetch(`${hilo.url}${url}`, {
      method, headers: { cookie, origin: hilo.url, 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}),
    });
    const m = await api('POST', `/api/v1/customers/${A}/merge`, { into: B });
    assert.equal(m.status, 200, await m.clone().text());
    const mid = (await m.json()).merge.id;
    // B's browser comes back and is shown the merged thread
    await page.reload();
    await host.locator('.launcher').waitFor();
    if (await host.locator('.panel').evaluate((p) => p.hidden)) await host.locator('.launcher').click();
    await host.locator('[data-kind="message"]', { hasText: 'words only A should see' }).waitFor({ timeout: 15000 });
    // the undo gives it back to A: the widget is closed (4409), says hello
    // again, and shows B's own thread; A's words are gone, also from storage
    const u = await api('POST', `/api/v1/merges/${mid}/undo`);
    assert.equal(u.status, 200, await u.text());
    await host.locator('[data-kind="message"]', { hasText: 'words only A should see' }).waitFor({ state: 'detached', timeout: 15000 });
    await host.locator('[data-kind="message"]', { hasText: 'this is Bea on her laptop' }).waitFor({ timeout: 15000 });
    const stored = await page.evaluate(() => Object.keys(localStorage).join(' '));
    assert.ok(!stored.includes(`thread:${refA}`), `A's thread is not kept: ${stored}`);
    assert.ok(refA !== refB);
    await va.close();
    await ctx.close();
  }));
});
