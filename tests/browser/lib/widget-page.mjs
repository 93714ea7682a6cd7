// Shared set-up of the chat-widget browser tests (widget*.test.mjs,
// status-widget.test.mjs): a redis, the widget built into a web root, a host
// site serving tests/browser/fixtures/widget, usually a hilo that lets that
// site embed the widget and an agent "ana", and Chromium; pages that embed the
// widget; locators inside its shadow root; axe on the widget.
//
//   startWidgetEnv(env, {webPrefix, hiloArgs?, agent?}) -> env filled with
//     {redis, webRoot, site, hilo?, agentPw?, browser}, in that order (so a
//     failure half-way leaves what was started for stopWidgetEnv). hiloArgs
//     null: no hilo (the test starts its own with widgetHiloOpts(env, args)).
//   stopWidgetEnv(env): closes the browser and the site, then harness cleanup().
//   widgetPages(env, {prefix, context?, locators?}) -> {hostPage, newPage, W, openWidget}
//     env is read when called (env.site, env.hilo, env.browser), so it may be
//     filled later by startWidgetEnv.
//     hostPage(attrs, hilo = env.hilo) -> URL of /<prefix>N.html embedding
//       widget.js from hilo with data-server=hilo and data-<k>=attrs[k].
//     newPage(opts) -> page in a new context (en-US, 1100x760, then context,
//       then opts) with page.errors = collectConsole(page).
//     W(page, extra) / openWidget(page, url): widgetLocators with locators
//       (and extra) added.
//   widgetLocators(page, extra = {name: selector}) -> {host, launcher, panel,
//     input, ack, ...extra} locators inside <hilo-widget>.
//   openWidgetAt(page, url, extra) -> goes to url, opens the panel if closed.
//   send(w, text), refOf(w) -> the reference of the first acknowledgement.
//   seriousViolations(page, within = 'hilo-widget') -> serious and critical
//     axe violations inside `within` (open shadow roots included), a line each.

import path from 'node:path';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startRedis, startHilo, addAgent, tmpDir, cleanup } from '../../lib/harness.mjs';
import { repoRoot, launchBrowser, buildWidget, startHostSite, collectConsole, esc } from './browser.mjs';

export const FIXTURES = path.join(repoRoot, 'tests/browser/fixtures/widget');
export const T = 15000; // default wait for UI conditions

export const widgetHiloOpts = (env, args = []) => ({
  redisUrl: env.redis.url, webRoot: env.webRoot, args: ['--widget-origins', env.site.origin, ...args],
});

export async function startWidgetEnv(env, { webPrefix, hiloArgs = [], agent = true } = {}) {
  env.redis = await startRedis();
  env.webRoot = await tmpDir(webPrefix);
  await buildWidget(env.webRoot);
  env.site = await startHostSite({ root: FIXTURES });
  if (hiloArgs) {
    env.hilo = await startHilo(widgetHiloOpts(env, hiloArgs));
    if (agent) env.agentPw = await addAgent(env.hilo, 'ana', { display: 'Ana' });
  }
  env.browser = await launchBrowser();
  return env;
}

export async function stopWidgetEnv(env) {
  await env.browser?.close().catch(() => {});
  await env.site?.close();
  await cleanup();
}

// Widget locators (inside the open shadow root of <hilo-widget>).
export function widgetLocators(page, extra = {}) {
  const host = page.locator('hilo-widget');
  const w = {
    host,
    launcher: host.locator('.launcher'),
    panel: host.locator('.panel'),
    input: host.locator('textarea'),
    ack: host.locator('[data-kind="ack"]'),
  };
  for (const [name, selector] of Object.entries(extra)) w[name] = host.locator(selector);
  return w;
}

export async function openWidgetAt(page, url, extra = {}) {
  await page.goto(url);
  const w = widgetLocators(page, extra);
  await w.launcher.waitFor({ state: 'visible', timeout: T });
  // The panel stays open across pages of one tab (sessionStorage).
  if (!await w.panel.isVisible()) await w.launcher.click();
  await w.panel.waitFor({ state: 'visible', timeout: T });
  return w;
}

export async function send(w, text) {
  await w.input.fill(text);
  await w.input.press('Enter');
}

export async function refOf(w) {
  await w.ack.first().waitFor({ timeout: T });
  return w.ack.first().locator('[data-ref]').getAttribute('data-ref');
}

export function widgetPages(env, { prefix = 'w', context = {}, locators = {} } = {}) {
  let pageSeq = 0;
  return {
    hostPage(attrs = {}, hilo = env.hilo) {
      const data = Object.entries({ server: `${hilo.url}/`, ...attrs })
        .map(([k, v]) => ` data-${k}="${esc(v)}"`).join('');
      return env.site.page(`/${prefix}${++pageSeq}.html`, {
        file: 'page.html',
        vars: { CSS: 'plain.css', RAW_WIDGET: `<script src="${hilo.url}/widget.js"${data}></script>` },
      });
    },
    async newPage(opts = {}) {
      const ctx = await env.browser.newContext({ locale: 'en-US', viewport: { width: 1100, height: 760 }, ...context, ...opts });
      const page = await ctx.newPage();
      page.errors = collectConsole(page);
      return page;
    },
    W: (page, extra = {}) => widgetLocators(page, { ...locators, ...extra }),
    openWidget: (page, url) => openWidgetAt(page, url, locators),
  };
}

let axeSource = null;

// Serious and critical axe violations inside `within` (its open shadow root
// included), one readable line each.
export async function seriousViolations(page, within = 'hilo-widget') {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!await page.evaluate(() => !!window.axe)) await page.evaluate(axeSource);
  const res = await page.evaluate((sel) => window.axe.run({ include: [[sel]] }, { resultTypes: ['violations'] }), within);
  return res.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 4).map((n) => JSON.stringify(n.target)).join(', ')}`
      + `${v.nodes[0]?.failureSummary ? `\n    ${v.nodes[0].failureSummary.replace(/\n/g, ' ')}` : ''}`);
}
