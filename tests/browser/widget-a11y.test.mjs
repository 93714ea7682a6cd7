// axe-core (npm) on the chat widget, open, with a conversation (customer
// message, acknowledgement, agent reply, "continue elsewhere"), on a desktop
// and on a phone, in English and Spanish. Fails on serious or critical
// violations inside the widget. Debian's Chromium via playwright-core.
//
//   HILO_BIN=$PWD/build/hilo node --test --test-concurrency=1 tests/browser/widget-a11y.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { agent, withLogs } from '../lib/harness.mjs';
import { T, startWidgetEnv, stopWidgetEnv, widgetPages, seriousViolations } from './lib/widget-page.mjs';

const env = {};
let hilo; let browser; let agentPw;
const { hostPage } = widgetPages(env, { prefix: 'a11y' });

before(async () => {
  ({ hilo, browser, agentPw } = await startWidgetEnv(env, { webPrefix: 'hilo-widget-a11y-web-' }));
});

after(() => stopWidgetEnv(env));

const cases = [
  ['en', { width: 1100, height: 760 }], ['es', { width: 1100, height: 760 }], ['en', { width: 390, height: 780 }],
];
for (const [lang, viewport] of cases) {
  test(`open widget with a conversation: no serious or critical violations (${lang}, ${viewport.width} px)`, withLogs(async () => {
    const ctx = await browser.newContext({ locale: 'en-US', viewport });
    const page = await ctx.newPage();
    await page.goto(hostPage({ lang, title: 'Acme Support', whatsapp: '34600111222', email: 'help@acme.example', phone: '+34 900 123 456' }));
    const host = page.locator('hilo-widget');
    await host.locator('.launcher').click();
    await host.locator('.panel').waitFor({ state: 'visible', timeout: T });
    const empty = await seriousViolations(page); // the intro and pre-chat fields
    await host.locator('textarea').fill('Where is my parcel?');
    await host.locator('textarea').press('Enter');
    const ack = host.locator('[data-kind="ack"]');
    await ack.waitFor({ timeout: T });
    const ref = await ack.locator('[data-ref]').getAttribute('data-ref');
    const a = await agent(hilo, 'ana', agentPw);
    assert.equal((await a.request({ type: 'ticket.open', ticket: ref })).type, 'thread');
    a.send({ type: 'reply', ticket: ref, client_id: `r-${lang}-${viewport.width}`, text: 'It left yesterday.' });
    a.send({ type: 'typing', ticket: ref, state: true });
    await host.locator('[data-kind="reply"]').waitFor({ timeout: T });
    await host.locator('[data-part="alternatives"]').waitFor({ timeout: T });
    const busy = await seriousViolations(page);
    assert.deepEqual({ empty, busy }, { empty: [], busy: [] });
    await a.close();
    await ctx.close();
  }));
}
