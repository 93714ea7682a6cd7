// Issue #13, layout: the console works from 1024 to 1920 px (no toolbar or
// top bar wider than the window, composer tabs and queue filters not
// clipped), at 800 px Sign out and the language switch stay reachable;
// sending scrolls to your message and a "New messages ↓" pill appears when
// something arrives while you are scrolled up. It also takes the screenshots
// for docs/console.md and docs/widget.md (test-artifacts/c2-screens/;
// scripts copy them to docs/img/). Real Hilo + Redis, Debian Chromium.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { existsSync, mkdirSync } from 'node:fs';
import { HILO_BIN, startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs, repoRoot } from '../lib/harness.mjs';
import { startHostSite } from './lib/browser.mjs';
import { launchBrowser, newPage, signIn, queueItem, CHROMIUM, suiteTimeout } from './lib/console-helpers.mjs';

if (!existsSync(HILO_BIN)) throw new Error(`no hilo binary at ${HILO_BIN}`);
if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}`);
const SHOTS = path.join(repoRoot, 'test-artifacts', 'c2-screens');
mkdirSync(SHOTS, { recursive: true });

let seq = 0;
async function say(cu, text) {
  const id = `ly-${++seq}`;
  cu.send({ type: 'message', client_id: id, text });
  return cu.next((f) => f.type === 'ack' && f.client_id === id);
}

// Elements wider than the window or cut off inside their box, as "what: why".
async function overflowProblems(page) {
  return page.evaluate(() => {
    const out = [];
    const W = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > W + 1) out.push(`page scrolls sideways (${document.documentElement.scrollWidth} > ${W})`);
    const sel = ['.topbar > *', '.th-actions > *', '.th-actions button', '.composer .seg button', '.filters select', '.filters button', '.composer-foot > *', '.bulkbar > *'];
    for (const s of sel) {
      for (const el of document.querySelectorAll(s)) {
        const r = el.getBoundingClientRect();
        if (!r.width) continue;
        if (r.right > W + 1) out.push(`${s} "${(el.textContent || '').trim().slice(0, 20)}" ends at ${Math.round(r.right)} > ${W}`);
        if (el.matches('button') && el.scrollWidth > el.clientWidth + 1) out.push(`${s} "${el.textContent.trim().slice(0, 20)}" clipped`);
      }
    }
    for (const el of document.querySelectorAll('.composer .seg, .th-actions')) {
      if (el.scrollWidth > el.clientWidth + 1) out.push(`${el.className} clipped (${el.scrollWidth} > ${el.clientWidth})`);
      const rs = [...el.children].map((c) => c.getBoundingClientRect()).filter((r) => r.width);
      const minBottom = Math.min(...rs.map((r) => r.bottom));
      if (el.matches('.th-actions') && rs.some((r) => r.top >= minBottom)) out.push('the ticket toolbar wraps');
    }
    for (const b of document.querySelectorAll('.composer .seg button')) {
      if (b.getBoundingClientRect().height > 40) out.push(`composer tab "${b.textContent}" wraps`);
    }
    // a select narrower than its chosen option's text is truncated ("Channel: ar")
    for (const el of document.querySelectorAll('.filters select')) {
      const c = document.createElement('canvas').getContext('2d');
      c.font = getComputedStyle(el).font;
      const need = c.measureText(el.selectedOptions[0]?.textContent || '').width;
      if (need > el.clientWidth - 18) out.push(`select "${el.selectedOptions[0]?.textContent}" truncated (${Math.round(need)} > ${el.clientWidth - 18})`);
    }
    return out;
  });
}

describe('console layout from 800 to 1920 px, and the screenshots (#13)', { timeout: suiteTimeout(240000) }, () => {
  let redis, hilo, browser, site;
  const pw = {};
  let busy;
  before(async () => {
    redis = await startRedis();
    site = await startHostSite({ root: path.join(repoRoot, 'tests/browser/fixtures/widget') });
    hilo = await startHilo({ redisUrl: redis.url, args: ['--session-ttl', '3600', '--widget-origins', site.origin] });
    pw.ana = await addAgent(hilo, 'ana', { display: 'Ana López' });
    pw.bob = await addAgent(hilo, 'bob', { display: 'Bob Martin' });
    browser = await launchBrowser();
    // a realistic morning: several tickets, one busy thread
    const bob = await agent(hilo, 'bob', pw.bob);
    const people = [
      ['Tom Becker', 'en', 'The app logs me out every 5 minutes on Android.'],
      ['Amina Diallo', 'en', 'Can I change the delivery address of order 77120?'],
      ['Sofía Martín', 'es', 'Necesito cambiar la talla de unas zapatillas.'],
      ['Kenji Watanabe', 'en', 'Where do I find my invoices?'],
    ];
    for (const [name, locale, text] of people) {
      const cu = await customer(hilo, { locale, name });
      const ack = await say(cu, text);
      if (name === 'Kenji Watanabe') {
        await bob.request({ type: 'ticket.open', ticket: ack.ticket });
        bob.send({ type: 'reply', ticket: ack.ticket, client_id: `ly-r-${name}`, text: 'Under Account → Billing.' });
        await bob.next('ack');
      }
      if (name === 'Amina Diallo') await bob.request({ type: 'tags', ticket: ack.ticket, tags: ['address', 'vip'] });
      await cu.close();
    }
    const cu = await customer(hilo, { locale: 'es', name: 'Lucía Fernández' });
    const ack = await say(cu, 'Hola, mi pedido 88123 no ha llegado y ya pasaron 10 días.');
    busy = { cu, ref: ack.ticket };
    await bob.request({ type: 'assign', ticket: busy.ref, agent: 'ana' });
    await bob.request({ type: 'tags', ticket: busy.ref, tags: ['envío', 'retraso'] });
    await bob.request({ type: 'ticket.open', ticket: busy.ref });
    bob.send({ type: 'note', ticket: busy.ref, client_id: 'ly-n1', text: 'Transportista confirma retraso en Zaragoza. Ofrecer reenvío.' });
    await bob.next('ack');
    // Ana's own earlier reply (a colleague's would make her next send ask first)
    const ana = await agent(hilo, 'ana', pw.ana);
    await ana.request({ type: 'ticket.open', ticket: busy.ref });
    ana.send({ type: 'reply', ticket: busy.ref, client_id: 'ly-r1', text: 'Hola Lucía, lo siento mucho. El paquete está retenido en Zaragoza. ¿Prefieres que lo reenviemos o un reembolso?' });
    await ana.next('ack');
    await ana.close();
    for (const text of ['Prefiero el reenvío, pero lo necesito antes del viernes.', '¿Me podéis mandar el número de seguimiento nuevo?',
      'Es un regalo de cumpleaños, por eso la prisa.', 'Gracias por la rapidez 🙏']) await say(cu, text);
    await bob.close();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await site?.close();
    await cleanup();
  });

  for (const width of [1920, 1366, 1024]) {
    test(`${width} px: nothing wider than the window or clipped; queue, busy ticket and reports screenshots`, withLogs(async () => {
      const { context, page } = await newPage(browser, { viewport: { width, height: 768 } });
      await signIn(page, hilo.url, 'ana', pw.ana);
      await queueItem(page, busy.ref).click();
      await page.locator('.thread [data-kind="message"]', { hasText: 'Gracias por la rapidez' }).waitFor();
      await page.locator('#composer-text').fill('Te paso el número en cuanto salga el reenvío.');
      for (const f of [['queue', 'pending'], ['channel', 'web']]) {
        // the longest choices must fit too
        await page.getByLabel(f[0] === 'queue' ? 'Status' : 'Channel', { exact: true }).selectOption(f[1]);
      }
      await page.getByLabel('Status', { exact: true }).selectOption('all');
      assert.deepEqual(await overflowProblems(page), []);
      for (const m of ['note', 'resolution', 'reply']) {
        await page.locator(`[data-mode="${m}"]`).click();
        assert.deepEqual(await overflowProblems(page), [], `composer in ${m} mode`);
      }
      if (width !== 1920) await page.screenshot({ path: path.join(SHOTS, `console-${width}.png`) });
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
      await page.locator('.charts canvas, .charts .u-wrap').first().waitFor();
      // per agent: Lucía's ticket is Ana's (display name), answered by her
      const row = page.locator('[data-per-agent] tr[data-agent="ana"]');
      await row.waitFor();
      const cells = await row.locator('th, td').allTextContents();
      assert.deepEqual(cells.slice(0, 3), ['Ana López', '1', '0']);
      assert.match(cells[3], /\d/, 'a first-response median');
      assert.deepEqual(await overflowProblems(page), []);
      if (width !== 1920) await page.screenshot({ path: path.join(SHOTS, `reports-${width}.png`) });
      assert.deepEqual(await page.problems(), []);
      await context.close();
    }));
  }

  test('800 px: Sign out and the language switch stay on screen and work', withLogs(async () => {
    const { context, page } = await newPage(browser, { viewport: { width: 800, height: 700 } });
    await signIn(page, hilo.url, 'ana', pw.ana);
    await queueItem(page, busy.ref).click();
    await page.locator('.thread [data-kind="message"]').first().waitFor();
    for (const loc of [page.locator('[data-action="signout"]'), page.getByRole('button', { name: 'ES', exact: true })]) {
      const box = await loc.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 800 && box.y + box.height <= 700, `on screen: ${JSON.stringify(box)}`);
    }
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= 800), true);
    await page.getByRole('button', { name: 'ES', exact: true }).click();
    const out = page.getByRole('button', { name: 'Cerrar sesión' });
    const b = await out.boundingBox();
    assert.ok(b && b.x + b.width <= 800, `Spanish Sign out on screen: ${JSON.stringify(b)}`);
    await out.click();
    await page.getByRole('button', { name: 'Entrar' }).waitFor();
    await context.close();
  }));

  test('sending scrolls to your message; "New messages ↓" when scrolled up', withLogs(async () => {
    const { context, page } = await newPage(browser, { viewport: { width: 1366, height: 500 } });
    await signIn(page, hilo.url, 'ana', pw.ana);
    await queueItem(page, busy.ref).click();
    const thread = page.locator('.thread');
    await page.locator('.thread [data-kind="message"]', { hasText: 'Gracias por la rapidez' }).waitFor();
    const atBottom = () => thread.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 80);
    const scrollable = await thread.evaluate((el) => el.scrollHeight > el.clientHeight + 100);
    assert.ok(scrollable, 'the busy thread scrolls at 500 px high');
    await thread.evaluate((el) => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); });
    await say(busy.cu, 'Una cosa más: ¿podéis enviarlo a mi oficina?');
    const pill = page.getByRole('button', { name: 'New messages ↓' });
    await pill.waitFor();
    assert.equal(await atBottom(), false, 'not yanked down while reading');
    await pill.click();
    await pill.waitFor({ state: 'detached' });
    await page.waitForFunction(() => { const el = document.querySelector('.thread'); return el.scrollHeight - el.scrollTop - el.clientHeight < 80; });
    // scrolled up again, Ana sends: the thread goes to her message
    await thread.evaluate((el) => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); });
    await page.locator('#composer-text').fill('Claro, pásame la dirección de la oficina.');
    await page.locator('#composer-text').press('Control+Enter');
    await page.locator('.thread [data-kind="reply"]', { hasText: 'pásame la dirección' }).waitFor();
    await page.waitForFunction(() => { const el = document.querySelector('.thread'); return el.scrollHeight - el.scrollTop - el.clientHeight < 80; });
    assert.equal(await pill.count(), 0);
    await context.close();
  }));

  test('widget on a phone (screenshot)', withLogs(async () => {
    site.page('/phone.html', {
      file: 'page.html',
      vars: { CSS: 'plain.css', RAW_WIDGET: `<script src="${hilo.url}/widget.js" data-server="${hilo.url}/" data-lang="es" data-title="Tostadores Nube" data-whatsapp="34600111222"></script>` },
    });
    const ctx = await browser.newContext({ locale: 'es-ES', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const page = await ctx.newPage();
    await page.goto(`${site.url}/phone.html`);
    const host = page.locator('hilo-widget');
    await host.locator('.launcher').click();
    await host.locator('textarea').fill('Hola, ¿el molinillo C2 sirve para espresso?');
    await host.locator('textarea').press('Enter');
    const ref = await host.locator('[data-kind="ack"] [data-ref]').first().getAttribute('data-ref', { timeout: 15000 });
    const a = await agent(hilo, 'ana', pw.ana);
    await a.request({ type: 'ticket.open', ticket: ref });
    a.send({ type: 'reply', ticket: ref, client_id: 'ly-w1', text: '¡Hola! Sí: tiene 40 pasos de molienda y el más fino es para espresso.' });
    await a.next('ack');
    await host.locator('[data-kind="reply"]').first().waitFor();
    await a.close();
    await page.screenshot({ path: path.join(SHOTS, 'widget-phone.png') });
    await ctx.close();
  }));
});
